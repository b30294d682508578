"""The token endpoint (case 7): limited per client address and, separately, per
username from any address, successful requests included, counted in the shared
cache (so across gunicorn workers with Redis); rotating X-Forwarded-For behind a
trusted proxy lifts neither limit."""

import json
import time
import urllib.error
import urllib.request

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.production.conftest import fetch

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
RIGHT = "correct horse battery"
WRONG = "not the password"


@pytest.fixture
def low_token_rates(monkeypatch):
    from django.core.cache import cache

    # Hourly windows: a burst never straddles the start of a new window.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "1000/hour", "token": "4/hour", "token-account": "3/hour"},
    )
    cache.clear()
    yield
    cache.clear()


def ask(client, username, password=RIGHT, **headers):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password},
        content_type="application/json",
        **headers,
    )


def test_one_account_from_rotating_addresses_ends_in_429(
    client, editor, low_token_rates
):
    statuses = [
        ask(client, "edita", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(1, 6)
    ]
    # Successful requests count: the fourth is refused, whatever its address.
    assert statuses == [200, 200, 200, 429, 429]
    refused = ask(client, "edita", REMOTE_ADDR="203.0.113.99")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "throttled" in refused.json()["detail"]
    assert "token" not in refused.json()


def test_failed_requests_count_towards_the_account_limit(
    client, editor, low_token_rates
):
    statuses = [
        ask(client, "edita", WRONG, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(1, 4)
    ]
    assert statuses == [400, 400, 400]
    # The right password from a fresh address: still refused for this account.
    assert ask(client, "edita", REMOTE_ADDR="203.0.113.5").status_code == 429


def test_the_username_is_compared_without_case_or_spaces(
    client, editor, low_token_rates
):
    for n, name in enumerate(["edita", "EDITA", " Edita "]):
        ask(client, name, WRONG, REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert ask(client, "edita", REMOTE_ADDR="203.0.113.6").status_code == 429


def test_other_accounts_keep_their_own_budget(
    client, editor, reviewer, low_token_rates
):
    for n in range(3):
        ask(client, "edita", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert ask(client, "edita", REMOTE_ADDR="198.51.100.9").status_code == 429
    assert ask(client, "rita", REMOTE_ADDR="198.51.100.9").status_code == 200


def test_one_address_trying_many_accounts_ends_in_429(client, low_token_rates):
    statuses = [
        ask(client, f"someone{n}", WRONG, REMOTE_ADDR="198.51.100.50").status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    assert int(ask(client, "x", REMOTE_ADDR="198.51.100.50")["Retry-After"]) > 0
    assert ask(client, "x", REMOTE_ADDR="198.51.100.51").status_code == 400


def test_rotating_x_forwarded_for_behind_a_proxy_lifts_no_limit(
    client, editor, settings, low_token_rates
):
    settings.NUM_PROXIES = 1
    # Each request claims another address; the proxy (REMOTE_ADDR 10.0.0.2)
    # appends a new one each time as well: still one account.
    statuses = [
        ask(
            client,
            "edita",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.{n}",
        ).status_code
        for n in range(1, 6)
    ]
    assert statuses == [200, 200, 200, 429, 429]

    # Many accounts from one client: the address the proxy saw is counted,
    # whatever the client wrote before it.
    statuses = [
        ask(
            client,
            f"someone{n}",
            WRONG,
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.77",
        ).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]


def test_a_body_that_is_not_json_is_still_a_400(client, low_token_rates):
    response = client.post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_the_limits_let_requests_through_while_the_cache_is_down(
    client, editor, low_token_rates, monkeypatch
):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    # axes (in the database) still locks password guessing meanwhile.
    statuses = {ask(client, "edita").status_code for _ in range(5)}
    assert statuses == {200}


# -- across workers, on Redis ---------------------------------------------------


def token_requests(server):
    """(pid, status) of each token request in a server's JSON access log."""
    rows = []
    for line in server.output().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("logger") == "gunicorn.access":
            rows.append((record["pid"], record["path"], record["status"]))
    return rows


def post_token(url, username, password, forwarded):
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        url + TOKEN_URL,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-For": forwarded,
            "Connection": "close",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_the_account_limit_holds_across_two_gunicorn_workers_with_redis(
    gunicorn, served_database, redis_url, cache_prefix, django_user_model, settings
):
    # Hashed as the server (default settings) can check it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    django_user_model.objects.create_user("edita", password=RIGHT, is_staff=True)
    server = gunicorn(
        {
            "DATABASE_URL": served_database,
            "REDIS_URL": redis_url,
            "ATLAS_CACHE_KEY_PREFIX": cache_prefix,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "1",
            "DJANGO_NUM_PROXIES": "1",
            "DJANGO_TOKEN_ACCOUNT_RATE": "4/hour",
        }
    )
    # Both workers up before counting: /healthz until each has answered.
    deadline = time.monotonic() + 60
    while len({pid for pid, _path, _status in token_requests(server)}) < 2:
        assert time.monotonic() < deadline, "the second worker never answered"
        fetch(server.url + "/healthz", headers={"Connection": "close"})
    # Which worker accepts a connection is the kernel's choice: post until
    # both have answered a token request (at least seven posts in all).
    statuses = []
    answered = set()
    while len(statuses) < 7 or len(answered) < 2:
        assert len(statuses) < 60, ("one worker answered every post", answered)
        status, headers = post_token(
            server.url,
            "edita",
            RIGHT,
            forwarded=f"198.51.100.{len(statuses) + 1}",
        )
        statuses.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) > 0
        answered = {
            pid for pid, path, _s in token_requests(server) if path == TOKEN_URL
        }
    # Four in all, not four per worker, though both workers answered.
    assert statuses == [200] * 4 + [429] * (len(statuses) - 4), statuses
