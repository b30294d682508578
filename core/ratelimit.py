"""Request rates for anonymous visitors, counted in the shared cache.

Every worker and every server counts in the same place (Redis, ``REDIS_URL``), so a
limit holds however many processes serve the site. Without Redis each process
counts on its own (Django's local-memory cache); the middleware says so in a
warning when it starts.

- ``AnonymousRateLimitMiddleware`` limits the public site, per client address
  (core/clientip.py), in groups: map data, feeds, exports (``?format=``),
  search, and every other page. Over the limit: 429 with ``Retry-After``.
  Logged-in users (editors) are not limited; the admin, the API (DRF's own
  throttles below), static files and the health checks are not counted here.
- ``AnonymousApiThrottle`` is DRF's anonymous throttle keyed on the same address.
- ``TokenAddressThrottle`` and ``TokenAccountThrottle`` limit the token endpoint
  per client address and, separately, per username asked for, so rotating
  addresses does not buy more attempts at one account (django-axes also locks an
  account after failed passwords; these count successful requests too).

The counting itself (fixed windows, atomic increments) is django-ratelimit's
``get_usage``, or on Redis (core/cache.py) the same count under the same key in one
round trip instead of two (``counted_in_one_trip``). Its app is not installed: its system check refuses the local-memory
fallback outright, where we prefer the site to run and warn.
"""

import hashlib
import logging
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_window,
    _make_cache_key,
    _split_rate,
    get_usage,
)
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from core.clientip import client_ip

logger = logging.getLogger(__name__)

NOT_COUNTED = ("/admin/", "/api/", "/static/", "/i18n/", "/favicon")
EXPORT_FORMATS = ("csv", "json", "xlsx", "geojson")


def request_group(request):
    """The limit a request counts against, or None if it is not limited here."""
    path = request.path_info
    if request.method not in ("GET", "HEAD") or path.startswith(NOT_COUNTED):
        return None
    if path == "/map/data.json":
        return "map-data"
    if path.endswith(("/feed/", ".ics")):
        return "feeds"
    if request.GET.get("format") in EXPORT_FORMATS:
        return "exports"
    if path.startswith("/search/"):
        return "search"
    return "pages"


def _client_key(group, request):
    return client_ip(request)


