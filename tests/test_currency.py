"""Current and honest about it: the home page and the API root say how much is
published and up to when, what was added last, and what is coming up."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from alliances.models import Agreement, Organisation
from config.pages.home import add_months
from core.models import Status
from exercises.models import Exercise
from tests import factories
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db

DRAFT = {"publication_status": Status.DRAFT, "published_at": None}
IN_REVIEW = {"publication_status": Status.REVIEW, "published_at": None}


def retracted():
    return {
        "publication_status": Status.RETRACTED,
        "published_at": timezone.now(),
        "retracted_at": timezone.now(),
        "retraction_reason": "Duplicate of another entry.",
    }


def moment(day, hour=12):
    """Noon UTC: the same calendar day in Vilnius."""
    return datetime.datetime(*day, hour, tzinfo=datetime.UTC)


def set_updated(record, when):
    """``updated`` is set on every save; put it where a test needs it."""
    type(record).objects.filter(pk=record.pk).update(updated=when)


def published_counts():
    return {
        "organisations": Organisation.objects.published().count(),
        "agreements": Agreement.objects.published().count(),
        "exercises": Exercise.objects.published().count(),
        "threats": ThreatEntry.objects.published().count(),
    }


@pytest.fixture
def mixed():
    """Published records, and drafts, reviews and retractions of every kind."""
    factories.organisation()
    factories.organisation()
    factories.organisation(**DRAFT)
    factories.agreement()
    factories.agreement(**IN_REVIEW)
    factories.exercise()
    factories.exercise()
    factories.exercise()
    factories.exercise(**retracted())
    factories.threat()
    factories.threat(**DRAFT)
    factories.threat(**retracted())


# -- counts ------------------------------------------------------------------------


def test_home_counts_published_records_only(client, mixed):
    page = client.get("/").content.decode()

    counts = published_counts()
    assert counts == {"organisations": 2, "agreements": 1, "exercises": 3, "threats": 1}
    assert f"<strong>{counts['organisations']}</strong> organisations" in page
    assert f"<strong>{counts['agreements']}</strong> agreements" in page
    assert f"<strong>{counts['exercises']}</strong> exercises" in page
    assert f"<strong>{counts['threats']}</strong> threat entries" in page


def test_api_root_counts_published_records_only(client, mixed):
    root = client.get("/api/v1/").json()

    assert root["counts"] == published_counts()
    # The links are all still there.
    assert root["threats"].endswith("/api/v1/threats/")


def test_an_editor_sees_the_same_public_counts_in_the_api_root(
    client, mixed, django_user_model
):
    """Editors may read drafts through the API; the root's counts stay public."""
    editor = django_user_model.objects.create_user("edita", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__startswith="view_")
    )
    client.force_login(editor)

    assert client.get("/api/v1/").json()["counts"] == published_counts()


# -- data current to -----------------------------------------------------------------


def test_data_current_to_is_the_newest_published_change(client):
    old = factories.organisation()
    newest = factories.threat()
    draft = factories.exercise(**DRAFT)
    set_updated(old, moment((2025, 3, 1)))
    set_updated(newest, moment((2026, 5, 17)))
    # Edited later, but nobody outside the team can see it.
    set_updated(draft, moment((2026, 9, 30)))

    page = client.get("/").content.decode()
    root = client.get("/api/v1/").json()

    assert 'Data current to <time datetime="2026-05-17T' in page
    assert ">17 May 2026</time>, the latest change to a published record." in page
    published = ThreatEntry.objects.get(pk=newest.pk)
    assert (
        root["data_current_to"]
        == client.get(f"/api/v1/threats/{published.slug}/").json()["updated"]
    )
    assert root["data_current_to"].startswith("2026-05-17T")


def test_a_retraction_or_a_deletion_is_a_public_change(client):
    entry = factories.threat()
    set_updated(entry, moment((2025, 3, 1)))
    withdrawn = factories.exercise(**retracted())
    set_updated(withdrawn, moment((2025, 6, 2)))

    assert client.get("/api/v1/").json()["data_current_to"].startswith("2025-06-02")

    gone = factories.agreement()
    gone.delete()
    today = timezone.localdate()
    assert (
        client.get("/api/v1/").json()["data_current_to"].startswith(today.isoformat())
    )


def test_nothing_published_means_no_date(client):
    factories.organisation(**DRAFT)

    page = client.get("/").content.decode()

    assert "Data current to" not in page
    assert client.get("/api/v1/").json()["data_current_to"] is None
    assert client.get("/api/v1/").json()["counts"]["organisations"] == 0


def test_data_current_to_in_lithuanian(client):
    entry = factories.threat()
    set_updated(entry, moment((2026, 5, 17)))
    client.post("/i18n/setlang/", {"language": "lt", "next": "/"})

    page = client.get("/").content.decode()

    assert "Duomenys atnaujinti <time" in page
    assert "naujausias paskelbto įrašo pakeitimas" in page
    assert "Neseniai pridėta" in page


# -- recently added --------------------------------------------------------------------


def added_section(page):
    start = page.index('id="added-heading"')
    return page[start : page.index("</section>", start)]


def test_recently_added_lists_records_of_every_kind_by_publication(client):
    # Published in this order, whatever the dates of what they record.
    published = [
        factories.threat(
            title="Old incident, published last",
            occurred_start=datetime.date(2015, 1, 1),
            published_at=moment((2026, 11, 30)),
        ),
        factories.exercise(
            name="Exercise published second",
            start=datetime.date(2026, 10, 1),
            published_at=moment((2026, 11, 20)),
        ),
        factories.organisation(
            name="Organisation published third", published_at=moment((2026, 11, 10))
        ),
        factories.agreement(
            title="Agreement published fourth", published_at=moment((2026, 10, 5))
        ),
        factories.threat(
            title="New incident, published fifth",
            occurred_start=datetime.date(2026, 11, 1),
            published_at=moment((2026, 9, 1)),
        ),
    ]
    factories.threat(
        title="Published long ago", published_at=moment((2020, 1, 1))
    )  # the sixth: left out
    factories.threat(title="Draft incident", **DRAFT)

    section = added_section(client.get("/").content.decode())

    titles = [getattr(record, "title", None) or record.name for record in published]
    positions = [section.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "Published long ago" not in section
    assert "Draft incident" not in section
    assert f'href="{published[0].get_absolute_url()}"' in section
    assert "Threat entry, published 30 November 2026" in section
    assert "Organisation, published 10 November 2026" in section


def test_recently_added_says_when_nothing_is_published(client):
    factories.threat(**DRAFT)

    assert "Nothing has been published yet." in added_section(
        client.get("/").content.decode()
    )


# -- coming up -------------------------------------------------------------------------


def test_coming_up_lists_published_exercises_starting_after_today(client):
    today = timezone.localdate()
    factories.exercise(
        name="Known by its year only",
        start=datetime.date(today.year + 2, 1, 1),
        start_precision="year",
    )
    factories.exercise(
        name="In two months", start=add_months(today, 2), start_precision="month"
    )
    factories.exercise(
        name="Planned, still a draft", start=add_months(today, 1), **DRAFT
    )
    factories.exercise(name="Held last year", start=datetime.date(today.year - 1, 5, 1))

    page = client.get("/").content.decode()
    coming = page[page.index("Coming up") : page.index("Recently held")]

    assert "In two months" in coming
    assert "Known by its year only" in coming
    assert coming.index("In two months") < coming.index("Known by its year only")
    assert "Planned, still a draft" not in coming
    assert "Held last year" not in coming
    assert "No upcoming exercise is recorded yet." not in coming
