"""The Redis cache backend (core/cache.py): Django's, with one client per
connection pool and ``incr`` in one atomic round trip."""

import pytest
import redis
from django.test import override_settings

from tests.production.conftest import forget_prefixed_keys


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
    forget_prefixed_keys(redis_url, cache_prefix)


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


def test_count_makes_an_expiring_counter_and_adds_one_each_time(cache, redis_url):
    assert [cache.count("hits", 30) for _ in range(3)] == [1, 2, 3]
    server = redis.Redis.from_url(redis_url)
    assert 0 < server.ttl(cache.make_key("hits")) <= 30
    assert cache.get("hits") == 3


def test_a_page_is_counted_in_one_trip_under_django_ratelimits_key(cache, rf):
    """The middleware's one-trip count and django-ratelimit's get_usage count
    the same requests: same key, window and answer."""
    from django_ratelimit.core import get_usage

    from core.ratelimit import AnonymousRateLimitMiddleware, _client_key

    request = rf.get("/threats/", REMOTE_ADDR="203.0.113.9")
    rate = "3/h"
    with override_settings(ANONYMOUS_RATES={"pages": rate}):
        answers = [
            AnonymousRateLimitMiddleware.usage(request, "pages") for _ in range(4)
        ]
    assert [answer["count"] for answer in answers] == [1, 2, 3, 4]
    assert [answer["should_limit"] for answer in answers] == [False] * 3 + [True]
    assert all(0 <= answer["time_left"] <= 3600 for answer in answers)
    theirs = get_usage(
        request, group="anonymous-pages", key=_client_key, rate=rate, increment=True
    )
    assert theirs["count"] == 5
    assert abs(theirs["time_left"] - answers[-1]["time_left"]) <= 1
