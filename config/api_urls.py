"""/api/v1/: each app's router, the root (built from the routers, so a resource
registered in its app's api/urls.py is listed without a change here; it also says
how many records are published and how current they are), deletions,
the token endpoint and the OpenAPI schema with its documentation (Swagger UI and
Redoc, served offline)."""

from django.http import HttpResponse
from django.template import Context, Engine
from django.urls import include, path, re_path, reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import permissions
from rest_framework.fields import DateTimeField
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from alliances.api import urls as alliances_api
from core.api.views import TokenView, not_found
from core.api.viewsets import DeletionViewSet, RevisionViewSet
from core.datacache import cached_for_release
from core.models import PublishedSummary
from exercises.api import urls as exercises_api
from threats.api import urls as threats_api

app_name = "api"

REDOC_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <title>{{ title }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="{{ schema_url }}"></redoc>
    <script src="{{ redoc_standalone }}"></script>
  </body>
</html>
"""


class RedocView(SpectacularRedocView):
    """Redoc from the sidecar package, without the web fonts the stock page
    fetches from Google: the documentation works offline."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        page = Engine().from_string(REDOC_PAGE).render(Context(response.data))
        return HttpResponse(page)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per release, language and host (it
    takes a second or more) and kept in the shared cache: it describes the
    code, not the data. As drf-spectacular's own view builds it, otherwise."""

    def _get_schema_response(self, request):
        version = (
            self.api_version or request.version or self._get_version_parameter(request)
        )

        def build():
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            return generator.get_schema(request=request, public=self.serve_public)

        schema = cached_for_release(
            "openapi-schema", build, vary=[request.get_host(), version]
        )
        filename = self._get_filename(request, version)
        return Response(
            data=schema,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )


router = SimpleRouter()
router.register("deletions", DeletionViewSet, basename="deletion")
router.register("revisions", RevisionViewSet, basename="revision")

# In the order the root lists them.
ROUTERS = [alliances_api.router, exercises_api.router, threats_api.router, router]


class ApiRootView(APIView):
    """The resources of the API, the OpenAPI schema and its documentation, the
    number of published records of each reviewed kind and the moment of the
    latest public change (the home page says the same)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={
            200: {
                "type": "object",
                "properties": {
                    "data_current_to": {
                        "type": "string",
                        "format": "date-time",
                        "nullable": True,
                        "description": "The latest change the public could see: "
                        "a record published, edited while published, retracted or "
                        "deleted. Null while nothing was ever published.",
                    },
                    "counts": {
                        "type": "object",
                        "description": "Published records per resource "
                        "(organisations, agreements, exercises, threats); drafts "
                        "and retracted records are not counted.",
                        "additionalProperties": {"type": "integer"},
                    },
                },
                "additionalProperties": {"type": "string", "format": "uri"},
            }
        }
    )
    def get(self, request, format=None):
        links = {
            prefix: request.build_absolute_uri(reverse(f"api:{basename}-list"))
            for router in ROUTERS
            for prefix, _viewset, basename in router.registry
        }
        for name in ("schema", "docs", "redoc", "token"):
            links[name] = request.build_absolute_uri(reverse(f"api:{name}"))
        summary = PublishedSummary()
        # Written like every record's ``updated``, so clients compare alike.
        links["data_current_to"] = (
            DateTimeField().to_representation(summary.current_to)
            if summary.current_to
            else None
        )
        links["counts"] = {model.api_kind: count for model, count in summary.counts}
        return Response(links)


urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    *(path("", include(router.urls)) for router in ROUTERS),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema"),
        name="docs",
    ),
    path(
        "redoc/",
        RedocView.as_view(url_name="api:schema"),
        name="redoc",
    ),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]*$", not_found),
]
