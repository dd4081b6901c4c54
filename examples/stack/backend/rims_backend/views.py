"""Health endpoints: one public, one that requires a JWT signed with SECRET_KEY (what a
monitoring token looks like in production)."""
import jwt
from django.conf import settings
from django.http import JsonResponse


def health(request):
    return JsonResponse({"status": "ok"})


def health_auth(request):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    try:
        claims = jwt.decode(header[len("Bearer "):], settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        return JsonResponse({"detail": "Given token not valid."}, status=401)
    return JsonResponse({"status": "ok", "user": claims.get("sub", "")})
