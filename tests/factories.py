"""Small builders for test data: each makes a valid record with sensible defaults."""

import datetime
import itertools

from django.utils import timezone

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from core.models import Status
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

_counter = itertools.count(1)
DERIVED_RATINGS = ("source_reliability", "corroboration", "information_credibility")


def _n():
    return next(_counter)


def _published():
    """Builders make public records unless a test asks for another status."""
    return {"publication_status": Status.PUBLISHED, "published_at": timezone.now()}


# User-assigned ISO codes (X?), never real countries.
_codes = itertools.cycle([f"X{chr(c)}" for c in range(ord("A"), ord("Z") + 1)])


def country(iso2=None, name=None, **extra):
    iso2 = iso2 or next(_codes)
    obj, _created = Country.objects.get_or_create(
        iso2=iso2, defaults={"name": name or f"Country {iso2}", **extra}
    )
    return obj


def publisher(name="Example News", reliability="", **extra):
    """The publisher of that name (rated ``reliability``, "" = not rated)."""
    obj, _created = Publisher.objects.get_or_create(
        name=name, defaults={"reliability": reliability, **extra}
    )
    return obj


def source(**extra):
    """A source; ``publisher`` may be a name (that publisher, made if new)."""
    n = _n()
    values = {
        "url": f"https://news.example.org/article-{n}",
        "title": f"Article {n}",
        "publisher": "Example News",
        "accessed": datetime.date(2026, 11, 24),
    }
    values.update(extra)
    if isinstance(values["publisher"], str):
        values["publisher"] = publisher(values["publisher"])
    return Source.objects.create(**values)


def organisation(sources=None, **extra):
    n = _n()
    values = {
        **_published(),
        "name": f"Organisation {n}",
        "acronym": f"O{n}",
        "slug": f"organisation-{n}",
        "type": Organisation.Type.REGIONAL_FORMAT,
    }
    values.update(extra)
    obj = Organisation.objects.create(**values)
    obj.sources.set(sources or [source()])
    return obj


def membership(organisation_obj=None, country_obj=None, sources=None, **extra):
    obj = Membership.objects.create(
        organisation=organisation_obj or organisation(),
        country=country_obj or country(),
        **extra,
    )
    obj.sources.set(sources or [source()])
    return obj


def agreement(parties=None, sources=None, **extra):
    n = _n()
    values = {
        **_published(),
        "title": f"Agreement {n}",
        "slug": f"agreement-{n}",
        "type": Agreement.Type.MEMORANDUM,
        "signed": datetime.date(2020, 1, 15),
        "signed_precision": "day",
    }
    values.update(extra)
    obj = Agreement.objects.create(**values)
    for party in parties or [country(), country()]:
        AgreementParty.objects.create(agreement=obj, country=party)
    obj.sources.set(sources or [source()])
    return obj


def series(**extra):
    n = _n()
    return ExerciseSeries.objects.create(
        **{"name": f"Series {n}", "slug": f"series-{n}", **extra}
    )


def exercise(sources=None, hosts=None, participants=(), **extra):
    n = _n()
    values = {
        **_published(),
        "name": f"Exercise {n}",
        "slug": f"exercise-{n}",
        "domain": Exercise.Domain.LAND,
        "start": datetime.date(2024, 6, 1),
        "start_precision": "day",
    }
    values.update(extra)
    obj = Exercise.objects.create(**values)
    obj.sources.set(sources or [source()])
    obj.host_countries.set(hosts or [])
    for participant in participants:
        Participation.objects.create(exercise=obj, country=participant)
    return obj


def location(exercise_obj=None, **extra):
    return ExerciseLocation.objects.create(
        exercise=exercise_obj or exercise(), **{"name": f"Range {_n()}", **extra}
    )


def category(slug="cyber-attack"):
    return ThreatCategory.objects.get(slug=slug)


def actor(**extra):
    n = _n()
    return Actor.objects.create(
        **{
            "name": f"Actor {n}",
            "slug": f"actor-{n}",
            "kind": Actor.Kind.STATE,
            **extra,
        }
    )


def threat(sources=None, targets=(), **extra):
    n = _n()
    values = {
        **_published(),
        "title": f"Incident {n}",
        "slug": f"incident-{n}",
        "category": category(),
        "occurred_start": datetime.date(2024, 3, 1),
        "occurred_start_precision": "month",
        # Published entries need one.
        "severity": 2,
    }
    values.update(extra)
    if values.get("latitude") is not None and "coordinates_source" not in values:
        # Coordinates only come with the source that gives them.
        values["coordinates_source"] = source(title="Gazetteer")
    obj = ThreatEntry.objects.create(**values)
    obj.sources.set(sources or [source()])
    obj.target_countries.set(targets)
    # The ratings the sources gave it (saved by ThreatEntry.refresh_assessment)
    # and the countries it targets (kept by the database).
    obj.refresh_from_db(fields=[*DERIVED_RATINGS, "updated", "targeted_country_ids"])
    return obj


def threat_in_review(editor, **extra):
    """A threat entry that ``editor`` wrote and submitted for review."""
    return threat(
        **{
            "publication_status": Status.REVIEW,
            "published_at": None,
            "last_edited_by": editor,
            "submitted_by": editor,
            "submitted_at": timezone.now(),
            **extra,
        }
    )


def attribution(entry=None, actor_obj=None, sources=None, **extra):
    obj = Attribution.objects.create(
        entry=entry or threat(),
        actor=actor_obj or actor(),
        **{"attribution_confidence": Attribution.Confidence.SUSPECTED, **extra},
    )
    obj.sources.set(sources or [source()])
    return obj
