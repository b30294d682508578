"""Settings for the Baltic Security Atlas: one module, driven by the environment.

Every variable is listed with its meaning in ``.env.example``. Values come from
the process environment first and from a ``.env`` file in the project root second
(``make`` writes one for development on first run).
"""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv
from import_export.formats.base_formats import CSV, JSON, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent
# ATLAS_NO_DOTENV=1: the environment is complete, ignore .env (tests that check
# what a production environment alone gives).
if not os.environ.get("ATLAS_NO_DOTENV"):
    load_dotenv(BASE_DIR / ".env", override=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false), not {value!r}"
    )


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be an integer, not {value!r}"
        ) from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Run `make run` once (it writes a .env with a "
        "random key for development) or set it in the environment."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Served over HTTPS (by gunicorn itself or by a TLS proxy in front of it): turns on
# the HTTPS redirect, HSTS, Secure cookies and their __Host- names (each can still
# be set on its own below).
HTTPS = env_bool("DJANGO_HTTPS", False)

# How many proxies in front of the application append to X-Forwarded-For. The
# client address is the one the nearest trusted proxy saw (core/clientip.py):
# 0 (no proxy) means the socket's address and the header is never read.
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "import_export",
    "axes",
    "csp",
    "django_guid",
    "core",
    "alliances",
    "exercises",
    "threats",
]

MIDDLEWARE = [
    # /healthz and /readyz first: no host check, HTTPS redirect, session or limit
    # stands between a load balancer and its answer (core/middleware.py).
    "core.middleware.HealthCheckMiddleware",
    # A request id for every log line of the request (X-Request-ID).
    "django_guid.middleware.guid_middleware",
    # Outermost of the rest: an unreachable database becomes 503 + Retry-After,
    # whatever raised it and whether DEBUG is on or not.
    "core.middleware.DatabaseUnavailableMiddleware",
    # Anonymous reads from a read replica, the rest from the primary (none of it
    # without DATABASE_REPLICA_URLS). Inside the previous one, so a replica that
    # fails mid-request is answered again from the primary, not 503.
    "core.replicas.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    # A NUL character in an admin request: 400, not a database error.
    "core.middleware.AdminNullCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: /lt/... from the URL, elsewhere the cookie or Accept-Language.
    "core.locale.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous visitors' request rates (pages, search, exports, feeds, map data).
    "core.ratelimit.AnonymousRateLimitMiddleware",
    # ETag, Last-Modified, 304 and Cache-Control for anonymous reads
    # (core/httpcache.py): after Locale and Authentication, whose language and
    # session it reads, and after the rate limit, so revalidations count too.
    "core.httpcache.PublicCacheMiddleware",
    # Who changed what: adds the user and URL to the history of every write.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the outcome of every login: locks out password guessing.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def _embedded_database_url():
    """The embedded server's `atlas` database (its socket is in the data folder,
    or wherever its postmaster.pid says). `python -m config.dbserver`, used by make,
    starts that server; plain `manage.py` commands use it while it runs."""
    pgdata = Path(env_str("ATLAS_DATA_DIR", str(BASE_DIR / ".data"))) / "pg"
    socket_dir = str(pgdata)
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        lines = []
    if len(lines) > 4 and lines[4].strip():
        socket_dir = lines[4].strip()
    return f"postgresql://postgres@/atlas?host={socket_dir}"


def _database(url, application_name, connect_timeout):
    database = dj_database_url.parse(
        url,
        # Persistent connections (one per gunicorn thread) outside development;
        # the health check replaces a connection the server dropped (a restart)
        # before a request uses it, so the service recovers by itself.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL and DATABASE_REPLICA_URLS must point at PostgreSQL servers."
        )
    options = database.setdefault("OPTIONS", {})
    options["connect_timeout"] = connect_timeout
    # Names the Atlas's connections in pg_stat_activity, by alias (unless the URL
    # names them itself).
    options.setdefault("application_name", f"atlas:{application_name}")
    if _statement_timeout:
        options["options"] = f"-c statement_timeout={_statement_timeout}"
    return database


# No statement runs longer than this (milliseconds; 0 = no limit): one slow query
# cannot hold a worker and a connection indefinitely. Below gunicorn's 30 s request
# timeout, so the database cancels the query before the worker is killed.
_statement_timeout = env_int("DATABASE_STATEMENT_TIMEOUT", 25_000)
# PostgreSQL only: DATABASE_URL, or the embedded server.
DATABASES = {
    "default": _database(
        env_str("DATABASE_URL") or _embedded_database_url(),
        "default",
        # A server that does not answer fails the request quickly (503), instead
        # of holding a worker for libpq's default of forever.
        connect_timeout=env_int("DATABASE_CONNECT_TIMEOUT", 3),
    )
}

# Read replicas (core/replicas.py): streaming replicas of the primary, zero or
# more URLs separated by commas or spaces, as replica_1, replica_2... Anonymous
# visitors' GET and HEAD requests read from one; the rest uses the primary.
_replica_urls = env_str("DATABASE_REPLICA_URLS", "").replace(",", " ").split()
for _number, _url in enumerate(_replica_urls, start=1):
    DATABASES[f"replica_{_number}"] = {
        # A replica that does not answer within a second is skipped: the primary
        # can always answer instead.
        **_database(_url, f"replica_{_number}", connect_timeout=1),
        # Tests use the test database through replica aliases.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
# The few fixed statements every API list sends (its related rows) are prepared
# on each connection (core/compiled.py): the server plans them once. Behind
# PgBouncer in transaction mode, that needs PgBouncer 1.21 or later with
# max_prepared_statements set; or turn them off here (0).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# A replica whose replay is further behind than this is skipped until it catches
# up; each process checks a replica at most every DATABASE_REPLICA_CHECK_SECONDS.
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 30)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 5)
# After a write, the same client reads from the primary this long (a cookie). The
# default is the most a replica still read from can be behind (the bound, plus
# the time since its last check), so a client always reads its own writes.
DATABASE_REPLICA_STICKY_SECONDS = env_int(
    "DATABASE_REPLICA_STICKY_SECONDS",
    DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_CHECK_SECONDS,
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the request counters of every limit (pages, API, token, admin
# lockouts are in the database). On Redis they are shared by all workers and
# servers; without REDIS_URL each process counts for itself (LocMem), which the
# rate-limit middleware says in a warning when a server starts.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one Redis client per pool (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("ATLAS_CACHE_KEY_PREFIX", "atlas"),
            # A Redis that does not answer must not hold requests for long.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": env_str("ATLAS_CACHE_KEY_PREFIX", "atlas"),
        }
    }

