"""Public pages of organisations, agreements and countries, as a reader meets them."""

import csv
import datetime
import io
import json
import re

import pytest
from django.utils.timezone import localdate

from alliances.models import Agreement, Organisation
from alliances.views import CHART_UNKNOWN_MARK, membership_timeline
from tests import factories
from tests.alliances import builders
from tests.queries import VERSION_LOOKUP

pytestmark = pytest.mark.django_db

D = datetime.date


def text(response):
    # getvalue(): CSV exports are streamed (they have no .content).
    return response.getvalue().decode()


def rows(response):
    return list(csv.DictReader(io.StringIO(text(response))))


# /organisations/


def test_organisation_list_shows_each_organisation_with_its_facts(client):
    nato = builders.alliance(
        members=2,
        name="North Atlantic Treaty Organization",
        acronym="NATO",
        type=Organisation.Type.MILITARY_ALLIANCE,
        hq="Brussels",
    )
    page = text(client.get("/organisations/"))
    assert nato.get_absolute_url() in page
    assert "North Atlantic Treaty Organization" in page
    assert "(NATO)" in page
    assert "military alliance" in page
    assert "Founded 1990" in page  # year precision, not 1990-01-01
    assert "2 member countries today" in page
    assert "Brussels" in page


def test_organisation_list_member_count_leaves_out_former_members(client):
    organisation = builders.alliance(members=2)
    factories.membership(
        organisation,
        joined=D(1999, 1, 1),
        joined_precision="year",
        left=D(2004, 1, 1),
        left_precision="year",
    )
    assert "2 member countries today" in text(client.get("/organisations/"))


def test_organisation_list_facets_count_the_filtered_rows(client):
    lt = factories.country("LT", "Lithuania")
    for _index in range(2):
        factories.membership(factories.organisation(type=Organisation.Type.MISSION), lt)
    factories.organisation(type=Organisation.Type.MILITARY_ALLIANCE)
    response = client.get("/organisations/?type=mission")
    facets = {
        (facet.param, option.label): option.count
        for facet, options in response.context["facets"]
        for option in options
    }
    assert facets[("type", "mission")] == 2
    assert ("type", "military alliance") not in facets
    assert facets[("country", "Lithuania")] == 2
    assert "2 organisations" in text(response)


def test_organisation_list_filter_by_member_country_in_the_url(client):
    lt = factories.country("LT", "Lithuania")
    member = factories.organisation(name="Has Lithuania")
    factories.membership(member, lt)
    factories.organisation(name="Without Lithuania")
    page = text(client.get("/organisations/?country=LT"))
    assert "Has Lithuania" in page
    assert "Without Lithuania" not in page


@pytest.mark.parametrize(
    "query",
    ["founded_after=2024-02-30", "type=spaceship", "q=nato%00", "country=ZZ"],
)
def test_organisation_list_bad_filter_is_a_message_not_an_error(client, query):
    factories.organisation(name="Should not be listed")
    response = client.get(f"/organisations/?{query}")
    assert response.status_code == 200
    page = text(response)
    assert "Some filters could not be applied" in page
    assert 'role="alert"' in page
    assert "Should not be listed" not in page


@pytest.mark.parametrize("size", [1, 6])
def test_organisation_list_query_count_is_fixed(
    client, django_assert_num_queries, size
):
    nato = factories.organisation()
    for _index in range(size):
        organisation = builders.alliance(members=size, parent=nato)
        builders.agreement_between(organisation, factories.country())
    # count, page rows (with member counts), facets: type, member country,
    # founded year; the form's member country and "part of" options.
    with django_assert_num_queries(7 + VERSION_LOOKUP):
        response = client.get("/organisations/")
    assert response.status_code == 200