def too_many_requests(request, retry_after):
    """429 with the number of seconds to wait, in the form the client asked for."""
    message = _("Too many requests. Please wait %(seconds)s seconds and try again.") % {
        "seconds": retry_after
    }
    if request.GET.get("format") in EXPORT_FORMATS or request.path.endswith(".json"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain")
    response["Retry-After"] = str(retry_after)
    return response


def uses_shared_cache():
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


class AnonymousRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        if not uses_shared_cache():
            logger.warning(
                "REDIS_URL is not set: request limits are counted per process "
                "(local memory), so N workers allow N times each rate. Set REDIS_URL "
                "for limits shared by every worker."
            )

    def __call__(self, request):
        group = request_group(request)
        if group is not None and not self.exempt(request):
            usage = self.usage(request, group)
            if usage and usage["should_limit"]:
                return too_many_requests(request, max(1, int(usage["time_left"])))
        return self.get_response(request)

    @staticmethod
    def exempt(request):
        if client_ip(request) in settings.RATE_LIMIT_EXEMPT:
            return True
        # Only a request with a session cookie can be a logged-in editor: the
        # others need no session lookup.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        return request.user.is_authenticated

    @staticmethod
    def usage(request, group):
        try:
            if hasattr(cache, "count"):
                return counted_in_one_trip(request, f"anonymous-{group}", group)
            return get_usage(
                request,
                group=f"anonymous-{group}",
                key=_client_key,
                rate=settings.ANONYMOUS_RATES[group],
                increment=True,
            )
        except Exception:
            # The cache is down: serve the page rather than fail it (/readyz
            # reports the cache).
            logger.exception("Rate limit not counted: the cache did not answer")
            return None


# DRF's sliding log (SimpleRateThrottle.allow_request) as one Redis script: the
# request times of the window, newest first; those older than the window are
# dropped; a request is let through, and its time added, while fewer than the
# limit remain. Answers whether it was let through, how many times the log
# holds, and the oldest of them (what DRF's wait() reads).
SLIDING_LOG = """
local key, now = KEYS[1], tonumber(ARGV[1])
local duration, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
    local oldest = redis.call('LINDEX', key, -1)
    if not oldest or tonumber(oldest) > now - duration then break end
    redis.call('RPOP', key)
end
local length = redis.call('LLEN', key)
if length >= limit then
    return {0, length, redis.call('LINDEX', key, -1)}
end
redis.call('LPUSH', key, ARGV[1])
redis.call('EXPIRE', key, duration)
return {1, length + 1, redis.call('LINDEX', key, -1)}
"""


def counted_in_one_trip(request, name, group):
    """``get_usage(..., increment=True)``'s answer, counted under its key and
    window, in one round trip to Redis (core/cache.py ``count``) instead of its
    ``add`` then ``incr``: every anonymous page makes it. Its key and window
    are django-ratelimit's own (private helpers of the pinned version), so
    both count the same requests."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    rate = settings.ANONYMOUS_RATES[group]
    limit, period = _split_rate(rate)
    value = _client_key(name, request)
    window = _get_window(value, period)
    count = cache.count(
        _make_cache_key(name, window, rate, value, ALL), period + EXPIRATION_FUDGE
    )
    return {
        "count": count,
        "limit": limit,
        "should_limit": count > limit,
        "time_left": window - int(time.time()),
    }


class AnonymousApiThrottle(AnonRateThrottle):
    """DRF's anonymous throttle on the shared cache, keyed on the client address
    as core/clientip.py defines it; it lets requests through if the cache is
    down rather than failing them.

    On Redis (core.cache.RedisCache) the count is DRF's own sliding log, kept
    in Redis and updated by one script (``SLIDING_LOG``): one round trip a
    request instead of DRF's read and write, and no read-then-write race
    between workers."""

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        if client_ip(request) in settings.RATE_LIMIT_EXEMPT:
            return True
        self.log = None
        try:
            if self.rate is not None and hasattr(self.cache, "run_script"):
                return self.allow_in_redis(request, view)
            return super().allow_request(request, view)
        except Exception:
            logger.exception("API throttle not counted: the cache did not answer")
            return True

    def allow_in_redis(self, request, view):
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        allowed, length, oldest = self.cache.run_script(
            SLIDING_LOG,
            # Not DRF's key: its value there is a pickled list.
            keys=[f"log:{self.key}"],
            args=[repr(self.now), self.duration, self.num_requests],
        )
        self.log = (length, float(oldest) if oldest is not None else None)
        return bool(allowed)

    def wait(self):
        if self.log is None:
            return super().wait()
        # DRF's wait(), from the log's length and oldest time.
        length, oldest = self.log
        remaining = self.duration - (self.now - oldest) if length else self.duration
        available = self.num_requests - length + 1
        if available <= 0:
            return None
        return remaining / float(available)


class _FailOpenThrottle(SimpleRateThrottle):
    """A throttle that lets requests through when the cache does not answer:
    /readyz reports the cache, and the token endpoint's password guessing is
    still locked out by django-axes, which counts in the database."""

    def allow_request(self, request, view):
        # The key first, unguarded: a body that cannot be parsed (the username's
        # source) is the client's error, answered 400 or 415, not the cache's.
        self.get_cache_key(request, view)
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.exception("Token throttle not counted: the cache did not answer")
            return True


class TokenAddressThrottle(_FailOpenThrottle):
    """The token endpoint, per client address (the ``token`` rate)."""

    scope = "token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class TokenAccountThrottle(_FailOpenThrottle):
    """The token endpoint, per username asked for, whatever the address (the
    ``token-account`` rate). Usernames are compared case-insensitively and kept
    in the cache only as a hash."""

    scope = "token-account"

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        if not isinstance(username, str) or not username.strip():
            return None  # nothing to count; the address limit still applies
        digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def cache_answers():
    """True when the cache takes a write and gives it back (for /readyz)."""
    try:
        cache.set("readyz", "ok", 10)
        return cache.get("readyz") == "ok"
    except Exception:
        logger.exception("The cache did not answer")
        return False
