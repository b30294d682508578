"""Who sees what: the editorial workflow on every public surface.

The matrix: for each surface (detail page, list with its facets and totals, CSV
and JSON exports, search, timeline, map, Atom feeds, the .ics calendar, the home
page, country pages), a draft and a record in review are invisible to visitors,
a published record is visible, and a retracted record appears only as a
retraction (410 on its page, listed on /retractions/, absent elsewhere).
"""

import copy
import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from alliances.models import AgreementParty
from core.models import Status
from tests import factories
from tests.shared_data import module_data

pytestmark = pytest.mark.django_db

D = datetime.date
STATUSES = ("published", "draft", "review", "retracted")
HIDDEN = ("draft", "review", "retracted")
KINDS = ("organisation", "agreement", "exercise", "threat")
# Every record's body carries this, so a page that shows the body is caught.
BODY = "Body text that only the page of the record shows."
REASON = "The sources turned out to describe another event."
LIST_URLS = {
    "organisation": "/organisations/",
    "agreement": "/agreements/",
    "exercise": "/exercises/",
    "threat": "/threats/",
}
DETAIL_URLS = {
    "organisation": "/organisations/{}/",
    "agreement": "/agreements/{}/",
    "exercise": "/exercises/{}/",
    "threat": "/threats/{}/",
}


def workflow_values(status):
    """The columns that put a record in ``status`` (the factories publish)."""
    now = timezone.now()
    if status == "published":
        return {}
    if status == "retracted":
        return {
            "publication_status": Status.RETRACTED,
            "published_at": now - datetime.timedelta(days=30),
            "retracted_at": now,
            "retraction_reason": REASON,
        }
    return {
        "publication_status": Status.DRAFT if status == "draft" else Status.REVIEW,
        "published_at": None,
    }


def title(kind, status):
    """ "Quokka draft exercise": every record's title has the same search word."""
    return f"Quokka {status} {kind}"


def slug(kind, status):
    return f"quokka-{status}-{kind}"


def build(kind, status, country, copy=None):
    """A record of ``kind`` in ``status`` that names ``country`` and shows up on
    every surface its kind has (dated 2024, with coordinates)."""
    values = {"slug": slug(kind, status), **workflow_values(status)}
    name = title(kind, status)
    if copy is not None:
        values["slug"] += f"-{copy}"
        name += f" {copy}"
    if kind == "organisation":
        record = factories.organisation(name=name, description=BODY, **values)
        factories.membership(
            record, country, joined=D(2004, 3, 29), joined_precision="day"
        )
    elif kind == "agreement":
        record = factories.agreement(
            title=name,
            summary=BODY,
            parties=[country],
            signed=D(2024, 5, 2),
            **values,
        )
    elif kind == "exercise":
        record = factories.exercise(
            name=name,
            description=BODY,
            hosts=[country],
            participants=[country],
            start=D(2024, 6, 1),
            end=D(2024, 6, 9),
            end_precision="day",
            **values,
        )
        factories.location(record, latitude=Decimal("54.9"), longitude=Decimal("23.9"))
    else:
        record = factories.threat(
            title=name,
            summary=BODY,
            targets=[country],
            location_country=country,
            location_name="Quokka town",
            latitude=Decimal("54.7"),
            longitude=Decimal("25.3"),
            occurred_start=D(2024, 3, 1),
            **values,
        )
    return record


def build_scene():
    country = factories.country("XV", "Visland")
    return {
        (kind, status): build(kind, status, country)
        for kind in KINDS
        for status in STATUSES
    }


# Built once for the module (tests/shared_data.py): every test of this module
# reads them. Tests that build records of their own and count them, or need
# nothing published, are in tests/test_visibility_own_records.py.
scene_built = module_data(build_scene)


@pytest.fixture
def scene(scene_built):
    """Every kind in every status, all naming Visland: {(kind, status): record}.
    A copy of the module's, so that what a test sets on one is not seen by the
    next."""
    return copy.deepcopy(scene_built)


def text(response):
    # getvalue(): CSV exports are streamed (no .content; read them once).
    return response.getvalue().decode()


def shown(page):
    """The statuses whose record titles appear in ``page`` (any kind)."""
    return {
        status for status in STATUSES for kind in KINDS if title(kind, status) in page
    }


# -- detail pages --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_published_record_page_is_public(client, scene, kind):
    response = client.get(DETAIL_URLS[kind].format(slug(kind, "published")))

    assert response.status_code == 200
    page = text(response)
    assert BODY in page
    assert "not public" not in page
    assert "First published" in page
    assert 'id="change-log-heading"' in page


