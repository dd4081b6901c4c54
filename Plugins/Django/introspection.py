# reconcile's Django introspection: sent to the project's own interpreter on stdin
# (`python - CONFIG`) or as `python -c SCRIPT CONFIG`; it writes nothing anywhere.
# It loads the settings the way the app does (django.setup()), then prints one JSON
# document after a marker line on the original stdout. Whatever the project prints
# while loading goes to stderr, so it cannot corrupt the document.
# Secret values never leave this process: settings whose names look secret (the
# fragments reconcile passes as `secret_names`: Django's own list, API, TOKEN, KEY,
# SECRET, PASS, SIGNATURE, and a few more) are reported as set / not set.
import os
import re
import sys

sys.dont_write_bytecode = True
try:
    # The caller's threads may block signals, and a child inherits the mask: unblock
    # them so the timeout alarm below (and SIGTERM) work.
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
except Exception:
    pass
MARKER = "@@reconcile-django-introspection@@"
# What is secret: set from the configuration's `secret_names` (reconcile's SecretName,
# the one list). Until it is read, and if it is missing, every name is secret.
HIDDEN = re.compile("")
FORMAT = 1
# Tracebacks of the failures reported, searched for secret values to mask.
TRACEBACKS = []
# The environment values the manifest itself sets for the app (configuration's
# `pinned_env`, never a secret's): an environment fix tries them first, so following
# it does not contradict the manifest.
PINNED = {}


def main():
    out_fd = os.dup(1)
    os.dup2(2, 1)
    doc = {"format": FORMAT}
    try:
        run(doc)
    except BaseException as error:  # noqa: a broken project must still yield a document
        doc["error"] = failure("introspection", error)
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    import json
    # Last line of defence: no secret value appears in the document's prose, even an
    # error message that quoted one. Only prose: the values of settings, paths and the
    # logging configuration are compared by reconcile and are never rewritten because
    # they contain a secret's text (a database password `app` leaves /srv/app/media
    # alone); secret settings themselves are only ever reported as set / not set.
    secrets = sorted(secret_values(), key=len, reverse=True)
    hide_copies(doc, secrets)
    mask_prose(doc, secrets)
    text = json.dumps(doc, default=str)
    data = ("\n" + MARKER + "\n" + text + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(out_fd, data):]


def run(doc):
    import json
    import platform

    global HIDDEN, PINNED
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    PINNED = config.get("pinned_env") or {}
    names = config.get("secret_names")
    if names:
        HIDDEN = re.compile("|".join(re.escape(name) for name in names), flags=re.IGNORECASE)
    timeout = int(config.get("timeout", 0) or 0)
    if timeout > 0 and hasattr(signal, "alarm"):
        # The process ends itself even if whoever started it is gone (a dropped
        # docker exec connection cannot kill it).
        signal.alarm(timeout)
    doc["python"] = platform.python_version()
    doc["executable"] = sys.executable
    doc["cwd"] = os.getcwd()
    doc["settings_module"] = os.environ.get("DJANGO_SETTINGS_MODULE")
    try:
        import django
    except BaseException as error:
        doc["error"] = failure("import django", error)
        return
    doc["django"] = django.get_version()
    try:
        django.setup()
        from django.conf import settings

        debug = settings.DEBUG
    except BaseException as error:
        doc["error"] = failure("django.setup()", error)
        return
    hidden = HIDDEN
    # Django asks `if settings.DEBUG`, so any true value is on: the string "False" too.
    doc["debug"] = bool(debug)
    module = sys.modules.get(os.environ.get("DJANGO_SETTINGS_MODULE") or "")
    if getattr(module, "__file__", None):
        doc["settings_file"] = relative(module.__file__)
    doc["settings"] = {}
    locations = {}
    try:
        locations = assignment_locations(
            os.environ.get("DJANGO_SETTINGS_MODULE") or "", config.get("settings", []), config.get("expected", {})
        )
    except BaseException:
        locations = {}
    for name in config.get("settings", []):
        entry = {}
        if hidden.search(name):
            entry["hidden"] = True
            entry["set"] = is_set(settings, name)
        elif not hasattr(settings, name):
            entry["missing"] = True
        else:
            try:
                entry["value"] = to_json(getattr(settings, name), hidden, 0)
                entry["overridden"] = settings.is_overridden(name)
            except BaseException as error:
                entry["error"] = failure("settings.%s" % name, error)
        if name in locations:
            entry["source"] = locations[name]
        doc["settings"][name] = entry
    secrets = {"SECRET_KEY": is_set(settings, "SECRET_KEY")}
    for alias, database in (getattr(settings, "DATABASES", None) or {}).items():
        if isinstance(database, dict):
            secrets["DATABASES.%s.PASSWORD" % alias] = bool(database.get("PASSWORD"))
    doc["secrets"] = secrets
    doc["media"] = media(settings)
    doc["storage"] = storage(settings)
    if config.get("console"):
        doc["console"] = console_logging(config["console"], settings)
    if config.get("checks", True):
        doc["checks"] = checks()


