"""The production configuration: deploy checks, security headers, cookies, health
checks and request limits (ecosystem-and-reliability cases 13, 20, 21, 34)."""

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "1",
    "DJANGO_BEHIND_PROXY": "1",
    "DJANGO_NUM_PROXIES": "1",
    "DJANGO_ALLOWED_HOSTS": "atlas.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://atlas.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgresql://atlas@127.0.0.1:5432/atlas",
}


def run_python(code, env):
    """Settings as another process sees them with ``env`` (no .env values)."""
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    full_env.update(env)
    full_env["ATLAS_NO_DOTENV"] = "1"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_in(env, *names):
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_under_the_production_settings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
            },
            **PRODUCTION_ENV,
            "ATLAS_NO_DOTENV": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_with_debug_on():
    env = {**PRODUCTION_ENV, "DJANGO_DEBUG": "1", "ATLAS_NO_DOTENV": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
            },
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_debug_is_off_unless_set_and_there_is_no_default_secret_key():
    values = settings_in({"DJANGO_SECRET_KEY": "k" * 60}, "DEBUG")
    assert values["DEBUG"] is False
    missing = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from django.conf import settings; settings.DEBUG",
        {},
    )
    assert missing.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in missing.stderr


def test_https_gives_host_prefixed_secure_cookies_and_hsts():
    values = settings_in(
        PRODUCTION_ENV,
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "CONN_MAX_AGE",
    )
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"] is True
    plain = settings_in(
        {**PRODUCTION_ENV, "DJANGO_HTTPS": "0"},
        "SESSION_COOKIE_NAME",
        "SECURE_HSTS_SECONDS",
    )
    assert plain == {"SESSION_COOKIE_NAME": "sessionid", "SECURE_HSTS_SECONDS": 0}


def test_production_uses_persistent_health_checked_connections_and_redis():
    values = settings_in(PRODUCTION_ENV, "DATABASES", "CACHES", "STORAGES")
    database = json.loads(json.dumps(values["DATABASES"]))["default"]
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True
    assert "statement_timeout=" in database["OPTIONS"]["options"]
    assert database["OPTIONS"]["connect_timeout"] <= 5
    assert values["CACHES"]["default"]["BACKEND"].endswith("RedisCache")
    assert "Manifest" in values["STORAGES"]["staticfiles"]["BACKEND"]


# -- headers ----------------------------------------------------------------


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/threats/", "/api/v1/", "/api/v1/threats/"])
def test_pages_and_api_carry_csp_and_permissions_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )


@pytest.mark.django_db
def test_only_redoc_may_use_inline_styles(client):
    redoc = csp_directives(client.get("/api/v1/redoc/"))
    assert "'unsafe-inline'" in redoc["style-src"]
    assert redoc["script-src"] == ["'self'"]
    swagger = client.get("/api/v1/docs/")
    assert "'unsafe-inline'" not in swagger["Content-Security-Policy"]
    body = swagger.content.decode()
    assert "<script>" not in body and "<style>" not in body


INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
        "inline <script>",
    ),
    (re.compile(r"<style[\s>]"), "<style> element"),
    (re.compile(r"\sstyle=\""), "style attribute"),
    (re.compile(r"\son[a-z]+=\""), "event handler attribute"),
    (re.compile(r"javascript:"), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The policy forbids them, so a browser would silently ignore them."""
    found = []
    for template in (BASE_DIR / "templates").rglob("*.html"):
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(BASE_DIR)}: {what}")
    assert found == []


# -- health ------------------------------------------------------------------


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz", HTTP_HOST="internal-probe")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_the_cache_does_not_answer(client, settings):
    # A real Redis client aimed at a port nothing listens on.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert response["Retry-After"] == "5"
    assert time.monotonic() - started < 3


# -- request limits ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_two_thousand_query_parameters_are_a_quick_400(client, settings, debug):
    settings.DEBUG = debug
    query = "&".join(f"p{n}=1" for n in range(2000))
    started = time.monotonic()
    response = client.get(f"/threats/?{query}")
    assert response.status_code == 400
    assert "Too many query parameters" in response.content.decode()
    assert time.monotonic() - started < 2
    api = client.get(f"/api/v1/threats/?{query}")
    assert api.status_code == 400
    assert "Too many query parameters" in api.json()["detail"]


@pytest.mark.django_db
def test_an_overlong_query_string_is_400(client):
    response = client.get("/search/", {"q": "x" * 5000})
    assert response.status_code == 400
    assert "too long" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_form_with_too_many_fields_is_400(client, settings, debug):
    settings.DEBUG = debug
    fields = {f"f{n}": "1" for n in range(1500)}
    response = client.post("/admin/login/", fields)
    assert response.status_code == 400


def test_replica_urls_become_replica_aliases_that_mirror_default_in_tests():
    values = settings_in(
        {
            **PRODUCTION_ENV,
            "DATABASE_REPLICA_URLS": (
                "postgresql://atlas@replica-a:5432/atlas, "
                "postgresql://atlas@replica-b:5432/atlas"
            ),
        },
        "DATABASES",
        "DATABASE_ROUTERS",
        "DATABASE_REPLICA_STICKY_SECONDS",
    )
    databases = values["DATABASES"]
    assert list(databases) == ["default", "replica_1", "replica_2"]
    assert [databases[a]["HOST"] for a in ("replica_1", "replica_2")] == [
        "replica-a",
        "replica-b",
    ]
    for alias in ("replica_1", "replica_2"):
        replica = databases[alias]
        assert replica["TEST"]["MIRROR"] == "default"
        assert replica["OPTIONS"]["application_name"] == f"atlas:{alias}"
        # Skipped quickly when down: the primary answers instead.
        assert replica["OPTIONS"]["connect_timeout"] == 1
        assert "statement_timeout=" in replica["OPTIONS"]["options"]
        assert replica["CONN_HEALTH_CHECKS"] is True
    assert databases["default"]["OPTIONS"]["application_name"] == "atlas:default"
    assert values["DATABASE_ROUTERS"] == ["core.replicas.ReplicaRouter"]
    assert values["DATABASE_REPLICA_STICKY_SECONDS"] == 35
    # None by default.
    assert list(settings_in(PRODUCTION_ENV, "DATABASES")["DATABASES"]) == ["default"]


def test_a_replica_url_that_is_not_postgresql_is_refused_at_start():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from django.conf import settings; settings.DATABASES",
        {**PRODUCTION_ENV, "DATABASE_REPLICA_URLS": "mysql://atlas@replica/atlas"},
    )
    assert result.returncode != 0
    assert "must point at PostgreSQL servers" in result.stderr