@pytest.mark.parametrize("status", ["draft", "review"])
@pytest.mark.parametrize("kind", KINDS)
def test_unpublished_record_page_is_not_found_for_visitors(client, scene, kind, status):
    response = client.get(DETAIL_URLS[kind].format(slug(kind, status)))

    assert response.status_code == 404
    assert title(kind, status) not in text(response)


@pytest.mark.parametrize("status", ["draft", "review"])
@pytest.mark.parametrize("kind", KINDS)
def test_unpublished_record_page_is_not_found_for_a_reader_without_rights(
    client, analyst, scene, kind, status
):
    client.force_login(analyst)

    response = client.get(DETAIL_URLS[kind].format(slug(kind, status)))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("status", "banner"),
    [("draft", "Draft – not public"), ("review", "In review – not public")],
)
@pytest.mark.parametrize("kind", KINDS)
def test_editor_previews_an_unpublished_record_under_a_banner(
    editor_client, scene, kind, status, banner
):
    record = scene[kind, status]

    response = editor_client.get(DETAIL_URLS[kind].format(record.slug))

    assert response.status_code == 200
    page = text(response)
    assert banner in page
    assert BODY in page
    opts = record._meta
    assert f'href="/admin/{opts.app_label}/{opts.model_name}/{record.pk}/change/"' in (
        page
    )
    assert "First published" not in page
    # A shared cache must not hand the preview to the next visitor.
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("kind", KINDS)
def test_retracted_record_page_is_gone_with_the_reason_and_nothing_else(
    client, scene, kind
):
    record = scene[kind, "retracted"]

    response = client.get(DETAIL_URLS[kind].format(record.slug))

    assert response.status_code == 410
    page = text(response)
    assert "was retracted on" in page
    assert REASON in page
    assert title(kind, "retracted") in page
    assert timezone.localtime(record.retracted_at).strftime("%Y-%m-%d") in page
    assert BODY not in page
    assert "Sources" not in page
    assert 'href="/retractions/"' in page


@pytest.mark.parametrize("kind", KINDS)
def test_retracted_record_page_is_gone_for_editors_too(editor_client, scene, kind):
    record = scene[kind, "retracted"]

    response = editor_client.get(DETAIL_URLS[kind].format(record.slug))

    assert response.status_code == 410
    assert BODY not in text(response)
    assert f"/{record.pk}/change/" in text(response)


def test_unknown_slug_is_still_a_plain_404(client, scene):
    assert client.get("/threats/quokka-nothing/").status_code == 404


# -- lists, facets, totals and exports ----------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?publication_status=draft",
        "?publication_status=review",
        "?publication_status=retracted",
        "?publication_status=draft&publication_status=published",
        "?status=draft",
        "?q=Quokka",
    ],
)
def test_list_shows_published_records_only_whatever_the_query(
    client, scene, kind, query
):
    response = client.get(LIST_URLS[kind] + query)

    assert response.status_code == 200
    assert shown(text(response)) <= {"published"}
    if "filter" in response.context and response.context["filter"].errors:
        return  # an invalid filter lists nothing at all
    assert response.context["paginator"].count == 1
    for _facet, options in response.context["facets"]:
        assert all(option.count <= 1 for option in options)


@pytest.mark.parametrize("kind", KINDS)
def test_list_facets_count_published_records(client, scene, kind):
    response = client.get(LIST_URLS[kind])

    counts = {
        option.value: option.count
        for _facet, options in response.context["facets"]
        for option in options
    }
    # Visland is named by one record of each status; only one counts.
    assert counts["XV"] == 1
    assert title(kind, "published") in text(response)


@pytest.mark.parametrize("kind", KINDS)
def test_list_is_published_only_for_editors_too(editor_client, scene, kind):
    response = editor_client.get(LIST_URLS[kind])

    assert shown(text(response)) == {"published"}
    assert response.context["paginator"].count == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("query", ["", "&publication_status=draft"])
def test_csv_export_has_published_records_only(client, scene, kind, query):
    response = client.get(f"{LIST_URLS[kind]}?format=csv{query}")

    assert response.status_code == 200
    body = text(response)
    assert shown(body) == {"published"}
    assert len(list(csv.DictReader(io.StringIO(body)))) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("query", ["", "&publication_status=review"])
def test_json_export_has_published_records_only(client, scene, kind, query):
    response = client.get(f"{LIST_URLS[kind]}?format=json{query}")

    assert response.status_code == 200
    body = text(response)
    assert json.loads(body)["count"] == 1
    assert shown(body) == {"published"}


