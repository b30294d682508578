"""The editors' admin: every page answers, queries stay flat, rules are enforced."""

import datetime

import pghistory.models
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from tests import factories
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"alliances", "exercises", "threats"}


def add_rows(model):
    """One more row of ``model``, with the related rows its changelist shows."""
    if model is Country:
        factories.country()
    elif model is Source:
        factories.source(caution="aggregator")
    elif model is Publisher:
        # A publisher of its own for each row, with a source each.
        factories.source(publisher=f"Outlet {Publisher.objects.count()}")
    elif model is Organisation:
        factories.membership(factories.organisation(hq_country=factories.country()))
    elif model is Membership:
        factories.membership(joined=datetime.date(2004, 3, 29), joined_precision="day")
    elif model in (Agreement, AgreementParty):
        factories.agreement(place_country=factories.country())
    elif model in (ExerciseSeries, Exercise, Participation, ExerciseLocation):
        exercise = factories.exercise(
            series=factories.series(),
            lead_country=factories.country(),
            hosts=[factories.country()],
            participants=[factories.country(), factories.country()],
        )
        factories.location(exercise, country=factories.country())
    elif model is ThreatCategory:
        n = ThreatCategory.objects.count()
        factories.threat(
            category=ThreatCategory.objects.create(name=f"Cat {n}", slug=f"cat-{n}")
        )
    elif model in (Actor, Attribution, ThreatEntry):
        factories.attribution(
            entry=factories.threat(
                targets=[factories.country()],
                sources=[factories.source(publisher=factories.publisher("Wire", "B"))],
            ),
            actor_obj=factories.actor(country=factories.country()),
        )
    else:  # pragma: no cover - a new model must be added above
        raise AssertionError(f"no test data for {model}")


DOMAIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in DOMAIN_APPS),
    key=lambda model: model._meta.label,
)

# Queries on each changelist, for an editor: session, user, the editor's group
# permissions, then the page's own queries (rows, counts, filter choices, date
# hierarchy). The number must not change with the number of rows.
CHANGELIST_QUERIES = {
    "alliances.Agreement": 9,  # no parties column since the 1280-pixel lists
    "alliances.AgreementParty": 7,
    "alliances.Country": 6,
    "alliances.Membership": 9,
    "alliances.Organisation": 9,
    "alliances.Publisher": 6,
    "alliances.Source": 7,
    "exercises.Exercise": 10,
    "exercises.ExerciseLocation": 7,
    "exercises.ExerciseSeries": 6,
    "exercises.Participation": 7,
    "threats.Actor": 7,
    "threats.Attribution": 9,
    "threats.ThreatCategory": 6,
    "threats.ThreatEntry": 10,
}


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_domain_model_is_in_the_admin():
    registered = {model._meta.label for model in DOMAIN_MODELS}
    assert registered == set(CHANGELIST_QUERIES)


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(editor_client, model):
    url = changelist_url(model)
    add_rows(model)
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(url).status_code == 200
    for _ in range(4):
        add_rows(model)
    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(url)
    assert response.status_code == 200
    assert (len(few), len(many)) == (CHANGELIST_QUERIES[model._meta.label],) * 2, [
        q["sql"][:150] for q in many.captured_queries
    ]


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m._meta.label)
def test_add_and_change_pages_answer(editor_client, model):
    add_rows(model)
    opts = model._meta
    add = editor_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == 200
    obj = model.objects.first()
    change = editor_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200
    assert 'name="_save"' in change.content.decode()


@pytest.mark.parametrize("model", DOMAIN_MODELS[:3], ids=lambda m: m._meta.label)
def test_anonymous_visitors_are_sent_to_login(client, model):
    response = client.get(changelist_url(model))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_reader_without_staff_status_cannot_enter(client, analyst):
    client.force_login(analyst)
    response = client.get(changelist_url(ThreatEntry))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"]
)
def test_editors_cannot_manage_users_or_groups(editor_client, path):
    assert editor_client.get(path).status_code == 403


