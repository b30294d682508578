"""Assessments that carry information (issue 10, item 4): source reliability
read from the publishers of an entry's sources, information credibility from
how many independent publishers report it, severity required to publish, and
where an entry is placed (geo-precision, sea area) loaded from the real seed
files and shown on the pages, the map and the API."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances.models import Publisher
from core.seed import Importer, read_records
from core.workflow import WorkflowError, publish
from tests import factories
from tests.threats.builders import entry
from tests.yaml_text import load_yaml
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def cited_by(*publishers):
    """One source per publisher (a Publisher, or a name: not rated)."""
    return [factories.source(publisher=publisher) for publisher in publishers]


def token_client(user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- derived from the sources ------------------------------------------------


def test_reliability_is_the_best_letter_among_the_sources_publishers():
    wire = factories.publisher("Wire", "B")
    blog = factories.publisher("Blog", "D")
    unrated = factories.publisher("New site", "")

    obj = entry(sources=cited_by(blog, unrated, wire))

    assert obj.source_reliability == "B"
    assert obj.admiralty_code == "B2"  # three independent publishers


def test_unrated_publishers_give_not_rated_never_a_placeholder_letter():
    obj = entry(sources=cited_by("Unknown outlet"))

    assert obj.source_reliability == ""
    assert str(obj.reliability_label) == "not rated"


@pytest.mark.parametrize(
    ("publishers", "independent", "grade"),
    [
        (["One"], 1, 6),  # truth cannot be judged
        (["One", "Two"], 2, 3),  # possibly true
        (["One", "Two", "Three"], 3, 2),  # probably true
        (["One", "Two", "Three", "Four"], 4, 2),
        (["One", "ONE", "one"], 1, 6),  # spellings of one outlet count once
    ],
)
def test_credibility_follows_the_number_of_independent_publishers(
    publishers, independent, grade
):
    obj = entry(sources=cited_by(*publishers))

    assert obj.corroboration == independent
    assert obj.information_credibility == grade


def test_a_relay_of_another_publishers_text_does_not_corroborate():
    relay = factories.publisher("Aggregator (Reuters)", "D", relays_others=True)
    only_relays = entry(sources=cited_by(relay))
    with_original = entry(sources=cited_by("Reuters", relay))

    assert only_relays.corroboration == 1  # reported once, if only by a copy
    assert with_original.corroboration == 1
    assert with_original.information_credibility == 6


def test_a_reviewers_grade_wins_over_corroboration():
    obj = entry(sources=cited_by("One"), credibility_override=1)

    assert obj.information_credibility == 1
    assert not obj.credibility_is_derived


def test_rating_a_publisher_updates_its_entries_and_their_updated():
    outlet = factories.publisher("Regional paper", "")
    obj = entry(sources=cited_by(outlet))
    before = ThreatEntry.objects.get(pk=obj.pk).updated

    outlet.reliability = "C"
    outlet.save()

    obj.refresh_from_db()
    assert obj.source_reliability == "C"
    assert obj.updated > before  # API mirrors fetch it again


def test_adding_a_source_and_changing_its_publisher_update_the_entry():
    obj = entry(sources=cited_by("One"))
    second = factories.source(publisher="Two")

    obj.sources.add(second)
    obj.refresh_from_db()
    assert obj.information_credibility == 3

    second.publisher = factories.publisher("Ministry", "A")
    second.save()
    obj.refresh_from_db()
    assert obj.source_reliability == "A"


# --- severity before publishing ---------------------------------------------


def test_publishing_without_severity_is_refused_with_a_message(reviewer):
    draft = factories.threat(
        severity=None, publication_status="review", published_at=None
    )

    with pytest.raises(WorkflowError) as refused:
        publish(draft, reviewer)

    assert "Assess the severity (1-5) before publishing" in str(refused.value)
    draft.refresh_from_db()
    assert draft.publication_status == "review"


def test_publish_endpoint_refuses_an_entry_without_severity(reviewer):
    draft = factories.threat(
        severity=None, publication_status="review", published_at=None
    )

    response = token_client(reviewer).post(
        f"/api/v1/threats/{draft.slug}/publish/", {"reason": "ok"}, format="json"
    )

    assert response.status_code == 409
    assert "Assess the severity" in response.content.decode()
    draft.refresh_from_db()
    assert draft.publication_status == "review"
    # Assessed, the same entry is published.
    draft.severity = 2
    draft.save()
    response = token_client(reviewer).post(
        f"/api/v1/threats/{draft.slug}/publish/", {"reason": "ok"}, format="json"
    )
    assert response.status_code == 200


def test_clearing_the_severity_of_a_published_entry_is_a_400(editor):
    obj = factories.threat(severity=3)

    client = token_client(editor)
    url = f"/api/v1/threats/{obj.slug}/"
    response = client.patch(
        url,
        {"severity": None, "change_reason": "unsure"},
        format="json",
        HTTP_IF_MATCH=client.get(url)["ETag"],
    )

    assert response.status_code == 400
    assert "severity" in response.json()
    obj.refresh_from_db()
    assert obj.severity == 3


def test_only_reviewers_grade_credibility_through_the_api(editor, reviewer):
    obj = factories.threat()
    body = {"credibility_override": 1, "change_reason": "Confirmed by a court."}

    url = f"/api/v1/threats/{obj.slug}/"
    editing, reviewing = token_client(editor), token_client(reviewer)
    refused = editing.patch(
        url, body, format="json", HTTP_IF_MATCH=editing.get(url)["ETag"]
    )
    accepted = reviewing.patch(
        url, body, format="json", HTTP_IF_MATCH=reviewing.get(url)["ETag"]
    )

    assert refused.status_code == 400
    assert "credibility_override" in refused.json()
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["information_credibility"] == 1
    assert accepted.json()["credibility_basis"] == "reviewer"


# --- the loader reads the real seed files --------------------------------------


def _real_records(*ids):
    """countries.yaml and publishers.yaml whole, and the named threats."""
    threats = [
        record
        for record in read_records(FIXTURES / "threats.yaml")
        if record["id"] in ids
    ]
    assert len(threats) == len(ids)
    return [
        *read_records(FIXTURES / "countries.yaml"),
        *read_records(FIXTURES / "publishers.yaml"),
        *threats,
    ]


def _fixture_threat(identifier):
    for record in load_yaml((FIXTURES / "threats.yaml").read_text()):
        if record["id"] == identifier:
            return record
    raise AssertionError(identifier)


def _fixture_publishers():
    return {
        record["name"]: record
        for record in load_yaml((FIXTURES / "publishers.yaml").read_text())
    }


def test_loader_reads_the_assessment_keys_of_the_real_seed_files():
    records = load_yaml((FIXTURES / "threats.yaml").read_text())
    ids = sorted(
        {
            # three publishers, one of them not rated
            "thr-iskander-kaliningrad-2016",
            # the first placed by its sea area, and the first with coordinates
            next(r["id"] for r in records if r["location"]["sea_area"]),
            next(r["id"] for r in records if r["location"]["lat"] is not None),
        }
    )
    importer = Importer(status="published")

    assert importer.run(_real_records(*ids)), importer.rejected

    publishers = _fixture_publishers()
    for identifier in ids:
        record = _fixture_threat(identifier)
        obj = ThreatEntry.objects.get(slug=identifier.removeprefix("thr-"))
        assert obj.severity == record["severity"]
        assert obj.severity_note == record["severity_note"]
        location = record["location"]
        assert obj.geo_precision == location["geo_precision"]
        if location.get("sea_area"):
            area = obj.get_sea_area_display()
            assert location["sea_area"].startswith(str(area))
            assert obj.sea_area_detail in location["sea_area"]
        else:
            assert obj.sea_area == ""
        # Coordinates only where the file gives them, with their source.
        if location.get("lat") is None:
            assert obj.latitude is None
        else:
            assert float(obj.latitude) == pytest.approx(location["lat"])
            assert obj.coordinates_source.url == location["coordinates_source"]
        # Reliability: the best letter the publishers file gives its sources.
        letters = [
            publishers[source["publisher"]]["reliability"]
            for source in record["sources"]
        ]
        assert obj.source_reliability == min(
            (letter for letter in letters if letter), default=""
        )
    # The publishers' letters, "not rated" included, as in the file.
    for name in ("News Front", "Seven Day News"):
        stored = Publisher.objects.get(name=name)
        assert (stored.reliability or None) == publishers[name]["reliability"]


def test_loader_rejects_an_unknown_sea_area_and_precision_code():
    records = [
        *read_records(FIXTURES / "countries.yaml")[:3],
        {
            **_fixture_threat("thr-iskander-kaliningrad-2016"),
            "location": {"name": "North Sea", "sea_area": "North Sea"},
        },
        {
            **_fixture_threat("thr-iskander-kaliningrad-2018"),
            "location": {"name": "Somewhere", "geo_precision": "street"},
        },
    ]
    importer = Importer(status="published")

    assert not importer.run(records)

    messages = " ".join(text for _where, text in importer.rejected)
    assert "does not start with a known sea area" in messages
    assert "unknown code 'street'" in messages


# --- shown on the pages, the map and the API ----------------------------------


def test_detail_page_shows_the_scale_the_note_and_the_placement(client):
    obj = entry(
        title="Cable cut",
        sources=cited_by(factories.publisher("Broadcaster", "B"), "Local site"),
        severity=4,
        severity_note="Power links to Finland were down for weeks.",
        geo_precision="sea_area",
        sea_area="gulf_of_finland",
        sea_area_detail="Finnish EEZ",
    )

    page = client.get(obj.get_absolute_url()).content.decode()

    assert "Source reliability: B – usually reliable." in page
    assert "Information credibility: 3 – possibly true." in page
    assert "Reported by 2 independent publishers." in page
    assert "Power links to Finland were down for weeks." in page
    # Every level of the scale, with its definition, the entry's marked.
    for _value, label in ThreatEntry.Severity.choices:
        assert str(label) in page
    assert 'class="current" aria-current="true">4 – high' in page
    assert "Sea area: Gulf of Finland, Finnish EEZ" in page
    assert "Placed to: sea area" in page
    assert "(reliability: not rated)" in page  # the local site's source


def test_detail_page_in_lithuanian_translates_the_new_labels(client):
    obj = entry(
        sources=cited_by("Local site"),
        geo_precision="sea_area",
        sea_area="baltic_sea",
    )

    client.cookies["django_language"] = "lt"
    page = client.get(obj.get_absolute_url()).content.decode()

    assert "Jūros rajonas: Baltijos jūra" in page
    assert "Vietos tikslumas: jūros rajonas" in page
    assert "neįvertinta" in page
    assert "Rimtumo skalė" in page


def test_list_facets_count_real_letters_and_not_rated(client):
    entry(title="Rated", sources=cited_by(factories.publisher("Wire", "B")))
    entry(title="Unrated", sources=cited_by("Blog"))
    entry(title="Sea", geo_precision="sea_area", sea_area="baltic_sea")

    response = client.get("/threats/")

    facets = {facet.param: options for facet, options in response.context["facets"]}
    reliability = {
        option.value: option.count for option in facets["source_reliability"]
    }
    assert reliability == {"B": 1, "unrated": 2}
    assert {o.value: o.count for o in facets["information_credibility"]} == {"6": 3}
    assert {o.value: o.count for o in facets["sea_area"]} == {"baltic_sea": 1}
    page = response.content.decode()
    assert "not rated" in page
    unrated = client.get("/threats/?source_reliability=unrated")
    assert unrated.context["paginator"].count == 2


def test_api_shows_the_derived_rating_and_placement(client):
    obj = entry(
        sources=cited_by(factories.publisher("Ministry", "A"), "Blog"),
        severity=2,
        severity_note="A short disruption.",
        geo_precision="town",
    )

    data = client.get(f"/api/v1/threats/{obj.slug}/").json()

    assert data["source_reliability"] == "A"
    assert data["independent_publishers"] == 2
    assert data["information_credibility"] == 3
    assert data["credibility_basis"] == "corroboration"
    assert data["admiralty_code"] == "A3"
    assert data["severity_note"] == "A short disruption."
    assert data["geo_precision"] == "town"
    assert {source["reliability"] for source in data["sources"]} == {"A", None}
    unrated = entry(sources=cited_by("Blog"))
    assert (
        client.get(f"/api/v1/threats/{unrated.slug}/").json()["source_reliability"]
        is None
    )
    assert [
        row["slug"]
        for row in client.get("/api/v1/threats/?source_reliability=A").json()["results"]
    ] == [obj.slug]


def test_api_schema_defines_the_severity_scale(client):
    text = client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/json"
    ).content.decode()

    for _value, label in ThreatEntry.Severity.choices:
        assert str(label) in text


def test_map_popup_says_how_precisely_the_point_places_the_entry(client):
    source = factories.source(publisher="Wikipedia")
    entry(
        title="Arson in Vilnius",
        latitude="54.68300",
        longitude="25.31700",
        coordinates_source=source,
        geo_precision="town",
        sources=[source],
        occurred_start=datetime.date(2024, 5, 1),
    )

    data = client.get("/map/data.json").json()

    [feature] = data["features"]
    assert feature["properties"]["precision"] == "placed to: nearest town"
