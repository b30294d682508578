"""Password guessing (cases 6 and 7): django-axes locks an account, and an
address, after five failures; the right password is refused during the cool-off;
a made-up X-Forwarded-For changes nothing."""

import pytest
from django.core.management import call_command

from core.clientip import client_ip

pytestmark = pytest.mark.django_db

WRONG = "not the password"
RIGHT = "correct horse battery"


def login(client, username, password, **headers):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        **headers,
    )


def test_the_sixth_guess_is_refused_and_so_is_the_right_password(client, editor):
    statuses = [login(client, "edita", WRONG).status_code for _ in range(5)]
    # Wrong passwords: the form again (200); the fifth failure locks.
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == 429
    response = login(client, "edita", RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    assert "Too many failed login attempts" in text
    assert "15 minutes" in text
    assert int(response["Retry-After"]) == 15 * 60


def test_the_account_is_locked_from_every_address(client, editor):
    for n in range(5):
        login(client, "edita", WRONG, REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert login(client, "edita", RIGHT, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_an_address_is_locked_whatever_account_it_tries(client, editor):
    for n in range(5):
        login(client, f"someone{n}", WRONG, REMOTE_ADDR="198.51.100.7")
    assert login(client, "edita", RIGHT, REMOTE_ADDR="198.51.100.7").status_code == 429
    # Another address, the same (unlocked) account: logs in.
    assert login(client, "edita", RIGHT, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_rotating_x_forwarded_for_does_not_lift_the_lock(client, editor):
    for n in range(5):
        login(client, f"user{n}", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = login(client, "edita", RIGHT, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_the_unlock_command_lifts_the_lock(client, editor):
    for _ in range(5):
        login(client, "edita", WRONG, REMOTE_ADDR="198.51.100.20")
    call_command("axes_reset_username", "edita")
    call_command("axes_reset_ip", "198.51.100.20")
    response = login(client, "edita", RIGHT, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_the_token_endpoint_is_refused_to_a_locked_account(client, editor):
    for n in range(5):
        login(client, "edita", WRONG, REMOTE_ADDR=f"198.51.100.{30 + n}")
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "edita", "password": RIGHT},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.50",
    )
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()


def test_token_guesses_count_towards_the_lock(client, editor):
    for n in range(5):
        client.post(
            "/api/v1/auth/token/",
            {"username": "edita", "password": WRONG},
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{40 + n}",
        )
    assert login(client, "edita", RIGHT, REMOTE_ADDR="203.0.113.60").status_code == 429


# -- the client address rule ------------------------------------------------------


class FakeRequest:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_without_proxies_the_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    assert client_ip(FakeRequest("192.0.2.1", "1.2.3.4")) == "192.0.2.1"


def test_behind_one_proxy_only_the_address_it_saw_counts(settings):
    settings.NUM_PROXIES = 1
    # The client wrote "1.2.3.4"; the proxy appended the address it saw.
    assert client_ip(FakeRequest("10.0.0.2", "1.2.3.4, 198.51.100.77")) == (
        "198.51.100.77"
    )
    assert client_ip(FakeRequest("10.0.0.2")) == "10.0.0.2"


def test_behind_two_proxies(settings):
    settings.NUM_PROXIES = 2
    forwarded = "6.6.6.6, 198.51.100.77, 10.0.0.5"
    assert client_ip(FakeRequest("10.0.0.9", forwarded)) == "198.51.100.77"
