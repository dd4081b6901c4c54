from django.conf import settings
from django.conf.urls.static import static
from django.urls import path

from . import views

urlpatterns = [
    path("api/health/", views.health),
    path("api/health/auth/", views.health_auth),
]

# Media is served by Caddy in production; static() returns [] unless DEBUG is on.
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
