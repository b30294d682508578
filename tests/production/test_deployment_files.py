"""docker-compose.yml and the Dockerfile describe the production configuration:
gunicorn with DEBUG off, a one-shot migrate/seed service before web, health checks,
named volumes, secrets with no defaults. `docker compose config` validates it (the
compose client, not a Docker engine, is needed for that)."""

import os
import shutil
import subprocess

import pytest

from tests.production.conftest import BASE_DIR, unavailable
from tests.yaml_text import load_yaml

COMPOSE = load_yaml((BASE_DIR / "docker-compose.yml").read_text())
SECRETS = {"DJANGO_SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "p" * 24}


def compose_command():
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    unavailable("no docker compose client (apt-get install docker-compose)")
    return None


def compose_config(env, tmp_path, profiles=(), quiet=True):
    """``docker compose config`` with only ``env`` (and the given profiles on):
    its exit status, and the resolved configuration as YAML unless ``quiet``."""
    empty_env = tmp_path / "empty.env"
    empty_env.write_text("")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "POSTGRES_", "DATABASE_", "CACHE_"))
    }
    return subprocess.run(  # noqa: S603
        [
            *compose_command(),
            "--project-directory",
            str(BASE_DIR),
            # Not the development .env beside it: only what the test gives.
            "--env-file",
            str(empty_env),
            *(option for profile in profiles for option in ("--profile", profile)),
            "config",
            *(["-q"] if quiet else []),
        ],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_config_is_valid(tmp_path):
    result = compose_config(SECRETS, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_has_no_default_secrets(missing, tmp_path):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = compose_config(env, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_web_runs_gunicorn_after_the_one_shot_seed_with_debug_off():
    services = COMPOSE["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "seed"]
    assert services["migrate"]["restart"] == "no"
    web = services["web"]
    assert web["environment"]["DJANGO_DEBUG"] == "0"
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "REDIS_URL" in web["environment"]
    # web itself never migrates or seeds: the image's command is gunicorn.
    assert "command" not in web


def test_every_long_running_service_has_a_health_check_and_data_a_volume():
    for name, service in COMPOSE["services"].items():
        if name == "migrate":
            continue  # exits when done; web waits for its success
        assert "test" in service["healthcheck"], name
    assert "/readyz" in " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert COMPOSE["services"]["postgres"]["volumes"][0].startswith("pgdata:")
    assert "pgdata" in COMPOSE["volumes"]


def test_the_image_serves_with_gunicorn_and_never_imports_on_start():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "gunicorn" in command
    assert "runserver" not in dockerfile
    assert "import_records" not in dockerfile
    assert "collectstatic" in dockerfile
    assert "USER atlas" in dockerfile


# -- the scale profile (docker compose --profile scale up) ---------------------

SCALE_SERVICES = {"postgres-replica", "web-scaled", "nginx"}


def compose_scale_config(env, tmp_path):
    """The resolved configuration with the scale profile on."""
    return compose_config(env, tmp_path, profiles=["scale"], quiet=False)


def test_the_scale_profile_is_valid_and_only_on_request(tmp_path):
    result = compose_scale_config(SECRETS, tmp_path)
    assert result.returncode == 0, result.stderr
    services = load_yaml(result.stdout)["services"]
    assert set(services) >= SCALE_SERVICES
    for name in SCALE_SERVICES:
        # Not started by a plain `docker compose up`.
        assert COMPOSE["services"][name]["profiles"] == ["scale"], name
    for name in {"postgres", "redis", "migrate", "web"}:
        assert "profiles" not in COMPOSE["services"][name], name


def test_scaled_web_reads_from_the_replica_and_purges_nginx(tmp_path):
    resolved = load_yaml(compose_scale_config(SECRETS, tmp_path).stdout)
    web = resolved["services"]["web-scaled"]
    environment = web["environment"]
    assert environment["DATABASE_URL"].endswith("@postgres:5432/atlas")
    assert environment["DATABASE_REPLICA_URLS"].endswith("@postgres-replica:5432/atlas")
    assert environment["CACHE_PURGE_URLS"] == "http://nginx/purge"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DJANGO_DEBUG"] == "0"
    # nginx is the one proxy in front: client addresses come from its header.
    assert environment["DJANGO_BEHIND_PROXY"] == "1"
    assert environment["DJANGO_NUM_PROXIES"] == "1"
    assert web["deploy"]["replicas"] == 2
    assert "ports" not in web  # reached through nginx only
    for needed in ("migrate", "postgres", "postgres-replica", "redis"):
        assert needed in web["depends_on"], needed
    assert web["depends_on"]["postgres-replica"]["condition"] == "service_healthy"
    nginx = resolved["services"]["nginx"]
    assert nginx["depends_on"]["web-scaled"]["condition"] == "service_healthy"
    assert any(str(port).startswith("127.0.0.1:8080:80") for port in nginx["ports"])


def test_the_replica_streams_from_the_primary_and_stays_a_standby():
    replica = COMPOSE["services"]["postgres-replica"]
    assert replica["environment"]["PRIMARY_HOST"] == "postgres"
    script = (BASE_DIR / "ops" / "postgres" / "replica-entrypoint.sh").read_text()
    assert "pg_basebackup" in script
    assert "--write-recovery-conf" in script  # standby.signal + primary_conninfo
    assert "--wal-method=stream" in script
    assert "pg_is_in_recovery()" in " ".join(replica["healthcheck"]["test"])
    allow = (BASE_DIR / "ops" / "postgres" / "allow-replication.sh").read_text()
    assert "replication" in allow and "scram-sha-256" in allow
    primary_volumes = COMPOSE["services"]["postgres"]["volumes"]
    assert any(
        "allow-replication.sh:/docker-entrypoint-initdb.d/" in v
        for v in primary_volumes
    )