def test_agreement_list_and_export_leave_out_unpublished_organisations_as_parties(
    client, scene
):
    agreement = scene["agreement", "published"]
    draft = scene["organisation", "draft"]
    AgreementParty.objects.create(agreement=agreement, organisation=draft)

    page = text(client.get("/agreements/"))
    exported = json.loads(client.get("/agreements/?format=json").getvalue())
    detail = text(client.get(agreement.get_absolute_url()))

    assert draft.short_name not in page
    assert str(draft) not in exported["results"][0]["parties"]
    assert title("organisation", "draft") not in detail


@pytest.mark.parametrize(
    ("url", "draft"),
    [
        ("/organisations/?parent={}", "organisation"),
        ("/exercises/?lead_organisation={}", "organisation"),
    ],
)
def test_a_filter_naming_a_draft_answers_like_an_unknown_slug(
    client, scene, url, draft
):
    unknown = client.get(url.format("no-such-organisation"))
    secret = client.get(url.format(slug(draft, "draft")))

    assert secret.status_code == unknown.status_code == 200
    assert secret.context["filter"].errors
    assert shown(text(secret)) == set()


# -- search --------------------------------------------------------------------


def found(response):
    """The statuses of the records a search page lists (titles are highlighted)."""
    return shown(
        " ".join(
            str(result.object)
            for group in response.context["groups"]
            for result in group.results
        )
    )


def test_search_finds_published_records_only(client, scene):
    response = client.get("/search/", {"q": "Quokka"})

    assert found(response) == {"published"}
    page = text(response)
    for status in HIDDEN:
        assert f"{status} threat" not in page
    counts = {group.kind.key: group.count for group in response.context["groups"]}
    assert counts == {
        "organisations": 1,
        "agreements": 1,
        "exercises": 1,
        "threats": 1,
    }
    assert response.context["exact_count"] == 4


def test_search_for_an_unpublished_title_finds_nothing(client, scene):
    for status in HIDDEN:
        response = client.get("/search/", {"q": f"{status} threat"})
        assert title("threat", status) not in text(response)


def test_editors_search_published_records_only_too(editor_client, scene):
    response = editor_client.get("/search/", {"q": "Quokka"})

    assert found(response) == {"published"}


# -- timeline and map ------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "?publication_status=draft", "?kind=threat&year=2024"]
)
def test_timeline_shows_published_records_only(client, scene, query):
    response = client.get(f"/timeline/{query}")

    assert shown(text(response)) == {"published"}
    kind_counts = {
        option.value: option.count for option in response.context["facets"]["kind"]
    }
    assert kind_counts == {"agreement": 1, "exercise": 1, "threat": 1}
    assert all(option.count == 1 for option in response.context["facets"]["category"])


@pytest.mark.parametrize("query", ["", "?publication_status=draft", "?q=Quokka"])
def test_map_data_has_published_records_only(client, scene, query):
    response = client.get(f"/map/data.json{query}")

    titles = {feature["properties"]["title"] for feature in response.json()["features"]}
    assert titles == {title("exercise", "published"), title("threat", "published")}


def test_map_page_lists_published_records_only(client, scene):
    response = client.get("/map/")

    assert shown(text(response)) == {"published"}
    assert response.context["exercise_count"] == 1
    assert response.context["threat_count"] == 1


# -- feeds and the calendar ------------------------------------------------------


@pytest.mark.parametrize("url", ["/threats/feed/", "/exercises/feed/"])
@pytest.mark.parametrize("query", ["", "?publication_status=draft"])
def test_atom_feeds_carry_published_records_only(client, scene, url, query):
    response = client.get(url + query)

    assert response.status_code == 200
    feed = text(response)
    assert shown(feed) == {"published"}
    assert feed.count("<entry>") == 1


@pytest.mark.parametrize("query", ["", "?publication_status=review"])
def test_calendar_carries_published_exercises_only(client, scene, query):
    response = client.get(f"/exercises.ics{query}")

    calendar = text(response)
    assert shown(calendar) == {"published"}
    assert calendar.count("BEGIN:VEVENT") == 1


# -- home page and countries ------------------------------------------------------


