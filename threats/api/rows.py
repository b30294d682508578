"""The threat entries' API list read as plain rows: the same JSON as
ThreatEntrySerializer, without building a model instance per row and per
related record.

A page of 50 entries through the serializer builds some 500 model instances
(entries, categories, countries, sources, publishers, attributions, actors,
exercises) and reads each field through Django's descriptors: tens of
milliseconds of Python per page. Here the page is one query of the
columns the JSON shows (never ``search_vector`` or the editors' notes), and
each list of related records one ``values_list()`` query for the whole page, as
many queries as the prefetches they replace (core/api/rows.py). tests/api/test_list_rows.py holds
the two to the same output.
"""

from django.db.models import F
from django.utils import timezone
from rest_framework import serializers

from core.api.fields import api_url, web_url
from core.api.rows import as_rows
from core.publication import sees_unpublished
from exercises.models import Exercise
from threats.models import Attribution, ThreatEntry

ENTRY_COLUMNS = (
    "id",
    "slug",
    "title",
    "summary",
    "occurred_start",
    "occurred_start_precision",
    "occurred_end",
    "occurred_end_precision",
    "reported",
    "location_name",
    "geo_precision",
    "sea_area",
    "sea_area_detail",
    "latitude",
    "longitude",
    "coordinates_note",
    "targets_note",
    "severity",
    "severity_note",
    "source_reliability",
    "corroboration",
    "information_credibility",
    "credibility_override",
    "rating_note",
    "confidence",
    "publication_status",
    "published_at",
    "retracted_at",
    "retraction_reason",
    "last_verified",
    "created",
    "updated",
    "category__slug",
    "category__name",
    "location_country__iso2",
    "location_country__name",
    "coordinates_source__url",
    "coordinates_source__title",
    "coordinates_source__caution",
    "coordinates_source__publisher__name",
    "coordinates_source__publisher__reliability",
)


def rows(queryset, request):
    """The list's queryset (filtered, ordered) as dicts of the shown columns,
    each with its related records under ``"related"`` (``related()``)."""

    def add_related(found):
        lists = related([row["id"] for row in found], request)
        for row in found:
            row["related"] = {
                name: rows.get(row["id"], ()) for name, rows in lists.items()
            }

    return as_rows(
        queryset.select_related(
            "category", "location_country", "coordinates_source__publisher"
        ),
        ENTRY_COLUMNS,
        then=add_related,
    )


def _moment(value, zone):
    """serializers.DateTimeField's output, with the zone looked up once."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _day(value):
    return None if value is None else value.isoformat()


class Urls:
    """The request's URL prefixes, built once (core.api.fields caches them)."""

    def __init__(self, request):
        self.entry = api_url(request, "threatentry", "")
        self.web = web_url(request, "threats:threatentry_detail", "\x00")
        self.category = api_url(request, "threatcategory", "")
        self.country = api_url(request, "country", "")
        self.source = api_url(request, "source", "")
        self.exercise = api_url(request, "exercise", "")
        self.attribution = api_url(request, "attribution", "")
        self.actor = api_url(request, "actor", "")

    @staticmethod
    def join(prefix, key):
        # api_url gives "<prefix>/<key>/": the empty key left "<prefix>//".
        return f"{prefix[:-1]}{key}/"


def _source(urls, pk, url, title, caution, publisher, letter):
    """SourceBrief.represent."""
    return {
        "id": pk,
        "url": urls.join(urls.source, pk),
        "document_url": url,
        "title": title,
        "publisher": publisher or "",
        "reliability": letter or None,
        "caution": caution,
    }


def related(ids, request):
    """The page's target countries, exercises, attributions and sources:
    ``{name: {entry id: [tuples]}}``, one query each, in the orders the
    serializer's prefetches give."""
    found = {
        "target_countries": {},
        "related_exercises": {},
        "attributions": {},
        "sources": {},
    }
    if not ids:
        return found
    targets = ThreatEntry.target_countries.through.objects.filter(
        threatentry_id__in=ids
    ).order_by("country__name")
    for entry, *country in targets.values_list(
        "threatentry_id", "country_id", "country__iso2", "country__name"
    ):
        found["target_countries"].setdefault(entry, []).append(country)
    exercises = ThreatEntry.related_exercises.through.objects.filter(
        threatentry_id__in=ids
    ).order_by(*_exercise_order())
    if not sees_unpublished(request, Exercise):
        # Unpublished exercises are not named to the public (is_hidden).
        exercises = exercises.filter(exercise__publication_status="published")
    for entry, *exercise in exercises.values_list(
        "threatentry_id", "exercise_id", "exercise__slug", "exercise__name"
    ):
        found["related_exercises"].setdefault(entry, []).append(exercise)
    attributions = Attribution.objects.filter(entry_id__in=ids).order_by(
        "actor__name", "actor_id", "attributed_by"
    )
    for entry, *attribution in attributions.values_list(
        "entry_id",
        "id",
        "attributed_by",
        "attribution_confidence",
        "actor_id",
        "actor__slug",
        "actor__name",
    ):
        found["attributions"].setdefault(entry, []).append(attribution)
    sources = ThreatEntry.sources.through.objects.filter(
        threatentry_id__in=ids
    ).order_by(*_source_order())
    for entry, *source in sources.values_list(
        "threatentry_id",
        "source_id",
        "source__url",
        "source__title",
        "source__caution",
        "source__publisher__name",
        "source__publisher__reliability",
    ):
        found["sources"].setdefault(entry, []).append(source)
    return found


