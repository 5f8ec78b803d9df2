"""Archboard settings: one module, every value from the environment through strict helpers.

Defaults are for a laptop: SQLite and the in-memory channel layer. `DATABASE_URL` switches to
PostgreSQL and `REDIS_URL` to the Redis channel layer (several ASGI workers behind a balancer).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from whiteboard.rates import SCOPES, parse_rate
from whiteboard.secretkey import weakness

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def envfloat(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None


def envrate(name: str, default: str) -> str:
    """A rate limit "COUNT/SECONDS" ("" switches it off), checked now rather than at first use."""
    raw = os.environ.get(name, default)
    try:
        parse_rate(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return raw


def envsecret(name: str, default: str | None = None) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    return os.environ.get(name, default)


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = envbool("DEBUG", False)

SECRET_KEY = envsecret("SECRET_KEY") or ""
if PRODUCTION and (_key_problem := weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY {_key_problem}; DJANGO_ENV=production needs a random key of at least 50 characters: "
        "point SECRET_KEY_FILE at a file that `python -m whiteboard.secretkey` creates (the container does)"
    )
_DEVELOPMENT_KEY = "dev-only-insecure-key-do-not-use-in-production-archboard"
SECRET_KEY = SECRET_KEY or _DEVELOPMENT_KEY

# The address the server listens on, named by whiteboard.serve (`make run`, the container). The
# development defaults (DEBUG, a published key) are fine on loopback, where only this machine can
# reach them; on any other address anyone who can reach it could read tracebacks with settings or
# sign a session cookie for any user.
BIND_HOST = os.environ.get("ARCHBOARD_BIND_HOST", "")
if BIND_HOST and not is_loopback(BIND_HOST) and not envbool("ARCHBOARD_ALLOW_INSECURE_DEBUG", False):
    _unsafe = ["DEBUG is on"] if DEBUG else []
    if SECRET_KEY == _DEVELOPMENT_KEY:
        _unsafe.append("SECRET_KEY is the development key")
    elif _key_problem := weakness(SECRET_KEY):
        _unsafe.append(f"SECRET_KEY {_key_problem}")
    if _unsafe:
        raise ImproperlyConfigured(
            f"refusing to serve on {BIND_HOST}, an address other machines can reach: {'; '.join(_unsafe)}. "
            "Serve on HOST=127.0.0.1, or set DEBUG=0 and a SECRET_KEY (or SECRET_KEY_FILE) of at least 50 random "
            "characters, or, when every machine that can reach this one is yours, ARCHBOARD_ALLOW_INSECURE_DEBUG=1."
        )

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "django_htmx",
    "template_partials",
    # The API docs page (/api/docs) and its Swagger UI files, served from here, not a CDN.
    "ninja",
    "whiteboard.accounts",
    "whiteboard.boards",
    "whiteboard.reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "whiteboard.limits.RequestBodyLimitMiddleware",
    "whiteboard.inputs.TextInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "whiteboard.urls"
ASGI_APPLICATION = "whiteboard.asgi.application"
WSGI_APPLICATION = "whiteboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "whiteboard.templating.limits",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock
                # at BEGIN, which serialises op application per database as a row lock would.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Keep the connection: closing the last connection of a WAL database checkpoints the
            # WAL, which costs ~2 ms per op batch of the live-collaboration DB thread.
            # HTTP threads keep theirs too (whiteboard.http_handler), checked at each request.
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the rate-limit counters (whiteboard.limits): shared through Redis when several
# workers serve the app, process-local otherwise.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "archboard",
            # A Redis that is down answers fast, so the limits fail open fast (whiteboard.limits).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "archboard"}}

if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "capacity": 1500, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "board_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[object] = [BASE_DIR / "static"]
# Front-end libraries come from npm (package-lock.json); only their distribution folders are served.
VENDOR_PACKAGES = {"cytoscape": "cytoscape/dist"}
STATICFILES_DIRS += [
    (f"vendor/{name}", BASE_DIR / "node_modules" / folder)
    for name, folder in VENDOR_PACKAGES.items()
    if (BASE_DIR / "node_modules" / folder).is_dir()
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads and API bodies: a board is at most 2 MiB of JSON (SPEC section 1); leave room for the
# PUT envelope.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts and styles only from our own files: no inline code, no eval. `'self'` in connect-src
# covers the WebSocket to the same host. Exported SVGs carry their icons as data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from any peer. uvicorn
    # takes the scheme from it only when the proxy named in FORWARDED_ALLOW_IPS sent it
    # (whiteboard.serve), and Django reads the scheme uvicorn passes on.
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Threads that run the sync views of one ASGI worker (whiteboard.http_handler), each with its own
# database connection. Python runs one thread at a time: under load, more threads only take turns
# away from the event loop and the collaboration DB thread, so live editors wait longer (measured
# with bench/load.py). More can pay off when queries wait on the network (PostgreSQL).
ARCHBOARD_HTTP_THREADS = envint("ARCHBOARD_HTTP_THREADS", 2)

ARCHBOARD_RENDER_TIMEOUT = envfloat("ARCHBOARD_RENDER_TIMEOUT", 20.0)
ARCHBOARD_RENDER_MEMORY = envint("ARCHBOARD_RENDER_MEMORY", 1024 * 1024 * 1024)
ARCHBOARD_RENDER_WORKERS = envint("ARCHBOARD_RENDER_WORKERS", 2)
ARCHBOARD_MAX_BOARDS_PER_USER = envint("ARCHBOARD_MAX_BOARDS_PER_USER", 500)
# Past this many ops in a board's log, the oldest are folded into checkpoints (boards.compaction);
# the newest ARCHBOARD_OPS_KEEP stay as single ops.
ARCHBOARD_MAX_OPS_PER_BOARD = envint("ARCHBOARD_MAX_OPS_PER_BOARD", 20000)
ARCHBOARD_OPS_KEEP = envint("ARCHBOARD_OPS_KEEP", 5000)
# Largest request body anywhere (a 2 MiB board plus the PUT envelope): beyond it 413.
ARCHBOARD_MAX_BODY_BYTES = envint("ARCHBOARD_MAX_BODY_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)

# Rate limits (whiteboard.limits): "COUNT/SECONDS" per key, over the cache. Generous defaults
# stop abuse, not people; an empty value switches a limit off.
ARCHBOARD_RATE_LIMITS = {
    "login_account": envrate("ARCHBOARD_RATE_LOGIN_ACCOUNT", "10/300"),
    "login_ip": envrate("ARCHBOARD_RATE_LOGIN_IP", "50/300"),
    # Sign-up attempts per client address: a classroom behind one NAT signs up in a burst, a
    # script making accounts by the hundred is stopped.
    "signup_ip": envrate("ARCHBOARD_RATE_SIGNUP_IP", "30/600"),
    "api_token": envrate("ARCHBOARD_RATE_API_TOKEN", "6000/60"),
    "board_create": envrate("ARCHBOARD_RATE_BOARD_CREATE", "120/60"),
    # Comments and replies per user: a lively review is a few a minute.
    "comment": envrate("ARCHBOARD_RATE_COMMENT", "30/60"),
    "render": envrate("ARCHBOARD_RATE_RENDER", "240/60"),
    # Per WebSocket connection (counted by the consumer itself: whiteboard.limits.ConnectionWindow).
    "ws_op": envrate("ARCHBOARD_RATE_WS_OP", "600/10"),
    "ws_presence": envrate("ARCHBOARD_RATE_WS_PRESENCE", "300/10"),
}
if set(ARCHBOARD_RATE_LIMITS) != set(SCOPES):  # the limiter's scopes and these rates, one for one
    raise ImproperlyConfigured(f"ARCHBOARD_RATE_LIMITS must give a rate for each of {', '.join(SCOPES)}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The MCP SDK logs each stateless request (and each tool error an agent is shown) at INFO.
    "loggers": {"mcp": {"level": "WARNING"}},
}
