"""HTTP caching of what anonymous visitors read: validators, conditional
requests and ``Cache-Control``.

An anonymous request (no session cookie, no ``Authorization`` header) for a
public page, feed, calendar or API resource (GET or HEAD) is given an ``ETag``
made, before the view runs, from the data version (core/dataversion.py), the
full URL, the language, the API's ``Accept``, the day and the code's release.
A request whose ``If-None-Match`` holds that tag, or whose
``If-Modified-Since`` is not older than the version's last change, is answered
304 at once: the version lookup is its one query. Otherwise the view answers
and its 200 is marked ``public, max-age=HTTP_CACHE_MAX_AGE (0: browsers
ask again each time), s-maxage=HTTP_CACHE_SHARED_MAX_AGE (shared caches, which
the purge hook reaches), stale-while-revalidate=...``, with the ETag (a
view's own, such as the API's record ETag used for ``If-Match``, is kept),
``Last-Modified`` and ``Vary: Accept-Language, Cookie`` (the language comes
from the cookie or Accept-Language; the API also varies on ``Accept``), or
``Vary: Cookie`` alone under ``/lt/``, whose language is in the URL
(core/locale.py).

Never public: a response to a logged-in editor or to any request with a
session (``private, no-store``), one that sets a cookie, and anything but a
200 (errors, limits, outages, redirects: ``no-store`` unless the view said
otherwise).

``anonymous_page(name)`` keeps a view's rendered 200 for anonymous readers in
the shared cache (core/datacache.py), keyed like the ETag (data version,
language, day, release, URL): the home page and the map data, read far more
often than anything changes, then cost the version lookup and one cache read.
``anonymous_download(name, request, respond)`` does the same for a streamed
export (a list page's ``?format=csv|json``): its blocks are kept as they are
sent, up to ``EXPORT_CACHE_MAX_BYTES``, and the whole file is stored once the
last block has gone out.
"""

import datetime
import functools
import hashlib
import logging
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.utils.translation import get_language

from core.datacache import cache_key, in_transaction, request_version
from core.dataversion import current_version
from core.locale import language_from_path

logger = logging.getLogger(__name__)

# Never cached here: editors' pages, the language switch, the token endpoint;
# static files and health checks are answered before this middleware.
NOT_CACHED = ("/admin/", "/i18n/", "/api/v1/auth/")
API_PREFIX = "/api/"
# HTTP dates are whole seconds: a version less than this old gets no
# Last-Modified, so a later change in the same second cannot hide behind it.
LAST_MODIFIED_SETTLE = datetime.timedelta(seconds=1)


def is_anonymous(request):
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def public_etag(request, version):
    """A weak tag: the same URL, language and format at the same data version
    shows the same content, though not necessarily the same bytes."""
    parts = [
        settings.ATLAS_RELEASE,
        version.number if version is not None else "release",
        timezone.localdate().isoformat(),  # "under way", "coming up"
        get_language(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    ]
    if request.path_info.startswith(API_PREFIX):
        parts.append(request.headers.get("Accept", ""))
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f'W/"{digest[:40]}"'


def _opaque(tag):
    return tag.removeprefix("W/")


def etag_matches(request, etag):
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    tags = parse_etags(header)
    return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}


def last_modified(version):
    changed_at = version.changed_at if version is not None else None
    if changed_at is None or timezone.now() - changed_at < LAST_MODIFIED_SETTLE:
        return None
    return int(changed_at.timestamp())


def modified_since(request, version):
    """False when ``If-Modified-Since`` covers the version's last change
    (only asked without ``If-None-Match``, which wins, RFC 9110 13.2.2)."""
    if "If-None-Match" in request.headers:
        return True
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    changed = last_modified(version)
    return since is None or changed is None or changed > since