def test_editors_group_has_exactly_the_domain_permissions():
    editors = Group.objects.get(name="Editors")
    granted = set(
        editors.permissions.values_list("content_type__app_label", "codename")
    )
    # The models editors edit: on their own pages or inline on another's
    # (an actor's aliases).
    edited = set(DOMAIN_MODELS) | {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if inline.model._meta.app_label in DOMAIN_APPS
    }
    expected = {
        (model._meta.app_label, f"{action}_{model._meta.model_name}")
        for model in edited
        for action in ("add", "change", "delete", "view")
    }
    # ...and may read the history kept of those records, not change it.
    history = {
        (model._meta.app_label, f"view_{model._meta.model_name}")
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS
        and issubclass(model, pghistory.models.Event)
    }
    assert history
    assert granted == expected | history
    assert not Permission.objects.filter(
        group=editors, content_type__app_label="auth"
    ).exists()


def test_search_ignores_accents_both_ways(editor_client):
    factories.location(name="Klaipėda naval base")
    factories.location(name="Rukla")
    for term in ("Klaipeda", "klaipėda", "KLAIPEDA"):
        response = editor_client.get(changelist_url(ExerciseLocation), {"q": term})
        content = response.content.decode()
        assert "Klaipėda naval base" in content, term
        assert "Rukla" not in content


def test_autocomplete_ignores_accents(editor_client):
    factories.country("XS", "Šiauliai Republic")
    response = editor_client.get(
        "/admin/autocomplete/",
        {
            "term": "Siauliai",
            "app_label": "exercises",
            "model_name": "exercise",
            "field_name": "host_countries",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Šiauliai Republic"]


def exercise_form(**changes):
    source = factories.source()
    data = {
        "name": "Iron Wolf 2031",
        "slug": "iron-wolf-2031",
        "domain": "land",
        "start": "2031-06-10",
        "start_precision": "day",
        "end": "2031-06-20",
        "end_precision": "day",
        "confidence": "high",
        "sources": [source.pk],
        "participations-TOTAL_FORMS": "0",
        "participations-INITIAL_FORMS": "0",
        "locations-TOTAL_FORMS": "0",
        "locations-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_editor_adds_an_exercise(editor_client):
    response = editor_client.post(
        reverse("admin:exercises_exercise_add"), exercise_form()
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Exercise.objects.get().vague("end") == "20 June 2031"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": "2031-06-01"}, "The end cannot be before the start."),
        ({"sources": []}, "This field is required."),
        ({"start_precision": "month"}, "1st of the month"),
    ],
)
def test_invalid_exercise_is_refused_with_a_message(editor_client, changes, message):
    response = editor_client.post(
        reverse("admin:exercises_exercise_add"), exercise_form(**changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Exercise.objects.exists()


def test_overlapping_membership_is_refused_inline(editor_client):
    organisation = factories.organisation()
    country = factories.country()
    source = factories.source()
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "type": organisation.type,
        "confidence": "high",
        "sources": [source.pk],
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "0",
    }
    for index, joined in enumerate(["2004-03-29", "2010-01-01"]):
        data.update(
            {
                f"memberships-{index}-country": country.pk,
                f"memberships-{index}-role": "member",
                f"memberships-{index}-joined": joined,
                f"memberships-{index}-joined_precision": "day",
                f"memberships-{index}-sources": [source.pk],
            }
        )
    url = reverse("admin:alliances_organisation_change", args=[organisation.pk])
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "covering part of these dates" in response.content.decode()
    assert not Membership.objects.filter(country=country).exists()


def test_a_party_listed_twice_is_refused(editor_client):
    source = factories.source()
    country = factories.country()
    data = {
        "title": "Twice",
        "slug": "twice",
        "type": "memorandum",
        "confidence": "high",
        "sources": [source.pk],
        "signatories": "",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-0-country": country.pk,
        "parties-1-country": country.pk,
    }
    response = editor_client.post(reverse("admin:alliances_agreement_add"), data)
    assert response.status_code == 200
    assert "This party is listed twice." in response.content.decode()
    assert not Agreement.objects.exists()


def test_agreement_needs_two_parties(editor_client):
    source = factories.source()
    country = factories.country()
    data = {
        "title": "Lonely agreement",
        "slug": "lonely",
        "type": "memorandum",
        "confidence": "high",
        "sources": [source.pk],
        "signatories": "",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "2",
        "parties-0-country": country.pk,
    }
    response = editor_client.post(reverse("admin:alliances_agreement_add"), data)
    assert response.status_code == 200
    assert "An agreement needs at least two parties." in response.content.decode()
    assert not Agreement.objects.exists()
