"""Every field of every API resource has a filter, or a written reason why not.

A field is filterable when a filter of the resource's FilterSet (the one its
page shares) names it, when ``q`` searches it (its QuerySet's ``search_fields``
or its search vector), or when one of the filter backends every resource has
covers it (``updated_since``, ``publication_status``). A new field fails this
test until it gets a filter or a line below saying why it needs none.
"""

import pytest
from django.db.models import F

from config import api_urls

# Fields no resource filters by, whatever the model.
ANY_MODEL = {
    "id": "the detail URL and cursor pagination use it",
    "created": "updated_since covers changes; nobody asked for creation dates",
    "updated": "the updated_since backend",
    "search_vector": "what q searches",
    "notes": "editors' notes, never public",
    "confidence": "two values, shown on every record; not a selection anyone made",
    "publication_status": "the publication_status backend (editors only)",
    "published_at": "workflow bookkeeping",
    "retracted_at": "workflow bookkeeping; /deletions/ lists retractions",
    "retraction_reason": "workflow bookkeeping, shown on the record",
    "submitted_at": "workflow bookkeeping",
    "submitted_by": "who did what inside the team, not public",
    "reviewed_by": "who did what inside the team, not public",
    "last_edited_by": "who did what inside the team, not public",
    "last_verified": "the admin's review-due filter serves editors",
    "slug": "the detail URL; a record is fetched by it, not filtered",
}

# Filters whose method (or path) reads fields under other names.
FILTER_READS = {
    "exercises": {
        "host": ["host_countries"],
        "participant": ["participations"],
        "start_after": ["start", "end"],
        "start_before": ["start", "end"],
        "year": ["start", "end"],
    },
    "threats": {
        "occurred_after": ["occurred_start", "occurred_end"],
        "occurred_before": ["occurred_start"],
        # ThreatEntryQuerySet.targeting: named among the targets, or located
        # there; read from the list of both the database keeps on the entry.
        "target": ["target_countries", "location_country", "targeted_country_ids"],
    },
    "memberships": {
        "as_of": ["joined", "left"],
        "start_unknown_on": ["joined", "left"],
    },
    "organisations": {"country": ["memberships"]},
    "agreements": {"country": ["parties"]},
    "sources": {"has_caution": ["caution"]},
}

# Per resource: fields without a filter, and why.
EXEMPT = {
    "countries": {
        "iso2": "the detail URL (/countries/LT/); q matches codes too",
    },
    "organisations": {
        "founded_precision": "read with its date",
        "hq_country": "few organisations have one; the page's member filter serves",
        "sources": "sources are filtered on /sources/",
    },
    "memberships": {
        "joined_precision": "read with its date",
        "left_precision": "read with its date",
        "sources": "sources are filtered on /sources/",
    },
    "agreements": {
        "signed_precision": "read with its date",
        "entry_into_force": "no agreement has one yet; signed is the date asked for",
        "entry_into_force_precision": "read with its date",
        "ended": "few have one; signed is the date asked for",
        "ended_precision": "read with its date",
        "place_country": "the party countries are the country filter",
        "signatories": "names as written, searched by q on the page",
        "sources": "sources are filtered on /sources/",
        "value": "free text as reported (a currency and an amount)",
    },
    "publishers": {
        "rated_by": "who rated it is in its history",
        "rated_at": "when it was rated: no reader's question",
        "notes": "editors' notes, not in the API",
    },
    "sources": {
        "url": "q matches it",
        "accessed": "when the compiler read it: no reader's question",
        "archive_url": "a copy's address, not a property of the document",
        "published_precision": "read with its date",
    },
    "exercise-series": {},
    "exercises": {
        "start_precision": "read with its date (year, start_after...)",
        "end_precision": "read with its date",
        "scenario": "sparse; domain is the exercise's kind",
        "personnel": "ordering by personnel serves",
        "personnel_note": "free text, searched by q",
        "participants_note": "free text, searched by q",
        "sources": "sources are filtered on /sources/",
    },
    "threat-categories": {
        "position": "ordering by position serves",
    },
    "actors": {
        "aliases": "names as written; q matches the name",
    },
    "threats": {
        "occurred_start_precision": "read with its date",
        "occurred_end_precision": "read with its date",
        "reported": "sparse; occurred_after/before are the dates asked for",
        "latitude": "?format=geojson and the map take the located entries",
        "longitude": "?format=geojson and the map take the located entries",
        "coordinates_source": "a source of the coordinates, not of the entry",
        "coordinates_note": "free text about the coordinates",
        "rating_note": "free text explaining the rating",
        "severity_note": "free text explaining the severity",
        "sea_area_detail": "free text, read with the sea area",
        "corroboration": "information_credibility follows from it and is filtered",
        "credibility_override": "information_credibility includes it and is filtered",
        "related_exercises": "the exercise's page lists its threats",
        "follows_up": "a few links, shown on both entries' pages",
        "sources": "sources are filtered on /sources/",
    },
    "attributions": {
        "attributed_on_precision": "read with its date",
        "sources": "sources are filtered on /sources/",
    },
    "revisions": {
        "record_type": "kind= filters it",
        "target_type": "read with the record: its own rows",
        "target_id": "read with the record: its own rows",
        "payload": "the proposed values, read on the revision",
        "before": "the values replaced, read on the revision",
        "reason": "free text, read on the revision",
        "decided_by": "who did what inside the team",
        "decided_at": "status= tells decided from pending",
        "decision_note": "free text, read on the revision",
    },
    "deletions": {
        "deleted": "since= filters it",
        "object_id": "the record's id, read with the kind",
        "slug": "the record's key, read with the kind",
        "reason": "free text, shown with each retraction",
    },
}


