"""Answers the seed data gives an analyst, through the pages and the API alike:
members of an organisation on a day (only memberships known to cover it; unknown
starts listed apart), and threat entries targeting a country (one rule for the
filter, the facet and the country profile). The real fixtures, loaded once."""

import re

import pytest

from alliances.models import Membership, Organisation
from tests.shared_data import module_data
from tests.test_fixtures import fixtures, load_seed

# Loaded once for the module; each test runs in a savepoint (tests/shared_data.py).
seed_output = module_data(load_seed)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


def api_rows(client, url):
    """Every result of an API list, following its pages."""
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows


# -- Members on a day -------------------------------------------------------------------

MEMBERS_ON = [
    ("nato", "2000-01-01", 19),
    ("nato", "2004-04-01", 26),
    ("nato", "2020-03-28", 30),
    ("nato", "2024-03-08", 32),
    ("eu", "2004-05-01", 25),
    ("eu", "2020-02-01", 27),
]


@pytest.mark.parametrize(("organisation", "day", "expected"), MEMBERS_ON)
def test_members_on_a_day_in_the_page_and_the_api(
    seeded, client, organisation, day, expected
):
    response = client.get(f"/organisations/{organisation}/?as_of={day}")
    assert response.status_code == 200
    members = response.context["members_on"]
    assert len(members) == expected, sorted(m.country.iso2 for m in members)
    assert len({m.country_id for m in members}) == expected
    assert all(m.joined is not None for m in members)
    page = response.content.decode()
    section = page.split('id="members-on-heading"')[1].split("</section>")[0]
    assert f"{expected} countries" in section

    rows = api_rows(
        client,
        f"/api/v1/memberships/?organisation={organisation}&as_of={day}&page_size=200",
    )
    assert len(rows) == expected
    assert all(row["joined"] is not None for row in rows)
    assert sorted(row["country"]["iso2"] for row in rows) == sorted(
        m.country.iso2 for m in members
    )


def test_nato_before_the_baltic_states_joined(seeded, client):
    rows = api_rows(client, "/api/v1/memberships/?organisation=nato&as_of=2000-01-01")
    members = {row["country"]["iso2"] for row in rows}
    assert not members & {"LT", "LV", "EE", "MK", "FI", "SE"}
    assert {"US", "PL", "CZ", "HU"} <= members


def test_the_uk_left_the_eu_after_its_last_day(seeded, client):
    def eu_members(day):
        url = f"/api/v1/memberships/?organisation=eu&as_of={day}&page_size=200"
        return {row["country"]["iso2"] for row in api_rows(client, url)}

    assert "GB" in eu_members("2020-01-31")
    assert "GB" not in eu_members("2020-02-01")


def test_unknown_starts_are_listed_apart_never_counted(seeded, client):
    """Every organisation: a membership with no known start is never among the
    members on a day; page and API list the same ones apart."""
    day = "2025-01-01"
    checked = 0
    for organisation in Organisation.objects.all():
        undated = set(
            Membership.objects.filter(organisation=organisation)
            .start_unknown_on(day)
            .values_list("country__iso2", flat=True)
        )
        response = client.get(f"{organisation.get_absolute_url()}?as_of={day}")
        counted = {m.pk for m in response.context["members_on"]}
        assert not counted & {m.pk for m in response.context["start_unknown_on"]}
        assert not counted & set(
            organisation.memberships.filter(joined=None).values_list("pk", flat=True)
        )
        assert {m.country.iso2 for m in response.context["start_unknown_on"]} == (
            undated
        )
        if not undated:
            continue
        checked += 1
        base = f"/api/v1/memberships/?organisation={organisation.slug}&page_size=200"
        as_of = api_rows(client, f"{base}&as_of={day}")
        assert all(row["joined"] for row in as_of), organisation.slug
        apart = api_rows(client, f"{base}&start_unknown_on={day}")
        assert {row["country"]["iso2"] for row in apart} == undated
        assert all(row["joined"] is None for row in apart)
        page = response.content.decode()
        assert "Membership date unknown" in page
        # The chart draws them as unknown: hatched marks in a group of their own.
        svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
        assert "membership date unknown" in svg
        assert svg.count('class="bar unknown') == (
            organisation.memberships.filter(joined=None).count()
        )
    assert checked >= 5  # the seed has many undated memberships