# The document's prose, shown but never compared: exception messages, the repr of an
# object, check messages and the settings statements quoted in fixes.
PROSE = ("last_line", "$repr", "message", "hint", "object", "statement")


def mask_prose(node, secrets):
    """Replaces every secret value inside the prose fields of `node`, in place."""
    if isinstance(node, list):
        for item in node:
            mask_prose(item, secrets)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in PROSE and isinstance(value, str):
                for secret in secrets:
                    value = value.replace(secret, "********")
                node[key] = value
            else:
                mask_prose(value, secrets)


def hide_copies(doc, secrets):
    """A setting that holds a secret's whole value (`ECHO = SECRET_KEY`) is a secret
    too: reported as set, like the secret itself. A value that merely contains one (a
    path, a URL) is left as it is."""
    whole = set(secrets)

    def hide(value):
        if isinstance(value, str):
            return {"$hidden": True, "set": True} if value in whole else value
        if isinstance(value, list):
            return [hide(item) for item in value]
        if isinstance(value, dict) and "$hidden" not in value and "$repr" not in value:
            return {key: hide(item) for key, item in value.items()}
        return value

    for entry in (doc.get("settings") or {}).values():
        if "value" in entry:
            entry["value"] = hide(entry["value"])


def secret_values():
    """The values of secret-looking settings (and secret-looking keys inside dict
    settings such as DATABASES), from the loaded settings or, when loading failed
    halfway, from what the settings module had assigned so far."""
    found = set()

    def collect(name, value, depth):
        if depth > 6:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                collect(str(key), item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(name, item, depth + 1)
        elif HIDDEN.search(name) and isinstance(value, (str, bytes)):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            if len(text) >= 6:
                found.add(text)

    sources = []
    try:
        from django.conf import settings

        if settings.configured:
            sources.append({name: getattr(settings, name, None) for name in dir(settings) if name.isupper()})
    except BaseException:
        pass
    module = sys.modules.get(os.environ.get("DJANGO_SETTINGS_MODULE") or "")
    if module is not None:
        sources.append({name: value for name, value in vars(module).items() if name.isupper()})
    # A module that failed to import is gone from sys.modules, but its frames keep the
    # globals it had assigned.
    for traceback in TRACEBACKS:
        while traceback is not None:
            names = traceback.tb_frame.f_globals
            sources.append({name: value for name, value in names.items() if name.isupper()})
            traceback = traceback.tb_next
    for source in sources:
        for name, value in source.items():
            try:
                collect(name, value, 0)
            except BaseException:
                pass
    return found


def failure(stage, error):
    import traceback

    TRACEBACKS.append(error.__traceback__)
    lines = traceback.format_exception_only(type(error), error)
    last = lines[-1].strip() if lines else type(error).__name__
    result = {"stage": stage, "type": type(error).__name__, "last_line": last[:500]}
    where = None
    if isinstance(error, SyntaxError) and error.filename:
        where = (error.filename, error.lineno)
    else:
        frames = traceback.extract_tb(error.__traceback__)
        project = [f for f in frames if not in_library(f.filename)]
        frame = (project or frames or [None])[-1]
        if frame is not None:
            where = (frame.filename, frame.lineno)
    if where and where[0] and not where[0].startswith("<"):
        result["file"] = relative(where[0])
        result["line"] = where[1]
    return result


def in_library(path):
    stdlib = os.path.dirname(os.__file__)
    return "site-packages" in path or "dist-packages" in path or path.startswith("<") or path.startswith(stdlib)


def relative(path):
    try:
        rel = os.path.relpath(path)
        return path if rel.startswith("..") else rel
    except ValueError:
        return path


def is_set(settings, name):
    try:
        return bool(getattr(settings, name, None))
    except BaseException:
        return False


def qualname(cls):
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "?")
    return name if module in ("builtins", "") else module + "." + name


