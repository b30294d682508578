"""Costly public results kept in the shared cache (Redis with REDIS_URL), keyed
by the data version (core/dataversion.py): after any change to public data the
version differs, so the next reader computes afresh and nothing stale is served.
The timeout (``DATA_CACHE_TIMEOUT``) only keeps unused entries from piling up.

Only results that are the same for every reader may be cached here (home page
counts, facet counts of the published lists, map data): what an editor alone
sees (drafts) must never be. The key holds the active language; ``vary`` adds
whatever else the result depends on (a query string, the date).

A cache that does not answer is logged and the result computed: Redis down
slows pages, it does not break them.
"""

import contextvars
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from core.dataversion import current_version

logger = logging.getLogger(__name__)

# The version the HTTP middleware read for this request (core/httpcache.py):
# its validators and the cached parts of its page then agree, with one query.
request_version = contextvars.ContextVar("atlas_request_version", default=None)

_MISSING = object()


def data_version():
    version = request_version.get()
    return version if version is not None else current_version()


def cache_key(name, version, vary=()):
    parts = "\x1f".join(str(part) for part in vary)
    # Hashed: query strings can be long and hold any character, which some
    # cache backends refuse in keys.
    digest = hashlib.sha256(parts.encode()).hexdigest()[:32]
    return f"data:{name}:{version}:{get_language()}:{digest}"


def in_transaction():
    """Inside a transaction that may write (the tests' own wrapping ones
    aside): what it reads may change again before it commits, under the
    version it already took, so it is neither cached nor read from the cache."""
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


def cached(name, build, *, vary=()):
    """``build()``'s result, from the cache when this data version already
    computed it in this language with these ``vary`` values."""
    if in_transaction():
        return build()
    return _cached(cache_key(name, data_version().number, vary), name, build)


def cached_for_release(name, build, *, vary=()):
    """The same for a result that depends on the code, not on the data (the
    OpenAPI schema): kept until the next release (``ATLAS_RELEASE``)."""
    return _cached(cache_key(name, settings.ATLAS_RELEASE, vary), name, build)


def _cached(key, name, build):
    try:
        value = cache.get(key, _MISSING)
    except Exception:
        logger.exception("The cache did not answer; computing %s", name)
        return build()
    if value is not _MISSING:
        return value
    value = build()
    try:
        cache.set(key, value, settings.DATA_CACHE_TIMEOUT)
    except Exception:
        logger.exception("The cache did not answer; %s not kept", name)
    return value
