"""Telling HTTP caches in front of the site (``CACHE_PURGE_URLS``) to drop
what a publication, retraction or approved revision changed.

After the change commits, each cache gets ``PURGE <path>`` for every page it
changes (the record's page and API resource, its kind's list, feeds and API
list, and the pages every publication changes, ``CACHE_PURGE_PAGES``), which
Varnish and nginx's cache-purge module understand, and one ``BAN /`` whose
``X-Ban-Url`` header holds a regular expression of the paths to drop (query
strings included: every filtered list, facet and export of the kind), for a
Varnish VCL that bans by it. A page has a URL per language (``/threats/``,
``/lt/threats/``, core/locale.py); an unprefixed URL's language comes from a
cookie or Accept-Language, so its PURGE is sent once per language of the site
with ``Accept-Language`` naming it, and a prefixed one's once, in its language. A cache that keys its
copies by language (the scale profile's nginx, ops/nginx/atlas.conf) drops
each one; Varnish, which keeps them as variants of one object, drops them all at
the first and answers the others 404.

The requests are sent from a background thread with a short timeout
(``CACHE_PURGE_TIMEOUT``): an editor's save never waits for a cache, and a cache
that does not answer is logged, never an error. The caches also revalidate on
their own: every ETag changed with the data version.
"""

import logging
import re
import threading
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from core.locale import page_url

logger = logging.getLogger(__name__)

BAN_HEADER = "X-Ban-Url"


def _reverse(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def affected_paths(record):
    """The paths whose content ``record``'s publication or retraction changes,
    at their unprefixed URLs (``language_paths`` adds the others), whatever
    the language of the editor who made the change."""
    with translation.override(settings.LANGUAGE_CODE):
        return _affected_paths(record)


def _affected_paths(record):
    opts = record._meta
    name = opts.model_name
    paths = [record.get_absolute_url()]
    for page in ("list", "feed", "calendar"):
        paths.append(_reverse(f"{opts.app_label}:{name}_{page}"))
    paths.append(_reverse(f"api:{name}-list"))
    paths.append(_reverse(f"api:{name}-detail", slug=record.slug))
    paths += [_reverse(page) for page in settings.CACHE_PURGE_PAGES]
    return list(dict.fromkeys(path for path in paths if path))


def language_paths(paths):
    """``(path, language)`` for every copy a cache may hold: an unprefixed URL in
    each language of the site (its language comes from the cookie or
    Accept-Language), and a page's URL in each other language (``/lt/threats/``),
    which is that language whoever asks (core/locale.py)."""
    languages = [code for code, _name in settings.LANGUAGES]
    copies = []
    for path in paths:
        copies += [(path, language) for language in languages]
        for language in languages:
            translated = page_url(path, language)
            if translated != path:
                copies.append((translated, language))
    return list(dict.fromkeys(copies))


def ban_pattern(paths):
    """Every affected path, with any query string."""
    alternatives = "|".join(re.escape(path) for path in paths)
    return rf"^({alternatives})(\?.*)?$"


def send(method, url, headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(  # noqa: S310 - the operator's own caches
            request, timeout=settings.CACHE_PURGE_TIMEOUT
        ) as response:
            return response.status
    except urllib.error.HTTPError as error:
        # A cache that held no copy answers 404 to PURGE: nothing to drop.
        return error.code
    except (OSError, ValueError) as error:
        logger.warning("Cache purge %s %s failed: %s", method, url, error)
        return None


def purge_now(paths):
    try:
        _purge(paths)
    except Exception:
        logger.exception("Cache purge failed")


def _purge(paths):
    for base in settings.CACHE_PURGE_URLS:
        base = base.rstrip("/")
        for path, language in language_paths(paths):
            send("PURGE", base + path, {"Accept-Language": language})
        every = list(dict.fromkeys(path for path, _language in language_paths(paths)))
        send("BAN", base + "/", {BAN_HEADER: ban_pattern(every)})


def purge_record(record):
    """Once the current transaction commits, purge ``record``'s pages in the
    background; nothing when no cache is configured."""
    if not settings.CACHE_PURGE_URLS:
        return
    paths = affected_paths(record)

    def start():
        threading.Thread(
            target=purge_now, args=(paths,), name="atlas-cache-purge", daemon=True
        ).start()

    transaction.on_commit(start)
