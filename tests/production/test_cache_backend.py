"""The Redis cache backend (core/cache.py): Django's, with one client per
connection pool and ``incr`` in one atomic round trip."""

import pytest
import redis


@pytest.fixture
def cache(settings, redis_url, cache_prefix):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": cache_prefix,
        }
    }
    from django.core.cache import cache

    yield cache
    cache.clear()


def test_incr_counts_an_existing_key_and_keeps_its_expiry(cache, redis_url):
    assert cache.add("visits", 1, 60)
    assert cache.incr("visits") == 2
    assert cache.incr("visits", 10) == 12
    assert cache.get("visits") == 12
    server = redis.Redis.from_url(redis_url)
    assert 0 < server.ttl(cache.make_key("visits")) <= 60


def test_incr_of_a_missing_key_is_a_value_error_and_makes_no_key(cache, redis_url):
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert redis.Redis.from_url(redis_url).exists(cache.make_key("never-set")) == 0
    assert cache.get("never-set") is None


def test_the_same_client_serves_every_call(cache):
    cache.set("page", b"<html>", 60)
    assert cache.get("page") == b"<html>"
    client = cache._cache.get_client("page")
    assert cache._cache.get_client("other", write=True) is client