def to_json(value, hidden, depth):
    from pathlib import PurePath

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else {"$repr": repr(value)}
    if isinstance(value, PurePath):
        return str(value)
    if depth >= 8:
        return {"$repr": "…", "$type": qualname(type(value))}
    if isinstance(value, (list, tuple)):
        return [to_json(item, hidden, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        return [to_json(item, hidden, depth + 1) for item in sorted(value, key=repr)]
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            key = str(key)
            if hidden is not None and hidden.search(key):
                result[key] = {"$hidden": True, "set": bool(item)}
            else:
                result[key] = to_json(item, hidden, depth + 1)
        return result
    text = getattr(value, "__qualname__", None)
    if callable(value) and text:
        return {"$repr": "%s.%s" % (getattr(value, "__module__", "?"), text), "$type": qualname(type(value))}
    return {"$repr": repr(value)[:300], "$type": qualname(type(value))}


def assignment_locations(module_name, names, expected):
    """Where each named setting is last assigned in the settings module (following
    `from X import *` in statement order), and which environment variables that
    assignment reads, so a fix can name the line or the variable."""
    import ast
    import importlib.util

    wanted = set(names)
    found = {}
    nodes = {}
    seen = set()

    def module_file(name):
        try:
            spec = importlib.util.find_spec(name)
        except BaseException:
            return None, False
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None, False
        return spec.origin, bool(spec.submodule_search_locations)

    def resolve(current, is_package, node):
        if not node.level:
            return node.module
        package = current if is_package else current.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        return package + ("." + node.module if node.module else "")

    def scan(name, depth):
        path, is_package = module_file(name)
        if path is None or path in seen or depth > 4:
            return
        seen.add(path)
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), filename=path)
        with open(path, encoding="utf-8", errors="replace") as handle:
            source = handle.read()
        walk(tree.body, name, is_package, path, source, depth)

    def walk(body, name, is_package, path, source, depth):
        for node in body:
            if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
                target = resolve(name, is_package, node)
                if target:
                    scan(target, depth + 1)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for leaf in ast.walk(target):
                        if isinstance(leaf, ast.Name) and leaf.id in wanted:
                            found[leaf.id] = location(node, path, source)
                            nodes[leaf.id] = (node, name, path)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                    walk(inner, name, is_package, path, source, depth)
            for handler in getattr(node, "handlers", None) or []:
                walk(handler.body, name, is_package, path, source, depth)

    def location(node, path, source):
        import ast

        result = {"file": relative(path), "line": node.lineno, "env": environment_names(node.value)}
        if result["env"]:
            text = " ".join((ast.get_source_segment(source, node) or "").split())
            # A statement that mentions anything secret-looking may hold a secret default.
            if not HIDDEN.search(text):
                result["statement"] = text[:240]
        return result

    scan(module_name, 0)
    for name, (node, module, path) in nodes.items():
        env = found[name]["env"]
        if len(env) == 1 and name in expected and isinstance(node, (ast.Assign, ast.AnnAssign)):
            try:
                suggestion = environment_value(node.value, module, path, env[0], expected[name])
            except BaseException:
                suggestion = None
            if suggestion is not None:
                found[name]["env_fix"] = suggestion
    return found


HARMLESS_CALLS = {
    "get", "getenv", "env", "config", "bool", "int", "float", "str", "list", "tuple", "Path", "lower", "upper",
    "strip", "split", "startswith", "endswith", "Csv", "json", "loads", "literal_eval", "replace",
}


