"""The charts draw in Lithuanian: a real browser lays out every bar.

Lithuanian number formatting once turned the SVG's "11.55%" into "11,55%", which
a browser cannot read: the bars were laid out with no size and the charts were
blank. Here the reader switches to Lithuanian with the header's language
buttons, and every bar and swatch of every chart must take up room on screen.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from config.pages.home import add_months
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

# The drawn shapes of every chart on the page (a <defs> pattern's tiles are
# templates, not drawn where they stand).
SHAPE_BOXES = """() => Array.from(document.querySelectorAll(
    "figure svg rect, figure svg path"
)).filter((shape) => !shape.closest("defs")).map((shape) => {
    const box = shape.getBoundingClientRect();
    return {tag: shape.tagName, width: box.width, height: box.height,
            html: shape.outerHTML.slice(0, 120)};
})"""


@pytest.fixture
def charted():
    today = timezone.localdate()
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    poland = factories.country("PL", "Poland", name_lt="Lenkija")
    organisation = factories.organisation(
        name="Baltic Defence Forum", slug="baltic-defence-forum"
    )
    for country, year in ((lithuania, 2004), (poland, 1999)):
        factories.membership(
            organisation,
            country,
            joined=datetime.date(year, 3, 29),
            joined_precision="day",
        )
    factories.membership(organisation, factories.country("LV", "Latvia"))
    factories.membership(
        factories.organisation(name="Nordic-Baltic Eight", slug="nb8"),
        lithuania,
        joined=datetime.date(1992, 1, 1),
        joined_precision="year",
        left=datetime.date(2000, 1, 1),
        left_precision="year",
    )
    factories.membership(factories.organisation(), lithuania)  # start unknown
    for months_ago, slug in ((0, "cyber-attack"), (2, "sabotage"), (7, "espionage")):
        factories.threat(
            category=factories.category(slug),
            occurred_start=add_months(today, -months_ago),
            occurred_start_precision="month",
            targets=[lithuania],
        )


def shapes_without_room(page, url):
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "lt"
    shapes = page.evaluate(SHAPE_BOXES)
    assert len([s for s in shapes if s["tag"] == "rect"]) >= 3, url
    return [s for s in shapes if not (s["width"] > 0 and s["height"] > 0)]


def test_every_chart_shape_has_a_size_in_lithuanian(page, charted):
    page.goto("/")
    page.locator("form.language button[value=lt]").click()
    # The switch is a POST that sets the language: wait for its answer before
    # the next page is asked for, or the next goto can cut it off.
    expect(page.locator("html")).to_have_attribute("lang", "lt")

    for url in ("/", "/organisations/baltic-defence-forum/", "/countries/LT/"):
        assert shapes_without_room(page, url) == [], url
    # Lithuanian names in the charts, too.
    page.goto("/")
    legend = page.locator("figure.threat-chart ul.legend")
    assert "Kibernetinė ataka" in legend.inner_text()
    page.goto("/organisations/baltic-defence-forum/")
    assert "Lietuva" in page.locator("figure.membership-chart svg").text_content()