def resources():
    return {
        prefix: viewset
        for router in api_urls.ROUTERS
        for prefix, viewset, _basename in router.registry
    }


def _named(expression, found):
    if isinstance(expression, F):
        found.add(expression.name)
    elif isinstance(expression, str):
        found.add(expression)
    for inner in getattr(expression, "get_source_expressions", list)():
        _named(inner, found)
    return found


def searched_fields(model):
    """Fields ``q`` reaches: the QuerySet's search_fields and the search vector."""
    found = {
        name.split("__")[0]
        for name in getattr(model.objects.all(), "search_fields", ())
    }
    vector = next(
        (field for field in model._meta.fields if field.name == "search_vector"), None
    )
    if vector is not None:
        _named(vector.expression, found)
    return (
        found
        if "q" in resources()[model.api_kind].filterset_class.base_filters
        else set()
    )


def unfiltered(prefix, viewset):
    model = viewset.queryset.model
    filterset = viewset.filterset_class
    reads = FILTER_READS.get(prefix, {})
    covered = set()
    for name, filter_ in filterset.base_filters.items():
        covered.add(name)
        covered.add((filter_.field_name or "").split("__")[0])
        covered.update(reads.get(name, ()))
    if getattr(model, "api_kind", None):
        covered |= searched_fields(model)
    fields = {field.name for field in [*model._meta.fields, *model._meta.many_to_many]}
    return fields - covered - set(ANY_MODEL) - set(EXEMPT.get(prefix, {}))


@pytest.mark.parametrize("prefix", sorted(resources()))
def test_every_field_has_a_filter_or_a_reason(prefix):
    assert prefix in EXEMPT, f"{prefix}: a new resource; list its exemptions"
    assert unfiltered(prefix, resources()[prefix]) == set()


@pytest.mark.parametrize("prefix", sorted(EXEMPT))
def test_exemptions_name_real_fields_without_a_filter(prefix):
    """A reason left behind after a filter was added (or a field removed) goes."""
    viewset = resources()[prefix]
    model = viewset.queryset.model
    fields = {field.name for field in [*model._meta.fields, *model._meta.many_to_many]}
    filters = set(viewset.filterset_class.base_filters)
    for field in EXEMPT[prefix]:
        assert field in fields, f"{prefix}.{field} is not a field"
        assert field not in filters, f"{prefix}.{field} has a filter now"
