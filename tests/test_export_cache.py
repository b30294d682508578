"""A list page's export, downloaded again by an anonymous reader at the same
data version, is read from the shared cache (core/httpcache.py
``anonymous_download``): the same file without building it again, a new one
at once after a publication, never an editor's (drafts) and never one cut
short or bigger than ``EXPORT_CACHE_MAX_BYTES``."""

import pytest
from django.core.cache import cache

from core import workflow
from core.httpcache import _kept_as_sent
from tests import factories
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db

EXPORT = "/threats/?format=csv"
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "X-Total-Count")


@pytest.fixture(autouse=True)
def _exports_kept(settings):
    settings.EXPORT_CACHE_MAX_BYTES = 1024 * 1024


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_a_second_download_is_the_same_file_from_the_cache(
    client, django_assert_num_queries
):
    factories.threat(title="Drone over the lake")
    factories.threat(title="Jamming near the coast")
    first = client.get(EXPORT)
    assert first.streaming
    first_body = body(first)
    assert b"Drone over the lake" in first_body

    with django_assert_num_queries(VERSION_LOOKUP):
        again = client.get(EXPORT)
        again_body = body(again)

    assert again.status_code == 200
    assert again_body == first_body
    for header in KEPT_HEADERS:
        assert again[header] == first[header]
    assert again["X-Total-Count"] == "2"
    assert "public" in again["Cache-Control"]
    assert again["ETag"] == first["ETag"]


def test_each_filter_format_and_language_is_its_own_file(client):
    factories.threat(title="Drone over the lake")
    body(client.get(EXPORT))

    json_export = client.get("/threats/?format=json")
    assert b'"results"' in body(json_export)
    filtered = client.get("/threats/?format=csv&q=jamming")
    assert b"Drone over the lake" not in body(filtered)
    lithuanian = client.get("/lt/threats/?format=csv&bom=1")
    assert body(lithuanian).startswith("\ufeff".encode())


def test_a_publication_is_in_the_next_download_at_once(client, editor, reviewer):
    factories.threat(title="Drone over the lake")
    body(client.get(EXPORT))
    waiting = factories.threat_in_review(editor, title="Jamming near the coast")
    assert b"Jamming near the coast" not in body(client.get(EXPORT))

    workflow.publish(waiting, reviewer)

    response = client.get(EXPORT)
    assert response.streaming  # built again, not read from the cache
    assert b"Jamming near the coast" in body(response)


def test_a_retraction_leaves_the_next_download_at_once(client, reviewer):
    entry = factories.threat(title="Drone over the lake")
    assert b"Drone over the lake" in body(client.get(EXPORT))

    workflow.retract(entry, reviewer, "The source withdrew the report.")

    assert b"Drone over the lake" not in body(client.get(EXPORT))


def test_an_editors_download_is_never_kept_nor_read_from_the_cache(client, editor):
    factories.threat(title="Drone over the lake")
    client.force_login(editor)
    assert b"Drone over the lake" in body(client.get(EXPORT))
    client.logout()

    anonymous = client.get(EXPORT)
    assert anonymous.streaming  # the editor's download was not kept
    body(anonymous)
    assert not client.get(EXPORT).streaming

    client.force_login(editor)
    assert client.get(EXPORT).streaming  # nor is the anonymous one read


def test_a_download_cut_short_is_not_kept():
    sent = _kept_as_sent("cut", "export", {}, iter([b"title\r\n", b"a\r\n"]), 100)
    assert next(sent) == b"title\r\n"
    sent.close()  # the client hung up after the first block
    assert cache.get("cut") is None

    whole = _kept_as_sent("whole", "export", {}, iter([b"title\r\n", b"a\r\n"]), 100)
    assert b"".join(whole) == b"title\r\na\r\n"
    assert cache.get("whole") == ({}, b"title\r\na\r\n")


def test_a_file_bigger_than_the_limit_is_streamed_and_not_kept(client, settings):
    for number in range(3):
        factories.threat(title=f"Drone over the lake {number}")
    whole = body(client.get(EXPORT))
    settings.EXPORT_CACHE_MAX_BYTES = len(whole) - 1
    client.get("/")  # a request between, as from another reader

    again = client.get("/threats/?format=csv&q=drone")
    assert again.streaming
    body(again)
    assert client.get("/threats/?format=csv&q=drone").streaming


def test_nothing_is_kept_when_the_setting_is_zero(client, settings):
    settings.EXPORT_CACHE_MAX_BYTES = 0
    factories.threat(title="Drone over the lake")
    body(client.get(EXPORT))
    assert client.get(EXPORT).streaming


def test_a_server_with_another_cap_builds_its_own_file(client, settings):
    for number in range(3):
        factories.threat(title=f"Drone over the lake {number}")
    whole = client.get(EXPORT)
    assert whole["X-Export-Truncated"] == "false"
    body(whole)  # kept
    settings.EXPORT_MAX_ROWS = 2

    cut = client.get(EXPORT)

    assert cut.streaming
    assert cut["X-Export-Truncated"] == "true"
    assert body(cut).count(b"Drone over the lake") == 2


def test_an_export_of_more_rows_than_a_kept_one_holds_is_never_gathered(
    client, settings
):
    for number in range(3):
        factories.threat(title=f"Drone over the lake {number}")
    settings.EXPORT_CACHE_MAX_ROWS = 2
    body(client.get(EXPORT))
    assert client.get(EXPORT).streaming  # built again: three rows were not kept

    filtered = "/threats/?format=csv&q=lake+0"
    body(client.get(filtered))
    assert not client.get(filtered).streaming  # one row: kept


def export_key(client):
    """The cache key of EXPORT, as the view computes it: read off a kept copy."""
    from django.core.cache import cache as shared

    body(client.get(EXPORT))
    keys = [key for key in shared._cache if ":page:export:" in key]
    assert len(keys) == 1
    return keys[0].split(":", 2)[2]  # without LocMem's prefix and version


def test_a_reader_waits_for_the_file_another_worker_is_writing(client, settings):
    import threading

    factories.threat(title="Drone over the lake")
    key = export_key(client)
    kept = cache.get(key)
    cache.clear()
    # Another worker started writing this export and finishes a moment later.
    cache.add(f"{key}:building", 1)
    threading.Timer(0.3, lambda: cache.set(key, kept)).start()

    response = client.get(EXPORT)

    assert not response.streaming  # the other worker's copy, not a second one
    assert body(response) == kept[1]


def test_past_the_wait_a_reader_writes_the_file_itself(client, settings):
    settings.EXPORT_CACHE_WAIT_SECONDS = 0.3
    factories.threat(title="Drone over the lake")
    key = export_key(client)
    cache.clear()
    cache.add(f"{key}:building", 1)  # a worker that died midway

    response = client.get(EXPORT)

    assert response.streaming
    assert b"Drone over the lake" in body(response)
    assert cache.get(f"{key}:building") is None
    assert not client.get(EXPORT).streaming  # and kept it


def test_a_failed_export_keeps_nothing_and_lifts_its_mark():
    def failing():
        yield b"title\\r\\n"
        raise RuntimeError("the database went away")

    sent = _kept_as_sent("failed", "export", {}, failing(), 100, "failed:building")
    cache.add("failed:building", 1)
    assert next(sent) == b"title\\r\\n"
    with pytest.raises(RuntimeError):
        next(sent)
    assert cache.get("failed") is None
    assert cache.get("failed:building") is None
