"""The API's views besides the resources: the JSON 404 and the token endpoint."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import (
    exceptions,
    permissions,
    serializers,
)
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)

from core.api.parsers import LimitedJSONParser
from core.api.serializers import StrictJSONTypes
from core.ratelimit import TokenAccountThrottle, TokenAddressThrottle


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
@authentication_classes([])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound()


@extend_schema_serializer(component_name="AuthToken")
class TokenRequestSerializer(StrictJSONTypes, AuthTokenSerializer):
    """A username and a password, as text."""


class TokenView(ObtainAuthToken):
    """Exchange an editor's username and password for their API token.

    Throttled per client address (the ``token`` rate) and per username (the
    ``token-account`` rate), both counted in the shared cache.
    """

    throttle_classes = [TokenAddressThrottle, TokenAccountThrottle]
    # JSON only, like every other body of the API: one request body in the
    # schema (with a form body as well, generated clients' token module would
    # not import).
    parser_classes = [LimitedJSONParser]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        auth=[],
        description=(
            "Exchange a username and password for the user's API token; send it "
            "as `Authorization: Token <key>`. Throttled per client address and "
            "per username (429 with `Retry-After`), successful requests "
            "included.\n\n"
            "Public: no authentication needed."
        ),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
