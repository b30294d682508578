"""HTTP caching of anonymous reads (core/httpcache.py): validators, 304s that
cost one query, Cache-Control and Vary; never public for editors, errors or
responses that set a cookie."""

import datetime

import pytest
from django.utils import timezone
from django.utils.http import http_date

from core.models import DataVersion
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["/threats/", "/api/v1/threats/", "/", "/threats/feed/", "/exercises.ics"]


@pytest.fixture
def entry():
    return factories.threat(title="Drone over the lake")


def settled():
    """The version's last change a minute ago: old enough for Last-Modified."""
    changed_at = timezone.now() - datetime.timedelta(minutes=1)
    DataVersion.objects.filter(pk=1).update(changed_at=changed_at)
    return changed_at


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_reads_are_public_with_validators(client, entry, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    # Browsers ask again each time (no purge reaches them); shared caches,
    # which the purge hook reaches, keep it a minute.
    assert "max-age=0" in cache_control
    assert "s-maxage=60" in cache_control
    assert "stale-while-revalidate=30" in cache_control
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    assert ("Accept" in vary) == path.startswith("/api/")
    assert not response.cookies


@pytest.mark.parametrize("path", ["/threats/", "/api/v1/threats/"])
def test_a_repeated_read_is_304_after_only_the_version_lookup(
    client, entry, path, django_assert_num_queries
):
    etag = client.get(path)["ETag"]
    # The one query: the data version.
    with django_assert_num_queries(1):
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "public" in response["Cache-Control"]


def test_head_is_answered_304_too(client, entry):
    etag = client.get("/threats/")["ETag"]
    assert client.head("/threats/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_change_gives_a_new_etag_and_the_new_content(client, entry):
    etag = client.get("/threats/")["ETag"]
    factories.threat(title="Jamming near the coast")
    response = client.get("/threats/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Jamming near the coast" in response.content.decode()


def test_the_etag_differs_by_language_and_by_query(client, entry):
    english = client.get("/threats/")["ETag"]
    lithuanian = client.get("/threats/", HTTP_ACCEPT_LANGUAGE="lt")["ETag"]
    filtered = client.get("/threats/?q=drone")["ETag"]
    assert len({english, lithuanian, filtered}) == 3
    # English's tag does not answer for the Lithuanian page.
    response = client.get(
        "/threats/", HTTP_ACCEPT_LANGUAGE="lt", HTTP_IF_NONE_MATCH=english
    )
    assert response.status_code == 200


def test_if_modified_since_is_answered_by_the_versions_last_change(client, entry):
    changed_at = settled()
    response = client.get("/threats/")
    assert response["Last-Modified"] == http_date(int(changed_at.timestamp()))
    assert (
        client.get(
            "/threats/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
        ).status_code
        == 304
    )
    earlier = http_date(int(changed_at.timestamp()) - 60)
    assert client.get("/threats/", HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_version_changed_this_second_gets_no_last_modified(client, entry):
    # A second change within the same second would otherwise hide behind it.
    assert not client.get("/threats/").has_header("Last-Modified")


def test_malformed_validators_are_ignored_not_errors(client, entry):
    for headers in (
        {"HTTP_IF_NONE_MATCH": '"unterminated, W/'},
        {"HTTP_IF_MODIFIED_SINCE": "yesterday at noon"},
        {"HTTP_IF_NONE_MATCH": "\x00"},
    ):
        assert client.get("/threats/", **headers).status_code == 200


def test_editors_get_private_no_store(editor_client, entry):
    response = editor_client.get("/threats/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_logged_in_reader_is_never_cached_publicly(client, analyst, entry):
    etag = client.get("/threats/")["ETag"]
    client.force_login(analyst)
    response = client.get("/threats/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_token_client_is_never_cached_publicly(client, editor, entry):
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=editor)
    response = client.get("/api/v1/threats/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/threats/no-such-entry/", "/api/v1/threats/nope/"])
def test_errors_are_not_cached(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
    assert "no-store" in response["Cache-Control"]


def test_the_language_switch_sets_a_cookie_and_pages_do_not(client, entry):
    page = client.get("/threats/")
    assert not page.cookies  # no CSRF cookie: the language form needs none
    switched = client.post("/i18n/setlang/", {"language": "lt", "next": "/threats/"})
    assert switched.status_code == 302
    assert switched.cookies
    assert "public" not in switched.get("Cache-Control", "")


def test_an_api_records_own_etag_is_kept_and_answers_304(client, entry):
    response = client.get(f"/api/v1/threats/{entry.slug}/")
    etag = response["ETag"]
    assert not etag.startswith("W/")  # the record's version, which If-Match uses
    assert "public" in response["Cache-Control"]
    again = client.get(f"/api/v1/threats/{entry.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_the_schema_needs_no_data_version_and_revalidates_without_a_query(
    client, django_assert_num_queries
):
    """The OpenAPI schema depends on the code alone: a client (or a test
    collecting the schema before any database is there) gets it, and its 304,
    without a query."""
    with django_assert_num_queries(0):
        first = client.get("/api/v1/schema/")
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get("/api/v1/schema/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
