"""Which address a request comes from: one rule for every limit.

The API throttles (DRF), the page limits (core/ratelimit.py) and the admin
lockout (django-axes) all count per client address, so all three must agree on
what that address is, and none may believe a header the client wrote itself.

With ``NUM_PROXIES = 0`` (no proxy in front) it is the socket's address and
``X-Forwarded-For`` is ignored. With N trusted proxies, each of which appends the
address it received the request from, it is the N-th address from the right of
``X-Forwarded-For``: whatever a client puts further left is not looked at. This
is the rule DRF applies with its ``NUM_PROXIES`` setting (``get_ident``), which
``settings.REST_FRAMEWORK`` takes from the same value.
"""

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    num_proxies = settings.NUM_PROXIES
    if not num_proxies:
        return remote
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(num_proxies, len(forwarded))]
