"""The API's anonymous throttle on Redis (core/ratelimit.py SLIDING_LOG): DRF's
sliding log, kept by one script, lets the same requests through and asks for
the same wait as DRF's own throttle does on any other cache."""

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.throttling import SimpleRateThrottle

from core.ratelimit import AnonymousApiThrottle

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def requests(throttle_class, clock, address, steps):
    """Each step: seconds to wait, then one request; whether it was let
    through, and the wait asked for when it was not."""
    answers = []
    for seconds in steps:
        clock.now += seconds
        throttle = throttle_class()
        throttle.timer = clock
        request = RequestFactory().get("/api/v1/threats/", REMOTE_ADDR=address)
        request.user = None
        allowed = throttle.allow_request(request, None)
        answers.append((allowed, None if allowed else round(throttle.wait(), 6)))
    return answers


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/minute"},
    )


def test_redis_counts_as_drf_does(redis_url, cache_prefix, three_a_minute):
    steps = [0, 1, 1, 1, 10, 48, 0.5, 1, 1, 30, 40]
    expected = requests(AnonymousApiThrottle, Clock(), "192.0.2.1", steps)
    # DRF's own answers (the test settings' local-memory cache).
    allowed = [allowed for allowed, _wait in expected]
    # Refused after three in a minute, let through again as the oldest leave.
    assert allowed[:4] == [True, True, True, False]
    assert allowed.count(False) >= 3 and allowed[-1] is True
    redis_cache = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": cache_prefix,
        }
    }
    with override_settings(CACHES=redis_cache):
        from django.core.cache import cache

        assert hasattr(cache, "run_script")
        assert requests(AnonymousApiThrottle, Clock(), "192.0.2.1", steps) == expected
        # Another address has a count of its own.
        assert requests(AnonymousApiThrottle, Clock(), "192.0.2.2", [100]) == [
            (True, None)
        ]
