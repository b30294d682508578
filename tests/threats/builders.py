"""Builders for the threats pages' tests, on top of tests/factories.py."""

import datetime

from tests import factories
from threats.models import Attribution

D = datetime.date


def entry(actors=(), confidence=Attribution.Confidence.SUSPECTED, **values):
    """A threat entry blamed on ``actors`` (Actor objects), one attribution each."""
    obj = factories.threat(**values)
    for actor in actors:
        factories.attribution(
            entry=obj, actor_obj=actor, attribution_confidence=confidence
        )
    return obj


def busy_entry(n, category_slug="cyber-attack", **values):
    """An entry with everything a row or a detail page shows: two actors (one
    blamed twice), targets, sources, a related exercise, coordinates."""
    sources = [
        factories.source(publisher=factories.publisher("Wire service", "B")),
        factories.source(publisher=factories.publisher("Daily paper", "C")),
    ]
    obj = factories.threat(
        title=f"Busy incident {n}",
        category=factories.category(category_slug),
        occurred_start=D(2024, 1 + n % 12, 1),
        occurred_start_precision="month",
        targets=[factories.country("LT", "Lithuania"), factories.country()],
        sources=sources,
        location_name=f"Place {n}",
        location_country=factories.country("BY", "Belarus"),
        latitude="54.68700",
        longitude="25.28000",
        coordinates_source=sources[0],
        severity=1 + n % 5,
        **values,
    )
    first, second = factories.actor(), factories.actor()
    factories.attribution(entry=obj, actor_obj=first, attributed_by="Government A")
    factories.attribution(entry=obj, actor_obj=first, attributed_by="Government B")
    factories.attribution(entry=obj, actor_obj=second, sources=sources)
    obj.related_exercises.set([factories.exercise()])
    return obj
