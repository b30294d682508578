"""Every facet option of every list page narrows the list to the rows it counts.

A facet whose parameter no filter reads shows counts but filters nothing (the
organisations' "Founded" and the agreements' "Signed" years did): clicking it
must give exactly the count it showed. A test checks that the pages named here
are every faceted list the URLconf has."""

from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.views import AtlasListView
from tests import extreme


def list_pages(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if getattr(pattern.pattern, "language_prefix", None) is not None:
                continue  # the /lt/ copies of the same pages
            yield from list_pages(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            route = str(pattern.pattern)
            if (
                view_class
                and issubclass(view_class, AtlasListView)
                and view_class.facets
                and "<" not in route
            ):
                yield "/" + (prefix + route).lstrip("^").rstrip("$")


pytestmark = pytest.mark.django_db

PAGES = ["/organisations/", "/agreements/", "/exercises/", "/threats/", "/sources/"]


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The extreme records, built once for the module."""
    with django_db_blocker.unblock(), extreme.rolled_back() as records:
        yield records


def test_every_faceted_list_page_is_checked():
    assert set(list_pages()) == set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_facet_option_gives_the_rows_it_counts(client, data, page, subtests):
    response = client.get(page)
    assert response.status_code == 200
    facets = response.context["facets"]
    checked = 0
    for facet, options in facets:
        for option in options:
            with subtests.test(facet=facet.param, value=option.value):
                narrowed = client.get(
                    page + "?" + urlencode({facet.param: option.value})
                )
                assert narrowed.status_code == 200
                assert narrowed.context["paginator"].count == option.count, (
                    f"{facet.param}={option.value} counted {option.count} rows, "
                    f"the list shows {narrowed.context['paginator'].count}"
                )
                checked += 1
    assert checked, f"{page}: no facet offered any option"