def environment_value(expression, module_name, path, variable, expected):
    """A value of `variable` that makes the assignment's expression give `expected`
    (or {"unset": True} when removing the variable does), found by evaluating the
    expression again with candidate values. Only for expressions made of harmless
    parts (environment reads, comparisons, conversions), so nothing else runs."""
    import ast

    allowed = (
        ast.expr_context, ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp,
        ast.Subscript, ast.IfExp, ast.Tuple, ast.List, ast.keyword, ast.cmpop, ast.boolop, ast.unaryop,
        ast.operator, ast.Call, ast.Slice,
    )
    for node in ast.walk(expression):
        if not isinstance(node, allowed):
            return None
        if isinstance(node, ast.Call) and dotted(node.func).rpartition(".")[2] not in HARMLESS_CALLS:
            return None
    module = sys.modules.get(module_name)
    if module is None:
        return None
    code = compile(ast.fix_missing_locations(ast.Expression(body=expression)), path, "eval")
    namespace = dict(vars(module))
    candidates = []
    if isinstance(expected, bool):
        word = "True" if expected else "False"
        candidates = [word, word.lower(), "1" if expected else "0", "yes" if expected else "no", "on" if expected else "off", "", None]
        candidates += ["False", "false", "0", "True", "true", "1"]
    elif isinstance(expected, (int, float)):
        candidates = [str(expected)]
    elif isinstance(expected, str):
        candidates = [expected]
    elif isinstance(expected, list) and all(isinstance(item, str) for item in expected):
        import json

        candidates = [",".join(expected), " ".join(expected), json.dumps(expected)]
    elif expected is None:
        candidates = [None, ""]
    pinned = PINNED.get(variable)
    if isinstance(pinned, str):
        candidates = [pinned] + candidates
    saved = os.environ.get(variable)
    try:
        for candidate in candidates:
            if candidate is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = candidate
            try:
                value = eval(code, namespace)
            except Exception:
                continue
            if same(to_json(value, None, 0), expected):
                fix = {"name": variable, "unset": True} if candidate is None else {"name": variable, "value": candidate}
                if isinstance(pinned, str):
                    fix["pinned"] = pinned
                return fix
    finally:
        if saved is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = saved
    return None


def same(observed, expected):
    """Typed equality: True is not 1, "False" is not False, lists compare item by item."""
    if isinstance(expected, bool) or isinstance(observed, bool):
        return type(observed) is type(expected) and observed == expected
    if isinstance(expected, (int, float)) and isinstance(observed, (int, float)):
        return observed == expected
    if isinstance(expected, list) and isinstance(observed, list):
        return len(expected) == len(observed) and all(same(a, b) for a, b in zip(observed, expected))
    if isinstance(expected, dict) and isinstance(observed, dict):
        return expected.keys() == observed.keys() and all(same(observed[k], expected[k]) for k in expected)
    return type(observed) is type(expected) and observed == expected


def environment_names(expression):
    """Environment variables an assignment reads: os.environ[...], os.environ.get(...),
    os.getenv(...), and the env(...)/config(...) helpers of django-environ and
    python-decouple."""
    import ast

    names = []
    if expression is None:
        return names
    for node in ast.walk(expression):
        key = None
        if isinstance(node, ast.Subscript) and dotted(node.value).endswith("environ"):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            func = dotted(node.func)
            last = func.rpartition(".")[2]
            if func.endswith("environ.get") or last == "getenv" or func == "env" or func.startswith("env.") or last == "config":
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in names:
            names.append(key.value)
    return names


def dotted(node):
    import ast

    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + "." + node.attr
    return ""


def media(settings):
    from urllib.parse import urlsplit

    url = getattr(settings, "MEDIA_URL", "") or ""
    result = {"url": str(url)}
    parts = urlsplit(str(url))
    if parts.scheme or parts.netloc:
        result["resolves"] = False
        result["external"] = True
        return result
    if not url:
        result["resolves"] = False
        return result
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    probe = path.rstrip("/") + "/reconcile-probe.txt"
    result["probe"] = probe
    try:
        from django.urls import Resolver404, get_resolver, resolve

        stop = watch_static(settings)
        try:
            get_resolver().url_patterns
        finally:
            made = stop() if stop else None
        urlconf = sys.modules.get(str(getattr(settings, "ROOT_URLCONF", "")))
        if getattr(urlconf, "__file__", None):
            result["urlconf_file"] = relative(urlconf.__file__)

        try:
            match = resolve(probe)
        except Resolver404:
            result["resolves"] = False
            return result
        result["resolves"] = True
        result["view"] = getattr(match, "_func_path", None) or qualname(type(match.func))
        result["route"] = getattr(match, "route", None)
        # The pattern that matched is last in the last path tried.
        tried = getattr(match, "tried", None) or [[]]
        if made is not None and tried[-1]:
            result["static_helper"] = any(tried[-1][-1] is pattern for pattern in made)
    except BaseException as error:
        result["error"] = failure("resolve(%r)" % probe, error)
    return result