# Public results kept in the cache above, keyed by the data version
# (core/datacache.py): a change to public data gives new keys, so this timeout
# only clears out entries nobody asks for any more (seconds).
DATA_CACHE_TIMEOUT = env_int("ATLAS_DATA_CACHE_TIMEOUT", 3600)

# HTTP caching of anonymous reads (core/httpcache.py): how long browsers
# (max-age) and shared caches (s-maxage) may use a response without asking, and
# how much longer a cache may serve it while it revalidates in the background
# (seconds). Browsers ask every time by default: no purge reaches them, so a
# reader who saw a page before a correction would keep the old text; asking
# costs one query and a 304. Shared caches are purged on publication.
HTTP_CACHE_MAX_AGE = env_int("ATLAS_HTTP_CACHE_MAX_AGE", 0)
HTTP_CACHE_SHARED_MAX_AGE = env_int("ATLAS_HTTP_CACHE_SHARED_MAX_AGE", 60)
HTTP_CACHE_STALE_WHILE_REVALIDATE = env_int(
    "ATLAS_HTTP_CACHE_STALE_WHILE_REVALIDATE", 30
)
# HTTP caches in front of the site (Varnish, nginx with cache purging), as
# comma-separated base URLs: a publication, retraction or approved revision
# sends them PURGE for each page it changes and one BAN (core/purge.py).
CACHE_PURGE_URLS = env_list("CACHE_PURGE_URLS")
# Answers that depend on the code alone (the OpenAPI schema and its documentation
# pages): their ETag comes from the release, without the data version's query.
HTTP_CACHE_RELEASE_ONLY = ("/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/")
CACHE_PURGE_TIMEOUT = env_int("CACHE_PURGE_TIMEOUT", 2)
# Pages every publication changes (URL names), besides the record's own pages,
# its kind's lists and feeds and their API (core/purge.py).
CACHE_PURGE_PAGES = [
    "home",
    "search",
    "timeline",
    "map",
    "map_data",
    "retractions",
    "alliances:country_list",
    "api:root",
    "api:deletion-list",
]


