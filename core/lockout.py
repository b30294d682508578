"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE)."""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = _(
        "Too many failed login attempts for this account or from this address. "
        "Logging in is blocked for %(minutes)s minutes; the right password is "
        "refused too until then. An administrator can lift the block sooner."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        # Rendered here: it replaces the login view's response in a middleware.
        response = render(
            request,
            "axes/lockout.html",
            {"title": _("Login blocked"), "message": message},
            status=429,
        )
    response["Retry-After"] = str(minutes * 60)
    return response