def watch_static(settings):
    """Records the patterns django.conf.urls.static.static() returns while the URLconf
    is imported: static() returns routes only while DEBUG is on, so a media route among
    them exists only because of DEBUG, whatever urls.py wraps around it. Returns a
    function that stops watching and gives them, or None when the URLconf was imported
    before (then nothing can be told)."""
    if str(getattr(settings, "ROOT_URLCONF", "")) in sys.modules:
        return None
    try:
        import django.conf.urls.static as helper
    except BaseException:
        return None
    original = helper.static
    made = []

    def static(*args, **kwargs):
        patterns = original(*args, **kwargs)
        made.extend(patterns)
        return patterns

    helper.static = static

    def stop():
        helper.static = original
        return made

    return stop


def storage(settings):
    """Where uploads really go: Django's default_storage, built from STORAGES["default"]
    (Django 4.2 and later) or DEFAULT_FILE_STORAGE (before 5.1), which may write anywhere,
    whatever MEDIA_ROOT says. Reported: the setting that chooses it, its class and, for a
    FileSystemStorage (and subclasses), the directory it writes to and whether that is
    MEDIA_ROOT. No other option is reported: a remote backend's options hold its keys."""
    import django

    result = {"setting": 'STORAGES["default"]'}
    try:
        if django.VERSION < (4, 2) or (django.VERSION < (5, 1) and settings.is_overridden("DEFAULT_FILE_STORAGE")):
            result["setting"] = "DEFAULT_FILE_STORAGE"
        from django.core.files.storage import FileSystemStorage, default_storage

        # default_storage is lazy: its __class__ is the configured backend's.
        result["backend"] = qualname(default_storage.__class__)
        if isinstance(default_storage, FileSystemStorage):
            location = str(default_storage.location)
            result["location"] = location
            result["media_root"] = location == os.path.abspath(str(getattr(settings, "MEDIA_ROOT", "") or ""))
    except BaseException as error:
        result["error"] = failure("default_storage", error)
    return result


def console_logging(request, settings):
    """For each logger the manifest names: would a record at the wanted level reach a
    handler writing to stdout or stderr, the way logging.Logger.handle decides it
    (logging.disable, the logger's disabled flag and effective level, its filters, then
    every handler up the propagation chain with its level and filters, Python's last
    resort handler when the chain has none)? Traced once with DEBUG as the manifest
    wants it (filters such as RequireDebugTrue, and their subclasses, are called, so
    they decide as they would in production) and, when the live DEBUG differs, once
    with the live value. A synthetic record is handed to filters, never emitted."""
    import logging

    level_name = str(request.get("level") or "WARNING")
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        level = logging.WARNING
    live = bool(settings.DEBUG)
    desired = request.get("debug")
    desired = live if desired is None else desired is True
    result = {"level": level_name, "live_debug": live, "desired_debug": desired, "loggers": {}}
    for name in request.get("loggers") or []:
        traces = {"desired": logger_route(name, level, desired, settings)}
        if desired != live:
            traces["live"] = logger_route(name, level, live, settings)
        result["loggers"][name] = traces
    token = request.get("prove")
    if token:
        result["proof"] = {name: prove(name, level, str(token)) for name in request.get("loggers") or []}
    return result


def prove(name, level, token):
    """Sends one probe record from logger `name` through each console handler it
    reaches now (live DEBUG), with the handler's stream swapped for the same stream of
    the container's main process (/proc/1/fd/1 or 2), so the record lands in the
    container's log exactly as the handler formats it. No other handler sees it (no
    mail, no file). Returns the streams written, or the error."""
    import copy
    import logging

    logger = logging.getLogger() if name in ("", "root") else logging.getLogger(name)
    record = logger.makeRecord(
        logger.name, level, "reconcile", 0, "reconcile console probe %s %s" % (token, name), None, None
    )
    if not logger.isEnabledFor(level) or rejecting_filter(logger, record) is not None:
        return {"written": []}
    written = []
    current = logger
    try:
        while current is not None:
            for handler in current.handlers:
                if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
                    continue
                stream = stream_name(handler.stream)
                if stream not in ("stdout", "stderr") or level < handler.level:
                    continue
                with open("/proc/1/fd/%d" % (1 if stream == "stdout" else 2), "a") as out:
                    previous = handler.setStream(out)
                    try:
                        if handler.handle(copy.copy(record)):
                            written.append(stream)
                    finally:
                        if previous is not None:
                            handler.setStream(previous)
            if not current.propagate:
                break
            current = current.parent
    except BaseException as error:
        return {"written": written, "error": failure("probe record of %s" % name, error)}
    return {"written": written}


