"""An analyst's journeys through the public site, in a real browser, plus axe-core."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Status
from tests import factories
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def records():
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    poland = factories.country("PL", "Poland", name_lt="Lenkija")
    cyber_source = factories.source(
        url="https://www.example.org/killnet-ddos", title="Killnet claims DDoS"
    )
    cyber = factories.threat(
        title="DDoS attacks on Lithuanian state websites",
        slug="ddos-2022",
        category=factories.category("cyber-attack"),
        summary="Pro-Russian hackers flooded public websites.",
        sources=[cyber_source],
        targets=[lithuania],
        occurred_start=datetime.date(2022, 6, 27),
        occurred_start_precision="day",
        latitude=Decimal("54.68300"),
        longitude=Decimal("25.31700"),
        location_name="Vilnius",
    )
    factories.attribution(
        entry=cyber, actor_obj=factories.actor(name="Killnet", slug="killnet")
    )
    factories.threat(
        title="Zapad-2021 strategic exercise",
        slug="zapad-2021",
        category=factories.category("military-build-up"),
        occurred_start=datetime.date(2021, 9, 1),
        occurred_start_precision="month",
    )
    organisation = factories.organisation(
        name="North Atlantic Treaty Organization", acronym="NATO", slug="nato"
    )
    factories.membership(
        organisation,
        lithuania,
        joined=datetime.date(2004, 3, 29),
        joined_precision="day",
    )
    factories.agreement(
        title="Defence cooperation agreement", slug="dca", parties=[lithuania, poland]
    )
    exercise = factories.exercise(
        name="Air shield 2024",
        slug="air-shield-2024",
        domain="air",
        hosts=[lithuania],
        participants=[lithuania, poland],
    )
    factories.location(
        exercise,
        name="Šiauliai Air Base",
        country=lithuania,
        latitude=Decimal("55.89389"),
        longitude=Decimal("23.39472"),
    )
    return {"threat": cyber, "exercise": exercise, "source": cyber_source}


def test_from_home_to_a_filtered_threat_and_its_source(page, records, outside_requests):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Threats"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Threat entries")
    page.locator("#facet-category").locator("xpath=..").get_by_role(
        "link", name="Cyber attack"
    ).click()
    expect(page).to_have_url("/threats/?category=cyber-attack", ignore_case=True)
    records_list = page.locator("ol.records")
    expect(records_list).to_contain_text("DDoS attacks on Lithuanian state websites")
    expect(records_list).not_to_contain_text("Zapad-2021")
    records_list.get_by_role(
        "link", name="DDoS attacks on Lithuanian state websites"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "DDoS attacks on Lithuanian state websites"
    )
    source_link = page.locator(".sources").get_by_role(
        "link", name="Killnet claims DDoS"
    )
    expect(source_link).to_have_attribute(
        "href", "https://www.example.org/killnet-ddos"
    )
    expect(page.locator(".sources")).to_contain_text("Example News")
    assert outside_requests == []


def test_search_without_accents_finds_siauliai(page, records):
    page.goto("/")
    page.get_by_role("search").first.get_by_role("searchbox").fill("Siauliai")
    page.get_by_role("search").first.get_by_role("button", name="Search").click()
    expect(page).to_have_url("/search/?q=Siauliai", ignore_case=True)
    expect(page.locator("main")).to_contain_text("Air shield 2024")


def test_switch_to_lithuanian_and_back(page, records):
    page.goto("/threats/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("form.language button[value=lt]").click()
    expect(page.locator("html")).to_have_attribute("lang", "lt")
    # The same page at its Lithuanian URL, which can be shared (config/urls.py).
    expect(page).to_have_url(re.compile(r"/lt/threats/$"))
    expect(page.get_by_role("navigation").first).to_contain_text("Grėsmės")
    page.locator("form.language button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"://[^/]+/threats/$"))
    expect(page.get_by_role("navigation").first).to_contain_text("Threats")


def test_map_shows_markers_whose_popups_link_to_the_records(
    page, records, outside_requests
):
    page.goto("/map/")
    markers = page.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible(timeout=10_000)
    hrefs = set()
    for index in range(markers.count()):
        markers.nth(index).click()
        popup = page.locator(".leaflet-popup-content").last
        expect(popup).to_be_visible()
        hrefs |= {link.get_attribute("href") for link in popup.locator("a").all()}
    assert "/threats/ddos-2022/" in hrefs
    assert "/exercises/air-shield-2024/" in hrefs
    assert outside_requests == []


PAGES = [
    "/",
    "/organisations/",
    "/organisations/nato/",
    "/agreements/",
    "/agreements/dca/",
    "/exercises/",
    "/exercises/air-shield-2024/",
    "/threats/",
    "/threats/ddos-2022/",
    "/countries/",
    "/countries/LT/",
    "/search/?q=Siauliai",
    "/timeline/",
    "/map/",
    "/retractions/",
]


def settle(page, path):
    """The page as a reader sees it, before axe reads it: loaded (goto waits
    for that), and on the map, its records drawn (map.js fetches them after
    the load). Waiting for the network to go quiet on every page instead cost
    half a second of idle time each."""
    if path.startswith("/map/"):
        expect(page.locator(".leaflet-marker-icon").first).to_be_visible(timeout=10_000)


def test_no_serious_accessibility_violations_on_desktop(
    page, records, outside_requests
):
    found = {}
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        settle(page, path)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    assert outside_requests == []


def test_no_serious_accessibility_violations_on_a_phone(phone, records):
    found = {}
    for path in PAGES:
        phone.goto(path)
        settle(phone, path)
        violations = serious_violations(phone)
        if violations:
            found[path] = violations
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{path} is {width}px wide on a 390px screen"
    assert found == {}


def test_a_retracted_threat_entry_leaves_only_its_notice(page, records):
    retracted = factories.threat(
        title="Drone swarm over Vilnius",
        slug="drone-swarm",
        summary="Lights in the sky over the old town.",
        publication_status=Status.RETRACTED,
        retracted_at=timezone.now(),
        retraction_reason="The lights were a licensed drone show.",
    )

    response = page.goto(retracted.get_absolute_url())

    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Drone swarm over Vilnius"
    )
    notice = page.locator(".retraction-notice")
    expect(notice).to_contain_text("This threat entry was retracted on")
    expect(notice).to_contain_text("The lights were a licensed drone show.")
    expect(page.locator("main")).not_to_contain_text("Lights in the sky")
    assert serious_violations(page) == []

    page.goto("/threats/")
    records_list = page.locator("ol.records")
    expect(records_list).to_contain_text("DDoS attacks on Lithuanian state websites")
    expect(records_list).not_to_contain_text("Drone swarm over Vilnius")

    page.get_by_role("contentinfo").get_by_role("link", name="Retractions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retractions")
    expect(page.locator("main")).to_contain_text("Drone swarm over Vilnius")
    expect(page.locator("main")).to_contain_text(
        "The lights were a licensed drone show."
    )
    assert serious_violations(page) == []


def test_the_map_asks_for_its_records_once_and_gets_them(page, records):
    """The records are fetched once and the answer arrives: with a preload of
    data.json beside map.js's fetch, Chromium held the second request on its
    cache lock (the first answer must be revalidated) and the map page never
    went quiet for 20 s."""
    asked, answered = [], []
    page.on("request", lambda r: "/map/data.json" in r.url and asked.append(r.url))
    page.on(
        "requestfinished",
        lambda r: "/map/data.json" in r.url and answered.append(r.url),
    )
    page.goto("/map/")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible(timeout=10_000)
    page.wait_for_load_state("networkidle", timeout=10_000)
    assert len(asked) == 1, asked
    assert answered == asked
    # A second visit revalidates (304) and still shows the records.
    page.goto("/map/")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible(timeout=10_000)
    page.wait_for_load_state("networkidle", timeout=10_000)
    assert len(asked) == 2 and answered == asked, asked
