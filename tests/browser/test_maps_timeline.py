"""The record maps, the country profile's map, the bounded map page and the
timeline's chart in a real browser: drawn, linked, axe-clean, and nothing asked
of any host but the site's own."""

import datetime
import ipaddress
import re
import socket
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places():
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    cable = factories.threat(
        title="Cable damaged east of Gotland",
        slug="cable-gotland",
        category=factories.category("sabotage"),
        occurred_start=datetime.date(2024, 11, 18),
        occurred_start_precision="day",
        location_name="East of Gotland",
        latitude=Decimal("57.20000"),
        longitude=Decimal("19.80000"),
        geo_precision="sea_area",
        sea_area="baltic_sea",
        targets=[lithuania],
    )
    factories.attribution(
        entry=cable, actor_obj=factories.actor(name="Unknown vessel", slug="vessel")
    )
    for n in range(5):
        factories.threat(
            title=f"DDoS wave {n}",
            category=factories.category("cyber-attack"),
            occurred_start=datetime.date(2023, 1 + n, 1),
            occurred_start_precision="month",
            location_name="Vilnius",
            location_country=lithuania,
            latitude=Decimal("54.68300"),
            longitude=Decimal("25.31700"),
        )
    factories.agreement(
        title="Defence cooperation agreement",
        slug="dca",
        signed=datetime.date(2019, 5, 1),
        signed_precision="month",
    )
    exercise = factories.exercise(
        name="Iron Wolf 2022",
        slug="iron-wolf-2022",
        start=datetime.date(2022, 6, 6),
        start_precision="day",
    )
    factories.location(
        exercise,
        name="Pabradė",
        latitude=Decimal("54.98333"),
        longitude=Decimal("25.78333"),
    )
    return cable


def watch_hosts(page):
    """Every host the page asks anything of."""
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
    return hosts


def assert_only_loopback(hosts, live_server):
    """Every request went to the live server, on 127.0.0.1 (its name,
    ``localhost``, resolves there and nowhere else)."""
    assert hosts == {urlsplit(live_server.url).hostname}, hosts
    for host in hosts:
        for *_rest, address in socket.getaddrinfo(host, None, socket.AF_INET):
            assert ipaddress.ip_address(address[0]) == ipaddress.ip_address("127.0.0.1")


def test_a_threat_entry_shows_its_place_on_an_offline_map(
    page, places, outside_requests, live_server
):
    hosts = watch_hosts(page)

    page.goto("/threats/cable-gotland/")

    record_map = page.locator(".record-map.is-ready")
    expect(record_map).to_be_visible(timeout=10_000)
    # The borders layer (Natural Earth, from the site) and the entry's marker.
    expect(record_map.locator(".leaflet-overlay-pane path").first).to_be_attached()
    assert record_map.locator(".leaflet-overlay-pane path").count() > 10
    expect(record_map.locator(".leaflet-marker-icon")).to_have_count(1)
    assert record_map.locator(".leaflet-tile").count() == 0
    page.wait_for_load_state("networkidle", timeout=10_000)
    assert outside_requests == []
    assert_only_loopback(hosts, live_server)
    assert serious_violations(page) == []


def test_the_record_map_on_a_phone(phone, places, outside_requests):
    phone.goto("/exercises/iron-wolf-2022/")

    expect(phone.locator(".record-map.is-ready")).to_be_visible(timeout=10_000)
    expect(phone.locator(".record-map .leaflet-marker-icon")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    assert serious_violations(phone) == []
    assert outside_requests == []


def test_the_country_profile_maps_its_entries(
    page, places, outside_requests, live_server
):
    hosts = watch_hosts(page)

    page.goto("/countries/LT/")

    expect(page.locator(".record-map.is-ready")).to_be_visible(timeout=10_000)
    # The Vilnius entries (one spot) and the cable, from the bounded map data.
    expect(page.locator(".record-map .leaflet-marker-icon").first).to_be_visible(
        timeout=10_000
    )
    expect(page.locator("table.threat-summary")).to_contain_text("2023")
    expect(page.locator(".top-actors")).to_contain_text("Unknown vessel")
    page.wait_for_load_state("networkidle", timeout=10_000)
    assert_only_loopback(hosts, live_server)
    assert outside_requests == []
    assert serious_violations(page) == []


def test_the_map_page_asks_for_the_view_shown(page, places, outside_requests):
    asked = []
    page.on("request", lambda r: "/map/data.json" in r.url and asked.append(r.url))

    page.goto("/map/")

    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible(
        timeout=10_000
    )
    assert "bbox=" in asked[0] and "zoom=" in asked[0]
    # The sea area's name and count are written on the map.
    expect(page.locator(".map-sea-label")).to_contain_text("Baltic Sea")
    # A label, not a marker: nothing to click or tab to.
    assert page.locator(".leaflet-marker-icon .map-sea-label").count() == 0
    assert serious_violations(page) == []
    # Zooming in asks again, for the smaller area now shown.
    with page.expect_request(lambda r: "/map/data.json" in r.url) as zoomed:
        page.locator(".leaflet-control-zoom-in").click()
    assert "zoom=" in zoomed.value.url and zoomed.value.url != asked[0]
    assert outside_requests == []


def test_the_timeline_chart_links_marks_to_records(page, places, outside_requests):
    page.goto("/timeline/")

    chart = page.locator("svg.timeline-svg")
    expect(chart).to_be_visible()
    expect(chart.locator(".lane-label")).to_have_count(3)
    # 2023 holds five threat entries: a bar to their list; the agreement is a dot.
    expect(chart.locator("a.density")).to_have_count(1)
    chart.locator('a.mark[href="/agreements/dca/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Defence cooperation agreement"
    )
    page.go_back()
    page.locator("svg.timeline-svg a.density").click()
    expect(page).to_have_url(re.compile(r"year=2023"))
    page.goto("/timeline/")
    page.get_by_role("link", name="Zoom in").click()
    expect(page).to_have_url(re.compile(r"from=\d+&to=\d+"))
    assert serious_violations(page) == []
    assert outside_requests == []


def test_the_timeline_chart_on_a_phone(phone, places):
    phone.goto("/timeline/")

    expect(phone.locator("svg.timeline-svg")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392
    assert serious_violations(phone) == []
