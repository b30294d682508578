"""Middleware for running the Atlas as a service: health checks, a database
outage answered 503, request-size limits, NUL characters in the admin and the
Content-Security-Policy."""

import logging
import sys
import time

from csp.middleware import CSPMiddleware
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from core.ratelimit import cache_answers

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait while the database is unreachable.
RETRY_AFTER = 5


class HealthCheckMiddleware:
    """``/healthz``: the process answers (no database, no cache). ``/readyz``: the
    database and the cache answer too, 503 otherwise; load balancers and compose
    send traffic only to a ready server.

    First in the chain, so no host check, HTTPS redirect, session or rate limit
    stands between a probe and its answer, and neither reveals anything.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path_info == "/readyz":
            return self.readiness()
        return self.get_response(request)

    @staticmethod
    def readiness():
        started = time.monotonic()
        checks = {"database": database_answers(), "cache": cache_answers()}
        ready = all(checks.values())
        response = JsonResponse(
            {
                "status": "ok" if ready else "unavailable",
                **{name: "ok" if ok else "unavailable" for name, ok in checks.items()},
                "seconds": round(time.monotonic() - started, 3),
            },
            status=200 if ready else 503,
        )
        if not ready:
            response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response


def database_answers():
    try:
        # Django's request_started handler has already replaced a connection
        # the server dropped (CONN_HEALTH_CHECKS).
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        logger.warning("The database did not answer", exc_info=True)
        connection.close()
        return False


def is_database_unavailable(error):
    # Only "cannot reach it": a constraint or data error (also DatabaseErrors)
    # is a bug or bad input, never a reason to ask the client to retry.
    return isinstance(error, OperationalError | InterfaceError)


@receiver(got_request_exception, dispatch_uid="atlas-database-unavailable")
def note_database_unavailable(sender, request=None, **kwargs):
    """Django sends this signal from inside its exception handling, for an error
    raised by a view or by any middleware, before it builds the 500 response (the
    debug page with DEBUG on). The middleware below turns that response into 503.
    """
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        request.atlas_database_unavailable = True


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with ``Retry-After``, on pages and in the
    API, with DEBUG on or off.

    Each middleware's errors become responses where they are raised (Django wraps
    every layer), so this layer cannot catch them; it replaces the 500 response
    of a request the signal receiver above marked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "atlas_database_unavailable", False):
            # The failed connection is not reused by the next request.
            connection.close()
            return database_unavailable_response(request)
        return response


def database_unavailable_response(request):
    wants_json = request.path.startswith("/api/") or request.GET.get("format") in (
        "json",
        "geojson",
    )
    if wants_json:
        response = JsonResponse(
            {"detail": _("Database temporarily unavailable.")},
            status=503,
        )
    else:
        response = HttpResponse(
            loader.render_to_string("503.html", request=None), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class RequestLimitsMiddleware:
    """400, not a slow page or a 500, for a query string with too many
    parameters or too many characters (``MAX_QUERY_PARAMETERS``,
    ``MAX_QUERY_STRING_LENGTH``). Bodies with more than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields are Django's own 400."""

    def __init__(self, get_response):
        from django.conf import settings

        self.max_parameters = settings.MAX_QUERY_PARAMETERS
        self.max_length = settings.MAX_QUERY_STRING_LENGTH
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        parameters = sum(1 for part in query.replace(";", "&").split("&") if part)
        if parameters > self.max_parameters:
            return self.bad_request(
                request,
                _("Too many query parameters (at most %(limit)s).")
                % {"limit": self.max_parameters},
            )
        if len(query) > self.max_length:
            return self.bad_request(
                request,
                _("The query string is too long (at most %(limit)s characters).")
                % {"limit": self.max_length},
            )
        return self.get_response(request)

    @staticmethod
    def bad_request(request, message):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain")


class AdminNullCharacterMiddleware:
    """400 with a message for a NUL character in an admin request: its path, its
    query string (changelist search and filters, autocomplete terms) or a form
    field it posts.

    PostgreSQL text cannot hold NUL, so a NUL that reaches a query is a
    ``DataError`` (a 500). The public pages' and the API's filters already answer
    it with a message per field (core/filtersets.py); the admin builds queries
    from any parameter (``?title__icontains=``), so it is refused here, before
    any of them runs.
    """

    PREFIX = "/admin/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(self.PREFIX) and self.has_null(request):
            return HttpResponse(
                _(
                    "The request contains a null character (NUL), which the Atlas "
                    "cannot store or search for. Remove it and try again."
                ),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    @staticmethod
    def has_null(request):
        if "\x00" in request.path_info:
            return True
        parameters = [request.GET]
        if request.method == "POST":
            # Form bodies only (urlencoded or multipart); others give an empty
            # QueryDict without reading the body.
            parameters.append(request.POST)
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for query in parameters
            for key, values in query.lists()
        )


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with one page-specific exception: Redoc builds its
    styles at run time (styled-components writes <style> elements), so
    ``/api/v1/redoc/`` may use inline styles and a worker from a blob (its search
    index). Scripts stay ``'self'`` everywhere."""

    REDOC_PATH = "/api/v1/redoc/"

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info == self.REDOC_PATH and not report_only:
            parts.update = {
                **(parts.update or {}),
                "style-src": ["'unsafe-inline'"],
                "worker-src": ["'self'", "blob:"],
            }
        return parts