def test_organisation_export_csv_has_the_filtered_rows_with_formulas_defused(client):
    factories.organisation(
        name="=HYPERLINK(evil)", acronym="@SUM", type=Organisation.Type.MISSION
    )
    factories.organisation(name="Not a mission")
    response = client.get("/organisations/?type=mission&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    [row] = rows(response)
    assert row["name"] == "'=HYPERLINK(evil)"
    assert row["acronym"] == "'@SUM"
    assert row["type_label"] == "mission"


def test_organisation_export_json_dates_at_their_precision(client):
    builders.alliance(members=1, name="Dated")
    data = json.loads(client.get("/organisations/?format=json").getvalue())
    assert data["count"] == 1
    [row] = data["results"]
    assert row["name"] == "Dated"
    assert row["founded"] == "1990-01-01"
    assert row["founded_precision"] == "year"
    assert row["founded_text"] == "1990"
    assert row["current_members"] == 1
    assert row["url"].endswith(f"/organisations/{row['slug']}/")


def test_organisation_export_with_bad_filter_is_400(client):
    response = client.get("/organisations/?format=csv&founded_before=soon")
    assert response.status_code == 400
    assert "founded_before" in json.loads(response.content)


# /organisations/<slug>/


@pytest.fixture
def jef():
    """JEF-like: a framework nation with unknown start, one joiner, one leaver."""
    jef = factories.organisation(
        name="Joint Expeditionary Force",
        acronym="JEF",
        slug="jef",
        founded=D(2014, 1, 1),
        founded_precision="year",
        founding_place="Wales",
        hq="Northwood",
        hq_country=factories.country("GB", "United Kingdom"),
        description="A rapidly deployable force.",
        sources=[factories.source(title="JEF launched")],
    )
    factories.membership(
        jef, factories.country("GB"), role="framework_nation", note="Leads it."
    )
    factories.membership(
        jef,
        factories.country("LT", "Lithuania"),
        role="participant",
        role_detail="since the MoU",
        joined=D(2015, 11, 30),
        joined_precision="day",
    )
    factories.membership(
        jef,
        factories.country("QL", "Leaverland"),
        joined=D(2015, 1, 1),
        joined_precision="year",
        left=D(2017, 10, 1),
        left_precision="month",
    )
    return jef


def test_organisation_detail_shows_facts_members_and_sources(client, jef):
    child = factories.organisation(name="JEF Maritime Group", parent=jef)
    page = text(client.get("/organisations/jef/"))
    assert page.count("<h1") == 1
    assert "A rapidly deployable force." in page
    assert "framework nation format" not in page  # its type is a regional format
    assert "Wales" in page and "Northwood" in page
    assert 'href="/countries/GB/"' in page
    assert child.get_absolute_url() in page
    assert 'href="/countries/LT/"' in page
    assert "since the MoU" in page
    assert "30 November 2015" in page  # day precision
    assert "October 2017" in page  # month precision
    assert "Leads it." in page
    assert "JEF launched" in page
    assert "Cite this record" in page
    assert "Last updated" in page


def test_organisation_detail_members_on_a_date(client, jef):
    response = client.get("/organisations/jef/?as_of=2016-06-01")
    page = text(response)
    assert "Members on 1 June 2016" in page
    members = [m.country.iso2 for m in response.context["members_on"]]
    assert sorted(members) == ["LT", "QL"]
    # The UK's start is not known: listed apart, not counted.
    assert "2 countries" in page
    assert [m.country.iso2 for m in response.context["start_unknown_on"]] == ["GB"]
    listed_apart = page.split("Membership date unknown")[1].split("</section>")[0]
    assert "United Kingdom" in listed_apart and "start unknown" in listed_apart
    assert "not counted above" in listed_apart


def test_organisation_detail_members_on_a_date_after_one_left(client, jef):
    response = client.get("/organisations/jef/?as_of=2018-06-01")
    assert [m.country.iso2 for m in response.context["members_on"]] == ["LT"]


def test_organisation_detail_bad_as_of_is_a_message(client, jef):
    response = client.get("/organisations/jef/?as_of=2018-02-31")
    assert response.status_code == 200
    page = text(response)
    assert "This date could not be read" in page
    assert "Members on" not in page.split("Membership history")[0].split("</form>")[1]
    assert "members_on" not in response.context


def test_organisation_detail_timeline_chart_is_svg_with_a_text_alternative(client, jef):
    page = text(client.get("/organisations/jef/"))
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title" in svg and "<desc" in svg
    # From the first known date: the UK's unknown start is not placed at the
    # founding (2014) or anywhere else.
    assert "3 memberships, drawn from 2015 to today." in svg
    assert svg.count('<g class="bar') == 3
    assert 'class="bar unknown"' in svg  # the UK, hatched
    assert "start unknown" in svg
    assert "membership date unknown" in svg  # the undated group's heading
    assert 'class="bar ended"' in svg  # Leaverland
    assert "<figcaption" in page
    assert "<table" in page  # the same memberships as text


def test_organisation_detail_as_of_marks_the_day_on_the_chart(client, jef):
    page = text(client.get("/organisations/jef/?as_of=2016-06-01"))
    assert 'class="marker"' in page
    assert "members on 1 June 2016" in page


def test_organisation_detail_lists_its_agreements_and_exercises_it_led(client, jef):
    agreement = builders.agreement_between(jef, factories.country(), title="JEF MoU")
    exercise = factories.exercise(name="JEF Warrior", lead_organisation=jef)
    page = text(client.get("/organisations/jef/"))
    assert agreement.get_absolute_url() in page
    assert exercise.get_absolute_url() in page
    assert "JEF Warrior" in page


def test_organisation_detail_404_for_unknown_slug(client):
    assert client.get("/organisations/no-such-thing/").status_code == 404


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("as_of", ["", "?as_of=2016-06-01"])
def test_organisation_detail_query_count_is_fixed(
    client, django_assert_num_queries, size, as_of
):
    organisation = builders.alliance(members=size, slug="scene")
    for _index in range(size):
        factories.organisation(parent=organisation)
        builders.agreement_between(organisation, factories.country())
        factories.exercise(lead_organisation=organisation)
    organisation.sources.add(*[factories.source() for _index in range(size)])
    # organisation with parent and HQ country; children; memberships with
    # countries; sources; agreement parties with agreements; exercises led; the
    # change log's events and its sources' events; and, with ?as_of, the members
    # on that day.
    with django_assert_num_queries(8 + bool(as_of) + VERSION_LOOKUP):
        response = client.get(f"/organisations/scene/{as_of}")
    assert response.status_code == 200


# /agreements/


def test_agreement_list_shows_type_status_date_and_parties(client):
    builders.agreement_between(
        factories.country("DE", "Germany"),
        factories.country("LT", "Lithuania"),
        "KNDS Deutschland",
        title="Leopard tanks",
        type=Agreement.Type.PROCUREMENT_CONTRACT,
        status=Agreement.Status.SIGNED,
        signed=D(2024, 12, 1),
        signed_precision="month",
        place="Berlin",
    )
    page = text(client.get("/agreements/"))
    assert "Leopard tanks" in page
    assert "procurement contract" in page
    assert "Signed December 2024, Berlin" in page
    assert "Germany · Lithuania · KNDS Deutschland" in page


def test_agreement_list_facets_and_filter(client):
    lt = factories.country("LT", "Lithuania")
    builders.agreement_between(lt, factories.country("PL", "Poland"), title="With PL")
    builders.agreement_between(lt, factories.country("LV", "Latvia"), title="With LV")
    response = client.get("/agreements/?country=PL")
    page = text(response)
    assert "With PL" in page and "With LV" not in page
    facets = {
        (facet.param, option.value): option.count
        for facet, options in response.context["facets"]
        for option in options
    }
    assert facets[("country", "LT")] == 1
    assert facets[("signed", "2020")] == 1
    assert ("country", "LV") not in facets


@pytest.mark.parametrize(
    "query", ["signed_after=31.12.2020", "type=pact", "q=%00", "status=x"]
)
def test_agreement_list_bad_filter_is_a_message_not_an_error(client, query):
    response = client.get(f"/agreements/?{query}")
    assert response.status_code == 200
    assert "Some filters could not be applied" in text(response)


@pytest.mark.parametrize("size", [1, 6])
def test_agreement_list_query_count_is_fixed(client, django_assert_num_queries, size):
    for _index in range(size):
        builders.agreement_between(
            *[factories.country() for _country in range(size)],
            factories.organisation(),
            "A company",
        )
    # count, page rows, their parties with countries and organisations; facets:
    # type, status, party country, signed year; the form's party countries;
    # the chart (core/charts.py).
    with django_assert_num_queries(9 + VERSION_LOOKUP):
        response = client.get("/agreements/")
    assert response.status_code == 200


def test_agreement_export_csv_filtered_with_formulas_defused(client):
    lt = factories.country("LT", "Lithuania")
    builders.agreement_between(
        lt, "+Company", title="=1+1", type=Agreement.Type.TREATY, value="-5 EUR"
    )
    builders.agreement_between(lt, title="Not a treaty")
    [row] = rows(client.get("/agreements/?type=treaty&format=csv"))
    assert row["title"] == "'=1+1"
    assert row["value"] == "'-5 EUR"
    assert row["parties"] == "Lithuania; +Company"  # only whole cells are escaped
    assert row["party_countries"] == "LT"


def test_agreement_export_json(client):
    builders.agreement_between(
        factories.country("LT", "Lithuania"),
        title="=Title",
        signatories=["A. Person (Minister)"],
    )
    data = json.loads(client.get("/agreements/?format=json&country=LT").getvalue())
    [row] = data["results"]
    assert row["title"] == "=Title"  # JSON is data, not a spreadsheet
    assert row["signatories"] == ["A. Person (Minister)"]
    assert row["signed"] == "2020-01-15"
    assert row["signed_text"] == "15 January 2020"


def test_agreement_export_with_bad_filter_is_400(client):
    response = client.get("/agreements/?format=json&country=ZZ")
    assert response.status_code == 400


# /agreements/<slug>/


def test_agreement_detail_shows_parties_signatories_dates_and_sources(client):
    nato = factories.organisation(name="NATO Org", acronym="NATO")
    agreement = builders.agreement_between(
        factories.country("LT", "Lithuania"),
        nato,
        "KNDS Deutschland",
        slug="deal",
        title="The deal",
        status=Agreement.Status.IN_FORCE,
        signatories=["Dovilė Šakalienė (Minister)"],
        signed=D(2024, 12, 1),
        signed_precision="month",
        entry_into_force=D(2025, 1, 1),
        entry_into_force_precision="year",
        place="Berlin",
        place_country=factories.country("DE", "Germany"),
        value="EUR 950 million",
        summary="Tanks for the army.",
        sources=[factories.source(title="Deal signed")],
    )
    page = text(client.get("/agreements/deal/"))
    assert page.count("<h1") == 1
    assert 'href="/countries/LT/"' in page
    assert nato.get_absolute_url() in page
    assert "KNDS Deutschland" in page
    assert "Dovilė Šakalienė (Minister)" in page
    assert "December 2024" in page
    assert "2025" in page
    assert "in force" in page
    assert "Berlin" in page and 'href="/countries/DE/"' in page
    assert "EUR 950 million" in page
    assert "Tanks for the army." in page
    assert "Deal signed" in page
    assert "Cite this record" in page
    assert agreement.get_absolute_url() in page


def test_agreement_detail_related_agreements(client):
    lt, de, pl = (factories.country(code) for code in ("LT", "DE", "PL"))
    agreement = builders.agreement_between(
        lt, de, slug="main", type=Agreement.Type.ROADMAP
    )
    two_shared = builders.agreement_between(
        lt, de, pl, title="Two shared", type=Agreement.Type.TREATY
    )
    same_type = builders.agreement_between(
        lt, pl, title="Same type", type=Agreement.Type.ROADMAP
    )
    builders.agreement_between(lt, pl, title="Other type", type=Agreement.Type.TREATY)
    builders.agreement_between(pl, title="Nothing shared", type=Agreement.Type.ROADMAP)
    response = client.get("/agreements/main/")
    assert list(response.context["related"]) == [two_shared, same_type]
    assert agreement not in response.context["related"]
    assert "2 shared parties" in text(response)


@pytest.mark.parametrize("size", [1, 6])
def test_agreement_detail_query_count_is_fixed(client, django_assert_num_queries, size):
    countries = [factories.country() for _index in range(size + 1)]
    agreement = builders.agreement_between(
        *countries, factories.organisation(), "Company", slug="scene"
    )
    agreement.sources.add(*[factories.source() for _index in range(size)])
    for _index in range(size):
        builders.agreement_between(*countries[:2])
    # agreement with place country; parties with countries and organisations;
    # sources; related agreements; the change log's events and its sources'
    # events.
    with django_assert_num_queries(6 + VERSION_LOOKUP):
        response = client.get("/agreements/scene/")
    assert response.status_code == 200


# /countries/


def test_country_list_counts_records_and_hides_countries_without_any(client):
    lt = factories.country("LT", "Lithuania", name_lt="Lietuva")
    builders.country_in_the_records(lt, copies=2)
    factories.country("QN", "Nowhereland")
    response = client.get("/countries/")
    page = text(response)
    assert "Lithuania" in page and "Lietuva" in page
    assert "Nowhereland" not in page
    [row] = [c for c in response.context["object_list"] if c.iso2 == "LT"]
    assert (
        row.membership_count,
        row.agreement_count,
        row.exercise_count,
        row.threat_count,
    ) == (2, 2, 4, 4)
    assert "has_records=all" in page  # the way to show all
    assert "Nowhereland" in text(client.get("/countries/?has_records=all"))


def test_country_list_search_without_accents(client):
    country = factories.country("QS", "Switzerland", name_lt="Šveicarija")
    builders.country_in_the_records(country)
    page = text(client.get("/countries/?q=Sveicarija"))
    assert "Switzerland" in page


def test_country_list_bad_filter_is_a_message(client):
    response = client.get("/countries/?q=%00")
    assert response.status_code == 200
    assert "Some filters could not be applied" in text(response)


@pytest.mark.parametrize("size", [1, 6])
def test_country_list_query_count_is_fixed(client, django_assert_num_queries, size):
    for _index in range(size):
        builders.country_in_the_records(factories.country(), copies=size)
    # count, page rows with their four counts.
    with django_assert_num_queries(2 + VERSION_LOOKUP):
        response = client.get("/countries/")
    assert response.status_code == 200


def test_country_export_csv(client):
    country = factories.country("QE", "=Evil", name_lt="Blogis")
    builders.country_in_the_records(country)
    [row] = [r for r in rows(client.get("/countries/?format=csv&q=QE")) if r]
    assert row["name"] == "'=Evil"
    assert row["iso2"] == "QE"
    assert row["exercises"] == "2"


def test_country_export_with_bad_filter_is_400(client):
    assert client.get("/countries/?format=csv&has_records=x").status_code == 400


# /countries/<ISO2>/


@pytest.fixture
def lithuania():
    lt = factories.country("LT", "Lithuania", name_lt="Lietuva")
    nato = factories.organisation(name="NATO Org", acronym="NATO")
    factories.membership(nato, lt, joined=D(2004, 3, 29), joined_precision="day")
    factories.membership(country_obj=lt)  # start unknown
    builders.agreement_between(lt, factories.country(), title="A bilateral deal")
    factories.exercise(name="Iron Wolf", hosts=[lt])
    factories.exercise(name="BALTOPS", participants=[lt])
    factories.exercise(name="At home", hosts=[lt], participants=[lt])
    factories.exercise(name="Elsewhere", hosts=[factories.country()])
    factories.threat(title="GPS jamming", targets=[lt])
    factories.threat(title="Balloons", location_country=lt)
    factories.threat(title="Far away", targets=[factories.country()])
    return lt


def test_country_detail_profile(client, lithuania):
    response = client.get("/countries/LT/")
    page = text(response)
    assert page.count("<h1") == 1
    assert "Lietuva" in page
    assert "29 March 2004" in page
    assert "<svg" in page and "start unknown" in page
    assert "A bilateral deal" in page
    assert "Iron Wolf" in page and "BALTOPS" in page and "At home" in page
    assert "Elsewhere" not in page
    roles = {e.name: (e.hosted, e.took_part) for e in response.context["exercises"]}
    assert roles == {
        "Iron Wolf": (True, False),
        "BALTOPS": (False, True),
        "At home": (True, True),
    }
    assert "GPS jamming" in page and "Balloons" in page
    assert "Far away" not in page
    assert "Cite this record" in page


def test_country_detail_code_is_case_insensitive(client, lithuania):
    response = client.get("/countries/lt/")
    assert response.status_code == 200
    assert 'rel="canonical"' in text(response)
    assert "/countries/LT/" in text(response)


@pytest.mark.parametrize("code", ["QX", "LTU", "L1", "%00L", "l%C3%A9"])
def test_country_detail_unknown_or_malformed_code_is_404(client, lithuania, code):
    assert client.get(f"/countries/{code}/").status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_country_detail_query_count_is_fixed(client, django_assert_num_queries, size):
    country = factories.country("QC", "Scene")
    builders.country_in_the_records(country, copies=size)
    # country; memberships with organisations; agreement parties with agreements;
    # exercises (hosted or taken part in); threat entries (target or location).
    with django_assert_num_queries(5 + VERSION_LOOKUP):
        response = client.get("/countries/QC/")
    assert response.status_code == 200


def test_country_detail_timeline_starts_at_the_first_known_date(client):
    country = factories.country("QC", "Scene")
    factories.membership(
        country_obj=country, joined=D(2004, 3, 29), joined_precision="day"
    )
    response = client.get("/countries/QC/")
    timeline = response.context["timeline"]
    assert timeline["start_year"] == 2004
    assert timeline["ticks"][-1]["year"] <= localdate().year


def test_timeline_without_any_known_date_spans_the_last_ten_years():
    membership = factories.membership()  # no dates, organisation founding unknown
    today = D(2024, 2, 29)
    chart = membership_timeline([("Somewhere", membership)], today=today)
    assert chart["start_year"] == 2014
    [bar] = chart["bars"]
    assert bar["unknown"] and not bar["ended"]
    # A short mark at its known end (today), not a bar from a guessed start.
    assert bar["x"] + bar["width"] == chart["plot_right"]
    assert bar["width"] == CHART_UNKNOWN_MARK
    assert "start unknown" in bar["title"]
    assert chart["unknown_group"] is not None


def test_timeline_draws_an_unknown_start_as_a_mark_at_its_end_not_from_founding():
    organisation = factories.organisation(
        founded=D(1949, 4, 4), founded_precision="day"
    )
    dated = factories.membership(
        organisation, joined=D(2004, 3, 29), joined_precision="day"
    )
    undated = factories.membership(
        organisation, left=D(2015, 1, 1), left_precision="year"
    )
    today = D(2024, 2, 29)
    chart = membership_timeline([("Undated", undated), ("Dated", dated)], today=today)
    # The axis starts at the first known date, not at the founding.
    assert chart["start_year"] == 2004
    first, second = chart["bars"]
    assert (first["label"], second["label"]) == ("Dated", "Undated")  # apart, after
    assert second["unknown"] and second["ended"]
    assert second["width"] == CHART_UNKNOWN_MARK
    # It ends where 2015 begins on the axis, and nothing is drawn before that.
    tick_2015 = next(tick["x"] for tick in chart["ticks"] if tick["year"] == 2015)
    assert second["x"] + second["width"] == pytest.approx(tick_2015, abs=0.2)
    assert chart["unknown_group"]["y"] < second["y"]
    assert first["y"] < chart["unknown_group"]["y"]


def test_membership_chart_numbers_stay_plain_in_lithuanian(client, jef):
    """SVG attributes and year labels are never localised ("11,5", "1 949")."""
    client.cookies["django_language"] = "lt"
    page = text(client.get("/organisations/jef/?as_of=2016-06-01"))
    assert "Narystės istorija" in page  # the page is in Lithuanian
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    numbers = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert numbers
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in numbers), numbers
    years = re.findall(r'text-anchor="middle">([^<]*)</text>', svg)
    assert years and all(re.fullmatch(r"\d{4}", year) for year in years), years