def logger_route(name, level, debug, settings):
    import logging

    logger = logging.getLogger() if name in ("", "root") else logging.getLogger(name)
    saved = settings.DEBUG
    settings.DEBUG = debug
    try:
        record = logger.makeRecord(logger.name, level, "reconcile", 0, "reconcile console probe", None, None)
        route = {
            "effective_level": logging.getLevelName(logger.getEffectiveLevel()),
            "disabled": bool(logger.disabled),
            "handlers": [],
        }
        blocked = None
        if logging.root.manager.disable >= level:
            blocked = {"by": "disable", "detail": logging.getLevelName(logging.root.manager.disable)}
        elif logger.disabled:
            blocked = {"by": "disabled"}
        elif level < logger.getEffectiveLevel():
            blocked = {"by": "level", "detail": logging.getLevelName(logger.getEffectiveLevel())}
        else:
            rejected = rejecting_filter(logger, record)
            if rejected is not None:
                blocked = {"by": "filter", "filter": rejected}
        if blocked is not None:
            route["blocked"] = blocked
        current = logger
        found = 0
        while current is not None:
            for handler in current.handlers:
                found += 1
                route["handlers"].append(handler_route(handler, current, level, record))
            if not current.propagate:
                if current.parent is not None:
                    route["stops_at"] = current.name
                break
            current = current.parent
        if found == 0 and logging.lastResort is not None:
            entry = handler_route(logging.lastResort, None, level, record)
            entry["last_resort"] = True
            route["handlers"].append(entry)
        route["reaches"] = blocked is None and any(h["outcome"] == "console" for h in route["handlers"])
        return route
    finally:
        settings.DEBUG = saved


def handler_route(handler, logger, level, record):
    import logging

    entry = {
        "logger": logger.name if logger is not None else None,
        "name": getattr(handler, "name", None),
        "class": qualname(type(handler)),
        "level": logging.getLevelName(handler.level),
    }
    console = False
    if isinstance(handler, logging.FileHandler):
        entry["kind"] = "file"
    elif isinstance(handler, logging.StreamHandler):
        entry["kind"] = "stream"
        entry["stream"] = stream_name(handler.stream)
        console = entry["stream"] in ("stdout", "stderr")
    else:
        entry["kind"] = "other"
    if level < handler.level:
        entry["outcome"] = "level"
        return entry
    rejected = rejecting_filter(handler, record)
    if rejected is not None:
        entry["outcome"] = "error" if "error" in rejected else "filter"
        entry["filter"] = rejected
        return entry
    entry["outcome"] = "console" if console else "elsewhere"
    return entry


def rejecting_filter(filterer, record):
    """The first filter of a logger or handler that drops the record (described, with
    whether it is one of Django's DEBUG filters), or None when all let it through."""
    import copy

    for item in filterer.filters:
        described = {"class": qualname(type(item)) if hasattr(item, "filter") else getattr(item, "__qualname__", "?")}
        try:
            from django.utils.log import RequireDebugFalse, RequireDebugTrue

            if isinstance(item, RequireDebugTrue):
                described["requires_debug"] = True
            elif isinstance(item, RequireDebugFalse):
                described["requires_debug"] = False
        except BaseException:
            pass
        try:
            probe = copy.copy(record)
            passed = item.filter(probe) if hasattr(item, "filter") else item(probe)
        except BaseException as error:
            described["error"] = failure("filter %s" % described["class"], error)
            return described
        if not passed:
            return described
    return None


def stream_name(stream):
    for name, candidates in (("stdout", (sys.stdout, sys.__stdout__)), ("stderr", (sys.stderr, sys.__stderr__))):
        if any(stream is candidate for candidate in candidates if candidate is not None):
            return name
    try:
        number = stream.fileno()
    except BaseException:
        return "other"
    return {1: "stdout", 2: "stderr"}.get(number, "other")


def checks():
    try:
        from django.core.checks import run_checks

        messages = run_checks(include_deployment_checks=True)
    except BaseException as error:
        return {"error": failure("run_checks(include_deployment_checks=True)", error)}
    result = []
    for message in messages:
        result.append({
            "id": message.id,
            "level": int(message.level),
            "message": str(message.msg),
            "hint": None if message.hint is None else str(message.hint),
            "object": None if message.obj is None else str(message.obj)[:200],
            "silenced": bool(message.is_silenced()),
        })
    return {"messages": result}


main()
