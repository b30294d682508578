"""Targets and actors that mean one thing: one rule of "targets a country" for the
filter (pages and API), its facet, the country profile and the country list; and
actor names resolved through aliases, so imports never add near-duplicates."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from core.models import Status
from tests import factories
from threats.models import Actor, ActorAlias, Attribution, ThreatEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def lithuania():
    return factories.country("LT", "Lithuania")


@pytest.fixture
def targeted(lithuania):
    """Entries targeting Lithuania three ways, and two that do not count."""
    latvia = factories.country("LV", "Latvia")
    return {
        "named": factories.threat(title="Named only", targets=[lithuania]),
        "located": factories.threat(
            title="Located only", location_country=lithuania, targets=[latvia]
        ),
        "both": factories.threat(
            title="Named and located", location_country=lithuania, targets=[lithuania]
        ),
        "elsewhere": factories.threat(
            title="Elsewhere", location_country=latvia, targets=[latvia]
        ),
        "draft": factories.threat(
            title="Draft in Lithuania",
            location_country=lithuania,
            publication_status=Status.DRAFT,
            published_at=None,
        ),
    }


def test_target_facet_counts_every_located_entry_under_other_filters(client, lithuania):
    # The category filter asks for DISTINCT rows: the facet must still count
    # each entry located in the country, not the country once.
    sabotage = factories.category("sabotage")
    for n in range(3):
        factories.threat(
            title=f"Located {n}", category=sabotage, location_country=lithuania
        )
    factories.threat(title="Named", category=sabotage, targets=[lithuania])
    factories.threat(
        title="Both", category=sabotage, location_country=lithuania, targets=[lithuania]
    )

    page = client.get("/threats/?category=sabotage&target=LT")

    facets = {facet.param: options for facet, options in page.context["facets"]}
    assert [(o.value, o.count) for o in facets["target"]] == [("LT", 5)]
    assert page.context["paginator"].count == 5


def test_target_filter_facet_and_country_pages_use_one_rule(
    client, targeted, lithuania
):
    expected = {"Named only", "Located only", "Named and located"}
    published = ThreatEntry.objects.published()
    assert {entry.title for entry in published.targeting(lithuania)} == expected
    assert {entry.title for entry in published.targeting([lithuania])} == expected

    page = client.get("/threats/?target=LT")
    assert {entry.title for entry in page.context["object_list"]} == expected
    api = client.get("/api/v1/threats/?target=lt").json()
    assert {row["title"] for row in api["results"]} == expected
    assert api["count"] == 3

    # The facet on the unfiltered list counts the same three.
    facets = {
        facet.param: options
        for facet, options in client.get("/threats/").context["facets"]
    }
    assert {option.value: option.count for option in facets["target"]} == {
        "LT": 3,
        "LV": 2,
    }

    # Filtered, the facet lists the chosen country with the filter's count.
    facets = {facet.param: options for facet, options in page.context["facets"]}
    assert [(o.value, o.count, o.selected) for o in facets["target"]] == [
        ("LT", 3, True)
    ]

    profile = client.get("/countries/LT/")
    assert {entry.title for entry in profile.context["threats"]} == expected
    listed = client.get("/api/v1/countries/LT/").json()
    assert listed["threat_count"] == 3
    row = next(
        row
        for row in client.get("/countries/").context["object_list"]
        if row.iso2 == "LT"
    )
    assert row.threat_count == 3


def test_several_target_countries_mean_any_of_them(client, targeted):
    titles = {
        row["title"]
        for row in client.get("/api/v1/threats/?target=LT&target=LV").json()["results"]
    }
    assert titles == {"Named only", "Located only", "Named and located", "Elsewhere"}


def test_the_payload_and_the_page_show_the_countries_targeted(client, targeted):
    located = targeted["located"]
    row = client.get(f"/api/v1/threats/{located.slug}/").json()
    assert [country["iso2"] for country in row["target_countries"]] == ["LV"]
    assert [country["iso2"] for country in row["targeted_countries"]] == ["LV", "LT"]
    page = client.get(located.get_absolute_url()).content.decode()
    targets = page.split("Targets</dt>")[1].split("</dd>")[0]
    assert "Lithuania" in targets and "Latvia" in targets


# -- Actors and their aliases -----------------------------------------------------------


def threat_record(number, **changes):
    return {
        "id": f"thr-variant-{number}",
        "kind": "threat",
        "title": f"Variant {number}",
        "category": "sabotage",
        "date_start": "2025-01",
        "date_start_precision": "month",
        "location": {"name": "Baltic Sea", "country": None},
        "targets": ["Undersea cable"],
        "summary": "A test record.",
        "sources": [{"url": f"https://example.org/{number}", "title": "T"}],
        "confidence": "medium",
        # published entries are assessed (severity required to publish)
        "severity": 2,
        "notes": None,
        **changes,
    }


def attributed_to(actor, **changes):
    return {
        "actor": actor,
        "actor_kind": "state",
        "actor_country": None,
        "attributed_by": "Test ministry",
        "confidence": "suspected",
        "basis": "Named by the ministry.",
        **changes,
    }


def test_an_import_resolves_actor_variants_to_one_actor(tmp_path):
    factories.category("sabotage")
    russia = factories.actor(name="Russia", slug="russia")
    gru = factories.actor(name="GRU", slug="gru")
    # An editor's aliases (the admin's inline on the actor).
    ActorAlias.objects.create(actor=russia, name="Russian Federation")
    ActorAlias.objects.create(actor=gru, name="Russian military intelligence")
    records = [
        threat_record(1, attributions=[attributed_to("Russia (Navy)")]),
        threat_record(2, attributions=[attributed_to("Russian Federation")]),
        threat_record(3, attributions=[attributed_to("RUSSIA")]),
        threat_record(
            4,
            attributions=[
                attributed_to("Russia", actor_unit="Baltic Fleet"),
                attributed_to(
                    "Russian military intelligence (GRU)", attributed_by="Other"
                ),
            ],
        ),
        # The facts' older shape: one actor text and no attributions list.
        threat_record(5, actor="russian federation (Ministry of Defence)"),
    ]
    path = tmp_path / "variants.json"
    path.write_text(json.dumps(records))
    actors_before = Actor.objects.count()

    call_command("import_records", str(path))

    assert Actor.objects.count() == actors_before
    units = {
        (a.entry.slug, a.actor.name, a.actor_unit)
        for a in Attribution.objects.select_related("entry", "actor")
    }
    assert units == {
        ("variant-1", "Russia", "Navy"),
        ("variant-2", "Russia", ""),
        ("variant-3", "Russia", ""),
        ("variant-4", "Russia", "Baltic Fleet"),
        ("variant-4", "GRU", ""),
        ("variant-5", "Russia", "Ministry of Defence"),
    }
    # A second run changes nothing, and still adds no actor.
    call_command("import_records", str(path))
    assert Actor.objects.count() == actors_before


def test_an_unknown_actor_is_created_once_with_its_aliases(tmp_path):
    factories.category("sabotage")
    record = threat_record(
        1,
        attributions=[
            attributed_to(
                "Ghostwriter", actor_kind="state_affiliated", actor_aliases=["UNC1151"]
            )
        ],
    )
    again = threat_record(2, attributions=[attributed_to("unc1151")])
    path = tmp_path / "new.json"
    path.write_text(json.dumps([record, again]))
    call_command("import_records", str(path))
    ghostwriter = Actor.objects.get(name="Ghostwriter")
    assert [alias.name for alias in ghostwriter.alias_names.all()] == ["UNC1151"]
    assert set(Attribution.objects.values_list("entry__slug", "actor__name")) == {
        ("variant-1", "Ghostwriter"),
        ("variant-2", "Ghostwriter"),
    }


def test_an_alias_is_unique_whatever_its_case():
    russia = factories.actor(name="Russia")
    ActorAlias.objects.create(actor=russia, name="Russian Federation")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActorAlias.objects.create(actor=factories.actor(), name="RUSSIAN FEDERATION")


def test_an_alias_cannot_be_another_actors_name():
    factories.actor(name="Belarus")
    alias = ActorAlias(actor=factories.actor(name="Russia"), name="belarus")
    with pytest.raises(ValidationError) as error:
        alias.full_clean()
    assert "name" in error.value.message_dict


def test_editors_keep_aliases_inline_on_the_actor(editor_client):
    russia = factories.actor(name="Russia")
    ActorAlias.objects.create(actor=russia, name="Russian Federation")
    page = editor_client.get(f"/admin/threats/actor/{russia.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "alias_names-TOTAL_FORMS" in text
    assert 'value="Russian Federation"' in text
    found = editor_client.get("/admin/threats/actor/?q=federation")
    assert "Russia" in found.content.decode()


# -- Follow-ups --------------------------------------------------------------------------


def test_an_import_links_follow_ups_shown_on_both_pages(tmp_path, client):
    factories.category("sabotage")
    first = threat_record(1, date_start="2024-11", title="First cut")
    second = threat_record(2, date_start="2024-12", follows_up=["thr-variant-1"])
    broken = threat_record(3, follows_up=["thr-no-such-entry"])
    path = tmp_path / "linked.json"
    path.write_text(json.dumps([second, first]))  # the later one first
    call_command("import_records", str(path), status="published")
    later = ThreatEntry.objects.get(slug="variant-2")
    assert [entry.slug for entry in later.follows_up.all()] == ["variant-1"]
    page = client.get("/threats/variant-2/").content.decode()
    assert "Follows up" in page and "First cut" in page
    page = client.get("/threats/variant-1/").content.decode()
    assert "Followed up by" in page and "Variant 2" in page

    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps([broken]))
    with pytest.raises(CommandError):
        call_command("import_records", str(bad))
    assert not ThreatEntry.objects.filter(slug="variant-3").exists()