class PublicCacheMiddleware:
    """After LocaleMiddleware (the ETag holds the language) and
    AuthenticationMiddleware, and after the visitors' rate limit, so a
    revalidation counts like any request; before the history and messages
    middleware, which a 304 does not need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or request.path_info.startswith(
            NOT_CACHED
        ):
            return self.get_response(request)
        if not is_anonymous(request):
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_store=True)
            return response
        if request.path_info.startswith(settings.HTTP_CACHE_RELEASE_ONLY):
            version = None  # the same answer until the next release
        else:
            version = current_version()
        etag = public_etag(request, version)
        if etag_matches(request, etag) or not modified_since(request, version):
            return self.not_modified(request, etag, version)
        token = request_version.set(version)
        try:
            response = self.get_response(request)
        finally:
            request_version.reset(token)
        return self.mark(request, response, etag, version)

    def not_modified(self, request, etag, version):
        response = HttpResponseNotModified()
        self.mark_public(request, response, etag, version)
        return response

    def mark(self, request, response, etag, version):
        if response.status_code != 200 or response.cookies:
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, no_store=True)
            if response.cookies:
                patch_cache_control(response, private=True, no_store=True)
            return response
        if response.has_header("Cache-Control"):
            return response  # the view decided (an editor's preview: no-store)
        if not response.has_header("ETag"):
            self.mark_public(request, response, etag, version)
            return response
        # The view's own validator (an API record's, which If-Match uses) stays;
        # a client holding it may still be told "not modified".
        self.mark_public(request, response, response["ETag"], version)
        return get_conditional_response(
            request, etag=response["ETag"], response=response
        )

    @staticmethod
    def mark_public(request, response, etag, version):
        response["ETag"] = etag
        changed = last_modified(version)
        if changed is not None:
            response["Last-Modified"] = http_date(changed)
        patch_cache_control(
            response,
            public=True,
            max_age=settings.HTTP_CACHE_MAX_AGE,
            s_maxage=settings.HTTP_CACHE_SHARED_MAX_AGE,
            stale_while_revalidate=settings.HTTP_CACHE_STALE_WHILE_REVALIDATE,
        )
        # A page under /lt/ is Lithuanian whatever the request says; another
        # URL's language comes from the cookie or Accept-Language.
        vary = ["Cookie"]
        if language_from_path(request.path_info) is None:
            vary.insert(0, "Accept-Language")
        if request.path_info.startswith(API_PREFIX):
            vary.append("Accept")
        patch_vary_headers(response, vary)


def full_path(request):
    """``anonymous_page``'s default: a page differs with its whole URL."""
    return [request.get_full_path()]


def anonymous_page(name, *, vary=full_path):
    """Decorate a view's ``get``: an anonymous reader's 200 (its bytes and
    content type) is kept in the shared cache and answered from it while the
    data version, language, day, release, host and path are the same, so a
    publication shows at once (the version is in the key). ``vary(request)``
    gives what else the answer depends on (by default the query string), or
    None for a request not to be kept (a page that merely echoes any query
    string would otherwise fill the cache with a copy per query).

    Only when PublicCacheMiddleware took the request as anonymous and read its
    version (``request_version``): never for an editor, a session, a token or
    the admin. Not kept: anything but a plain 200 (a cookie set, a CSRF token
    used, the view's own Cache-Control or Vary), nor what a request bringing
    messages (flash messages, in their cookie) showed."""

    def decorator(get):
        @functools.wraps(get)
        def wrapper(view, request, *args, **kwargs):
            key = _page_key(name, request, vary)
            if key is None:
                return get(view, request, *args, **kwargs)
            try:
                kept = cache.get(key)
            except Exception:
                logger.exception("The cache did not answer; rendering %s", name)
                return get(view, request, *args, **kwargs)
            if kept is not None:
                content_type, content = kept
                return HttpResponse(content, content_type=content_type)
            response = get(view, request, *args, **kwargs)
            if callable(getattr(response, "render", None)):
                response = response.render()  # a TemplateResponse: its bytes
            if _keepable(request, response):
                try:
                    cache.set(
                        key,
                        (response["Content-Type"], response.content),
                        settings.DATA_CACHE_TIMEOUT,
                    )
                except Exception:
                    logger.exception("The cache did not answer; %s not kept", name)
            return response

        return wrapper

    return decorator


def _page_key(name, request, vary):
    version = request_version.get()
    if (
        version is None
        or request.method not in ("GET", "HEAD")
        or not is_anonymous(request)
        or CookieStorage.cookie_name in request.COOKIES
        or in_transaction()
    ):
        return None
    parts = vary(request)
    if parts is None:
        return None
    # What the page shows besides the data (public_etag's parts): the day
    # ("under way"), the code and templates (the release), the absolute URLs
    # (scheme and host) and the path; the language is in the key.
    return cache_key(
        f"page:{name}",
        version.number,
        [
            settings.ATLAS_RELEASE,
            timezone.localdate().isoformat(),
            request.scheme,
            request.get_host(),
            request.path,
            *parts,
        ],
    )


