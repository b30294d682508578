"""/api/v1/: each app's router, the root, deletions, the token endpoint and the
OpenAPI schema with its documentation (Swagger UI and Redoc, served offline)."""

from django.http import HttpResponse
from django.template import Context, Engine
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import SimpleRouter

from core import api

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


router = SimpleRouter()
router.register("deletions", api.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("", api.ApiRootView.as_view(), name="root"),
    path("", include("alliances.api.urls")),
    path("", include("exercises.api.urls")),
    path("", include("threats.api.urls")),
    path("", include(router.urls)),
    path("auth/token/", api.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
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
    re_path(r"^[\s\S]*$", api.not_found),
]