def test_every_membership_date_source_and_note_loads(seeded):
    loaded = {
        (
            m.organisation.slug,
            m.country.iso2,
            m.joined.isoformat() if m.joined else None,
        ): m
        for m in Membership.objects.select_related(
            "organisation", "country"
        ).prefetch_related("sources")
    }
    count = 0
    for record in fixtures("organisations.yaml"):
        slug = record["id"].removeprefix("org-")
        for row in record["memberships"]:
            joined = row["joined"]
            if joined:
                joined += "-01" * (2 - joined.count("-"))
            membership = loaded[(slug, row["country"], joined)]
            assert membership.joined_precision == (row["joined_precision"] or "")
            left = row["left"]
            if left:
                left += "-01" * (2 - left.count("-"))
            assert (membership.left.isoformat() if membership.left else None) == left
            assert membership.left_precision == (row["left_precision"] or "")
            if row.get("sources"):
                assert {source.url for source in membership.sources.all()} == {
                    source["url"] for source in row["sources"]
                }
                assert membership.confidence == row["confidence"]
                assert membership.notes == (row["notes"] or "").strip()
            count += 1
    assert count == Membership.objects.count() == 332


def test_founding_dates_load_from_the_fixtures(seeded, client):
    for record in fixtures("organisations.yaml"):
        organisation = Organisation.objects.get(slug=record["id"].removeprefix("org-"))
        founded = record.get("founded")
        if founded:
            founded += "-01" * (2 - founded.count("-"))
        assert (
            organisation.founded.isoformat() if organisation.founded else None
        ) == founded, organisation.slug
        assert organisation.founded_precision == (record.get("founded_precision") or "")
    page = client.get("/organisations/baltron/").content.decode()
    assert "28 August 1998" in page


# -- Threat entries targeting a country ------------------------------------------------


def test_target_filter_equals_the_country_profile_and_the_facet(seeded, client):
    from threats.models import ThreatEntry

    located = set(
        ThreatEntry.objects.published()
        .filter(location_country__iso2="LT")
        .values_list("slug", flat=True)
    )
    named = {
        record["id"].removeprefix("thr-")
        for record in fixtures("threats.yaml")
        if "LT" in (record.get("target_countries") or [])
    }
    assert located and named

    page = client.get("/threats/?target=LT")
    filtered = {entry.slug for entry in page.context["paginator"].object_list}
    assert located <= filtered and named <= filtered
    assert filtered == located | named

    api = api_rows(client, "/api/v1/threats/?target=LT&page_size=200")
    assert {row["slug"] for row in api} == filtered

    # The profile lists the newest entries (config/pages/countries.py) and
    # counts every one of them in its summary.
    from config.pages.countries import THREATS_LISTED

    profile = client.get("/countries/LT/")
    listed = [entry.slug for entry in profile.context["threats"]]
    assert set(listed) <= filtered
    assert len(listed) == min(len(filtered), THREATS_LISTED)
    assert profile.context["threat_summary"]["total"] == len(filtered)
    counted = client.get("/api/v1/countries/LT/").json()["threat_count"]
    assert counted == len(filtered)

    facets = {
        facet.param: options
        for facet, options in client.get("/threats/").context["facets"]
    }
    [lithuania] = [option for option in facets["target"] if option.value == "LT"]
    assert lithuania.count == len(filtered)
    # Every country the facet offers finds as many entries as it says.
    for option in facets["target"][:6]:
        response = client.get(f"/api/v1/threats/?target={option.value}&page_size=1")
        assert response.json()["count"] == option.count, option.value