def _through_order(model, prefix):
    """``model``'s default ordering, seen from a link table through ``prefix``."""
    order = []
    for item in model._meta.ordering:
        text = str(item)
        descending = text.startswith("-")
        name = f"{prefix}__{text.lstrip('-')}"
        order.append(F(name).desc() if descending else F(name).asc())
    return order


def _exercise_order():
    return _through_order(Exercise, "exercise")


def _source_order():
    from alliances.models import Source

    return _through_order(Source, "source")


class Representation:
    """Turns the dicts of ``rows`` into what ThreatEntrySerializer shows."""

    def __init__(self, request):
        self.request = request
        self.urls = Urls(request)
        self.zone = timezone.get_current_timezone()
        fields = ThreatEntry._meta
        self.latitude = serializers.DecimalField(
            max_digits=fields.get_field("latitude").max_digits,
            decimal_places=fields.get_field("latitude").decimal_places,
            coerce_to_string=False,
        )
        self.longitude = serializers.DecimalField(
            max_digits=fields.get_field("longitude").max_digits,
            decimal_places=fields.get_field("longitude").decimal_places,
            coerce_to_string=False,
        )

    def many(self, page):
        return [self.one(row, row["related"]) for row in page]

    def country(self, pk, iso2, name):
        return {
            "id": pk,
            "url": self.urls.join(self.urls.country, iso2),
            "iso2": iso2,
            "name": name,
        }

    def one(self, row, found):
        urls = self.urls
        join = urls.join
        pk = row["id"]
        slug = row["slug"]
        zone = self.zone
        targets = found["target_countries"]
        target_countries = [self.country(*target) for target in targets]
        location = (
            self.country(
                row["location_country_id"],
                row["location_country__iso2"],
                row["location_country__name"],
            )
            if row["location_country_id"] is not None
            else None
        )
        # ThreatEntry.targeted_countries: named ones and where it happened, by name.
        targeted = {target[0]: target for target in targets}
        if location is not None:
            targeted.setdefault(
                row["location_country_id"],
                (
                    row["location_country_id"],
                    row["location_country__iso2"],
                    row["location_country__name"],
                ),
            )
        targeted_countries = [
            self.country(*target)
            for target in sorted(targeted.values(), key=lambda target: target[2])
        ]
        credibility = row["information_credibility"]
        override = row["credibility_override"]
        reliability = row["source_reliability"]
        latitude = row["latitude"]
        longitude = row["longitude"]
        return {
            "id": pk,
            "url": join(urls.entry, slug),
            "web_url": urls.web.replace("\x00", slug),
            "slug": slug,
            "title": row["title"],
            "summary": row["summary"],
            "category": {
                "id": row["category_id"],
                "url": join(urls.category, row["category__slug"]),
                "slug": row["category__slug"],
                "name": row["category__name"],
            },
            "occurred_start": _day(row["occurred_start"]),
            "occurred_start_precision": row["occurred_start_precision"],
            "occurred_end": _day(row["occurred_end"]),
            "occurred_end_precision": row["occurred_end_precision"],
            "reported": _day(row["reported"]),
            "location_name": row["location_name"],
            "location_country": location,
            "geo_precision": row["geo_precision"],
            "sea_area": row["sea_area"],
            "sea_area_detail": row["sea_area_detail"],
            "latitude": None
            if latitude is None
            else self.latitude.to_representation(latitude),
            "longitude": None
            if longitude is None
            else self.longitude.to_representation(longitude),
            "coordinates_source": _source(
                urls,
                row["coordinates_source_id"],
                row["coordinates_source__url"],
                row["coordinates_source__title"],
                row["coordinates_source__caution"],
                row["coordinates_source__publisher__name"],
                row["coordinates_source__publisher__reliability"],
            )
            if row["coordinates_source_id"] is not None
            else None,
            "coordinates_note": row["coordinates_note"],
            "target_countries": target_countries,
            "targeted_countries": targeted_countries,
            "targets_note": row["targets_note"],
            "severity": row["severity"],
            "severity_note": row["severity_note"],
            "source_reliability": reliability or None,
            "independent_publishers": row["corroboration"],
            "information_credibility": credibility,
            "credibility_basis": None
            if credibility is None
            else ("corroboration" if override is None else "reviewer"),
            "credibility_override": override,
            "admiralty_code": f"{reliability or '–'}{credibility}"
            if credibility
            else "",
            "rating_note": row["rating_note"],
            "related_exercises": [
                {
                    "id": exercise_id,
                    "url": join(urls.exercise, exercise_slug),
                    "slug": exercise_slug,
                    "name": exercise_name,
                }
                for exercise_id, exercise_slug, exercise_name in found[
                    "related_exercises"
                ]
            ],
            "attributions": [
                {
                    "id": attribution_id,
                    "url": join(urls.attribution, attribution_id),
                    "actor": {
                        "id": actor_id,
                        "url": join(urls.actor, actor_slug),
                        "slug": actor_slug,
                        "name": actor_name,
                    },
                    "attributed_by": attributed_by,
                    "attribution_confidence": confidence,
                }
                for (
                    attribution_id,
                    attributed_by,
                    confidence,
                    actor_id,
                    actor_slug,
                    actor_name,
                ) in found["attributions"]
            ],
            "confidence": row["confidence"],
            "sources": [_source(urls, *source) for source in found["sources"]],
            "publication_status": row["publication_status"],
            "published_at": _moment(row["published_at"], zone),
            "retracted_at": _moment(row["retracted_at"], zone),
            "retraction_reason": row["retraction_reason"],
            "last_verified": _day(row["last_verified"]),
            "created": _moment(row["created"], zone),
            "updated": _moment(row["updated"], zone),
        }