def _keepable(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.has_header("Cache-Control")
        and not response.has_header("Vary")
    )


# The headers of an export that travel with its kept bytes (the rest, such as
# Cache-Control and ETag, are the middleware's, set on every answer).
DOWNLOAD_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "X-Total-Count",
    "X-Export-Limit",
    "X-Export-Truncated",
)


def anonymous_download(name, request, respond, *, vary=full_path, keep=None):
    """``respond()``'s streamed 200 for an anonymous reader, kept in the shared
    cache under the same key as ``anonymous_page``'s (data version, language,
    day, release, host, and ``vary(request)``: by default the full URL) and
    answered from there next time.

    Kept only when ``keep(response)`` (if given) allows it before the first
    block (an export of more rows than a kept one may hold is never gathered),
    when the whole file went out (a client that hangs up midway leaves
    nothing) and when it is at most ``EXPORT_CACHE_MAX_BYTES``: past that the
    blocks gathered are dropped and the rest is streamed as it comes. Off (0)
    without a shared cache: each process would hold copies of its own."""
    limit = settings.EXPORT_CACHE_MAX_BYTES
    key = _page_key(name, request, vary) if limit else None
    if key is None:
        return respond()
    try:
        kept = cache.get(key)
    except Exception:
        logger.exception("The cache did not answer; exporting %s", name)
        return respond()
    if kept is not None:
        return _from_cache(kept)
    response = respond()
    if not (
        response.status_code == 200
        and response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and (keep is None or keep(response))
    ):
        return response
    building = f"{key}:building"
    try:
        first = cache.add(building, 1, DOWNLOAD_BUILD_SECONDS)
    except Exception:
        logger.exception("The cache did not answer; %s not kept", name)
        return response
    if not first:
        # Another worker is writing this very file (many readers asking at
        # once after a publication): wait for its copy rather than spend the
        # same seconds of CPU beside it; past the wait, write our own.
        kept = _wait_for(key, settings.EXPORT_CACHE_WAIT_SECONDS)
        if kept is not None:
            # Our own file was never started (its rows not read): dropped.
            return _from_cache(kept)
    headers = {
        header: response[header]
        for header in DOWNLOAD_HEADERS
        if response.has_header(header)
    }
    response.streaming_content = _kept_as_sent(
        key, name, headers, response.streaming_content, limit, building
    )
    return response


# How long a worker writing an export holds the others off (seconds): longer
# than writing the biggest kept file takes, so a worker that died midway
# blocks nobody for longer than this.
DOWNLOAD_BUILD_SECONDS = 120
# How often a waiting worker looks for the kept copy (seconds).
DOWNLOAD_POLL_SECONDS = 0.1


def _from_cache(kept):
    headers, content = kept
    return HttpResponse(content, headers=headers)


def _wait_for(key, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(DOWNLOAD_POLL_SECONDS)
        try:
            kept = cache.get(key)
        except Exception:
            logger.exception("The cache did not answer while waiting for %s", key)
            return None
        if kept is not None:
            return kept
    return None


def _kept_as_sent(key, name, headers, blocks, limit, building=None):
    parts, size, whole = [], 0, False
    try:
        for block in blocks:
            if parts is not None:
                size += len(block)
                # Past the limit the gathered blocks are dropped at once: memory
                # stays flat for the rest of a big export.
                parts = None if size > limit else parts
                if parts is not None:
                    parts.append(block)
            yield block
        whole = True
    finally:
        # Also when the client hung up or the export failed midway: then
        # nothing is kept, and the mark goes so others write their own.
        if whole and parts is not None:
            try:
                cache.set(key, (headers, b"".join(parts)), settings.DATA_CACHE_TIMEOUT)
            except Exception:
                logger.exception("The cache did not answer; %s not kept", name)
        if building is not None:
            try:
                cache.delete(building)
            except Exception:
                logger.exception("The cache did not answer; %s left marked", name)
