from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from alliances import urls as alliances_urls
from config.pages import countries, home, maps, search, timeline
from config.pages.retractions import RetractionListView
from core.locale import language_patterns
from core.views import server_error

admin.site.site_header = _("Baltic Security Atlas")
admin.site.site_title = _("Baltic Security Atlas")
admin.site.index_title = _("Editors' desk")
# No list of every model down the left of each admin page: with it, a change
# list's columns and its filters did not fit a 1280-pixel screen. The home page
# and the breadcrumbs lead to every list.
admin.site.enable_nav_sidebar = False

# The country profile lists exercises and threat entries too: a page of the
# composition layer, kept under the alliances namespace its links have always used.
alliances_pages = (
    [
        *alliances_urls.urlpatterns,
        path(
            "countries/<str:iso2>/",
            countries.CountryDetailView.as_view(),
            name="country_detail",
        ),
    ],
    alliances_urls.app_name,
)

# The public pages, in English at their own URLs and in Lithuanian under /lt/
# (core/locale.py: i18n_patterns with prefix_default_language=False, whose
# unprefixed URLs also answer a reader whose cookie says Lithuanian), their feeds, calendars and exports with them: /lt/threats/feed/
# is the Lithuanian feed. The API, the admin and the language switch are not
# prefixed (/lt/api/ is not found): the API answers in the Accept-Language's
# language, and its links to pages are the English ones.
pages = [
    path("", home.HomeView.as_view(), name="home"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("timeline/", timeline.TimelineView.as_view(), name="timeline"),
    path("map/", maps.MapView.as_view(), name="map"),
    path("map/data.json", maps.MapDataView.as_view(), name="map_data"),
    path("retractions/", RetractionListView.as_view(), name="retractions"),
    path("", include(alliances_pages)),
    path("", include("exercises.urls")),
    path("", include("threats.urls")),
]

urlpatterns = [
    path("api/", RedirectView.as_view(url="/api/v1/", permanent=False)),
    path("api/v1/", include("config.api_urls")),
    # Without CSRF: choosing a language is harmless if another site makes the
    # choice, and a token in the form would set a cookie on every page, which
    # keeps shared caches from storing any (core/httpcache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    *language_patterns(*pages),
]

handler500 = server_error