def _release():
    """The code's release, part of every ETag: a deploy that changes what a
    page looks like must not be answered 304. ATLAS_RELEASE (a commit id) when
    set; else the newest modification time of the code, templates and
    translations, which every worker of one deploy shares."""
    release = env_str("ATLAS_RELEASE", "")
    if release:
        return release
    newest = 0
    for folder in ("config", "core", "alliances", "exercises", "threats", "templates"):
        for path in (BASE_DIR / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".txt", ".xml"):
                newest = max(newest, path.stat().st_mtime_ns)
    for path in (BASE_DIR / "locale").rglob("*.mo"):
        newest = max(newest, path.stat().st_mtime_ns)
    return f"{newest:x}"


ATLAS_RELEASE = _release()

# Password guessing on the admin login (and the API token endpoint, which also
# authenticates through Django): django-axes locks an account, and separately an
# address, after AXES_FAILURE_LIMIT failures, for AXES_COOLOFF_TIME. Unlock early
# with `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Keep locking out while someone keeps guessing during the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("lt", _("Lithuanian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/Vilnius")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Leaflet's files come from the django-leaflet package. It is not an installed app:
# its admin module needs GDAL, which a plain Python machine does not have.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(importlib.util.find_spec("leaflet").origin).parent / "static",
]
# Production (DEBUG off) serves the hashed, compressed files that `collectstatic`
# writes (make prod and the Docker image run it); development and the tests serve
# them straight from the apps. DJANGO_MANIFEST_STATIC overrides either way.
MANIFEST_STATIC = env_bool("DJANGO_MANIFEST_STATIC", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if MANIFEST_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (make run), whitenoise serves files straight from the apps.
WHITENOISE_USE_FINDERS = not MANIFEST_STATIC

LOGIN_URL = "admin:login"


# Security: safe by default, relaxed only by DEBUG for local development.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS or not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if HTTPS:
    # __Host- cookies are only accepted over HTTPS, for this exact host and path
    # "/": a sibling subdomain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: a year once HTTPS is on. includeSubDomains and preload commit every
# subdomain of the host to HTTPS too; turn them off for a shared domain.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4, core/middleware.py): no inline script or
# style anywhere; scripts and styles come from our own static files. Redoc's page
# alone may add inline styles (its components write them at run time).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the Atlas never uses are switched off for it and anything it
# might embed (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Request limits, each answered 400 with a message (core/middleware.py): form
# fields in a body (Django's own limit), parameters and length of a query string.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DJANGO_MAX_FORM_FIELDS", 1000)
MAX_QUERY_PARAMETERS = env_int("DJANGO_MAX_QUERY_PARAMETERS", 100)
MAX_QUERY_STRING_LENGTH = env_int("DJANGO_MAX_QUERY_STRING_LENGTH", 4096)

# Anonymous visitors' rates per client address (core/ratelimit.py), counted in
# the shared cache: N/second, N/minute, N/hour or N/day.
ANONYMOUS_RATES = {
    "pages": env_str("DJANGO_PAGE_RATE", "120/minute"),
    "search": env_str("DJANGO_SEARCH_RATE", "30/minute"),
    "exports": env_str("DJANGO_EXPORT_RATE", "10/minute"),
    "feeds": env_str("DJANGO_FEED_RATE", "30/minute"),
    # The map asks again on every move and zoom (each answer bounded).
    "map-data": env_str("DJANGO_MAP_DATA_RATE", "120/minute"),
}
# Most records one page export (?format=csv|json) or calendar holds; an export
# cut there says so (core/views.py).
EXPORT_MAX_ROWS = env_int("DJANGO_EXPORT_MAX_ROWS", 10_000)
# An anonymous reader's page export at most this big (bytes) is kept in the shared
# cache, by data version like the home page: the next download of the same list
# is read from there instead of being built again (a 10,000-record CSV is about
# 12 MB). Only with Redis: in-process caches would hold a copy in every worker.
# 0 keeps none.
EXPORT_CACHE_MAX_BYTES = env_int(
    "DJANGO_EXPORT_CACHE_MAX_BYTES", 32 * 1024 * 1024 if REDIS_URL else 0
)
# An export of more records than this is never gathered for the cache (a worker
# would hold up to EXPORT_CACHE_MAX_BYTES of it before giving up).
EXPORT_CACHE_MAX_ROWS = env_int("DJANGO_EXPORT_CACHE_MAX_ROWS", 10_000)
# Readers who ask for an export another worker is already writing wait this long
# (seconds) for its kept copy before writing their own.
EXPORT_CACHE_WAIT_SECONDS = env_int("DJANGO_EXPORT_CACHE_WAIT_SECONDS", 15)

# Addresses never limited (a monitoring host, the load test on loopback).
RATE_LIMIT_EXEMPT = env_list("DJANGO_RATE_LIMIT_EXEMPT")

# The REST API (/api/v1/, core/api/). Reads are public; writes need a token or a
# session with CSRF, and the Django model permissions of the Editors group.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous write is answered 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "core.api.permissions.ModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only, size-limited (413 above API_MAX_BODY_SIZE).
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.LimitedJSONParser"],
    # ?format= in the URL wins over the Accept header.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.FormatFirstNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.AtlasPagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AtlasAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    # Counted in the shared cache, per client address as NUM_PROXIES defines it.
    "DEFAULT_THROTTLE_CLASSES": ["core.ratelimit.AnonymousApiThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("DJANGO_API_ANON_RATE", "120/minute"),
        # The token endpoint: per client address, and per username from any
        # address (core/ratelimit.py), successful requests included.
        "token": env_str("DJANGO_TOKEN_RATE", "10/minute"),
        "token-account": env_str("DJANGO_TOKEN_ACCOUNT_RATE", "5/minute"),
    },
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": "iso-8601",
    "UNICODE_JSON": True,
}
# Largest JSON body the API accepts (413 above it).
API_MAX_BODY_SIZE = 256 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Baltic Security Atlas API",
    "DESCRIPTION": (
        "Sourced records on Lithuania's alliances and the Baltic security "
        "environment: organisations, memberships, agreements, exercises and threat "
        "entries. Reading needs no authentication. Writing needs a token "
        "(`Authorization: Token <key>`) or a logged-in session with a CSRF token, "
        "and the Editors group's permissions.\n\n"
        "Filters: an empty value (`?target=`) is no filter, as on the pages; "
        "repeat a parameter for several values. `?format=` wins over `Accept`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # 3.1: JSON Schema proper, so "null or a related record" is a oneOf that
    # any validator reads alike (3.0's allOf + nullable is read both ways).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.postprocess_schema",
    ],
    # Separate request and response components: read-only fields (id, url,
    # nested brief objects) are not asked for in writes.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrganisationTypeEnum": "alliances.models.Organisation.Type",
        "AgreementTypeEnum": "alliances.models.Agreement.Type",
        "ConfidenceEnum": "core.models.Confidence",
        "AttributionConfidenceEnum": "threats.models.Attribution.Confidence",
        "DatePrecisionEnum": "core.dates.DatePrecision",
    },
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs go to stdout: one JSON object a line in production (DJANGO_LOG_FORMAT=json,
# the default unless DEBUG), each with the request id that django-guid takes from
# a proxy's X-Request-ID or makes, and returns in the response's X-Request-ID.
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(
        f"DJANGO_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}"
    )
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "IGNORE_URLS": ["healthz", "readyz"],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
            # ISO 8601 in UTC, the same in every process.
            "timestamp": "time",
            "rename_fields": {
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
        "text": {
            "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # Replaces Django's own handler for "django" so messages are not printed twice.
    "loggers": {
        "django": {"handlers": ["console"], "propagate": False},
        # pgtrigger lists every trigger it (re)installs after each migrate.
        "pgtrigger": {"level": "WARNING"},
        # One line per request from django-guid is noise next to the access log.
        "django_guid": {"level": "WARNING"},
        # django-axes announces its configuration in every process.
        "axes.apps": {"level": "WARNING"},
    },
}


# Editorial workflow and history (core/workflow.py, core/history.py)
# A published record is due for re-verification this many days after its
# last-verified date (the admin filters overdue records).
REVIEW_INTERVAL_DAYS = env_int("ATLAS_REVIEW_INTERVAL_DAYS", 365)
# Only writes open a history context; reads need none.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PGHISTORY_APPEND_ONLY = True
# The moment of the change itself, not of its transaction: events of one save
# (a record, then its sources) keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
# The history triggers of many-to-many tables (a record's sources) belong to
# auto-created models that migrations do not see: core/triggers.py installs them
# after a migrate that leaves the database fully migrated (pgtrigger's own
# install-on-migrate also ran after a rollback, and failed there).
PGTRIGGER_INSTALL_ON_MIGRATE = False

# Admin bulk import/export (django-import-export)
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Our resources escape formula cells themselves (a leading apostrophe, removed again
# on import); the package's own escaping would also turn every XLSX cell into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_FORMATS = [CSV, XLSX, JSON]
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
