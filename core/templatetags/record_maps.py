"""``{% map_points place_or_places ... as points %}``: the places with
coordinates, as the small record map (includes/record_map.html) reads them.

A place is anything with ``latitude`` and ``longitude`` (a threat entry, an
exercise location); its label is its ``location_name`` or its ``name``.
Lists and querysets of places are read in order; no query is made beyond
evaluating what is given.
"""

from django import template

register = template.Library()


def _places(value):
    if value is None or value == "":
        return []
    if hasattr(value, "latitude"):
        return [value]
    return list(value)


@register.simple_tag
def map_points(*values):
    points = []
    for value in values:
        for place in _places(value):
            if place.latitude is None or place.longitude is None:
                continue
            label = getattr(place, "location_name", "") or getattr(place, "name", "")
            points.append(
                {
                    "lat": round(float(place.latitude), 5),
                    "lon": round(float(place.longitude), 5),
                    "label": str(label),
                }
            )
    return points