def test_home_counts_and_lists_published_records_only(client, scene):
    response = client.get("/")

    page = text(response)
    assert shown(page) <= {"published"}
    counts = {str(label): count for label, count, _url in response.context["counts"]}
    assert counts["organisations"] == 1
    assert counts["agreements"] == 1
    assert counts["exercises"] == 1
    assert counts["threat entries"] == 1
    assert counts["countries with records"] == 1
    # Each published record cites one source of its own; a membership one more.
    assert counts["sources cited"] == 5
    assert [entry.title for entry in response.context["latest_entries"]] == [
        title("threat", "published")
    ]
    assert response.context["chart"]["total"] <= 1


def test_country_profile_shows_published_records_only(client, scene):
    response = client.get("/countries/XV/")

    page = text(response)
    assert response.status_code == 200
    assert shown(page) == {"published"}
    assert len(response.context["memberships"]) == 1
    assert len(response.context["agreements"]) == 1
    assert len(response.context["exercises"]) == 1
    assert len(response.context["threats"]) == 1


def test_country_list_counts_published_records_only(client, scene):
    response = client.get("/countries/?format=json")

    [visland] = [
        row for row in json.loads(response.getvalue())["results"] if row["iso2"] == "XV"
    ]
    assert visland["memberships"] == 1
    assert visland["agreements"] == 1
    assert visland["exercises"] == 1
    assert visland["threat_entries"] == 1


# -- related records on detail pages ---------------------------------------------


def test_published_threat_hides_links_to_unpublished_exercises(client, scene):
    threat = scene["threat", "published"]
    threat.related_exercises.set([scene["exercise", status] for status in STATUSES])

    page = text(client.get(threat.get_absolute_url()))

    related = page[page.index("Related exercises") :]
    assert title("exercise", "published") in related
    assert shown(related) == {"published"}


def test_published_exercise_hides_unpublished_threats_editions_and_lead(client, scene):
    exercise = scene["exercise", "published"]
    series = factories.series()
    exercise.series = series
    exercise.lead_organisation = scene["organisation", "draft"]
    exercise.save()
    for status in HIDDEN:
        scene["threat", status].related_exercises.add(exercise)
        other = scene["exercise", status]
        other.series = series
        other.save()
    scene["threat", "published"].related_exercises.add(exercise)

    response = client.get(exercise.get_absolute_url())

    page = text(response)
    assert shown(page) == {"published"}
    assert title("threat", "published") in page
    assert response.context["other_editions"] == []
    assert response.context["lead_organisation"] is None


def test_published_organisation_hides_unpublished_relatives(client, scene):
    organisation = scene["organisation", "published"]
    for status in HIDDEN:
        child = scene["organisation", status]
        child.parent = organisation
        child.save()
        factories.exercise(
            name=f"Quokka led {status}",
            lead_organisation=organisation,
            **workflow_values(status),
        )
        AgreementParty.objects.create(
            agreement=scene["agreement", status], organisation=organisation
        )
    AgreementParty.objects.create(
        agreement=scene["agreement", "published"], organisation=organisation
    )

    response = client.get(organisation.get_absolute_url())

    page = text(response)
    assert shown(page) == {"published"}
    assert title("agreement", "published") in page
    assert response.context["children"] == []
    assert response.context["led_exercises"] == []
    assert "Quokka led" not in page


def test_child_of_an_unpublished_organisation_names_no_parent(client, scene):
    child = scene["organisation", "published"]
    child.parent = scene["organisation", "review"]
    child.save()

    response = client.get(child.get_absolute_url())

    assert response.context["parent"] is None
    assert title("organisation", "review") not in text(response)


def test_related_agreements_are_published_ones(client, scene):
    agreement = scene["agreement", "published"]

    response = client.get(agreement.get_absolute_url())

    # Every Quokka agreement has Visland as party and the same type.
    assert [other.slug for other in response.context["related"]] == []
    assert shown(text(response)) == {"published"}


# -- /retractions/ ---------------------------------------------------------------


def test_retractions_lists_each_retracted_record_newest_first(client, scene):
    now = timezone.now()
    for age, kind in enumerate(KINDS):
        record = scene[kind, "retracted"]
        type(record).objects.filter(pk=record.pk).update(
            retracted_at=now - datetime.timedelta(days=age)
        )

    response = client.get("/retractions/")

    assert response.status_code == 200
    page = text(response)
    assert shown(page) == {"retracted"}
    items = response.context["items"]
    assert [item["title"] for item in items] == [
        title(kind, "retracted") for kind in KINDS
    ]
    assert [str(item["kind"]) for item in items] == [
        "organisation",
        "agreement",
        "exercise",
        "threat entry",
    ]
    assert page.count(REASON) == 4
    assert f'href="{DETAIL_URLS["threat"].format(slug("threat", "retracted"))}"' in (
        page
    )
