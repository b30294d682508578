"""Do the application and the floor answer alike? Checked before measuring.

JSON and CSV must be the same bytes. For the HTML list, whose layout the floor
leaves out, the same facts must be on both pages: the total, the entries in
order with the actors blamed, and every facet's options with their counts.
"""

import json
import re

# Tolerant of the markup around the facts (the tag holding the total, the
# list's other classes): the page's layout is not what is compared.
_SUMMARY = re.compile(r'<(\w+)[^>]*\bclass="result-summary"[^>]*>\s*([^<]*?)\s*</\1>')
_RECORDS = re.compile(r'<ol class="records(?: [^"]*)?">(.*?)</ol>', re.DOTALL)
_RECORD = re.compile(r'<li class="record">(.*?)</li>', re.DOTALL)
_TITLE = re.compile(r'<h3><a href="(/threats/[^"]+/)">')
_ACTOR = re.compile(r'<a class="actor" href="[^"]*">([^<]*)</a>')
_FACET = re.compile(
    r'<section class="facet" aria-labelledby="facet-([a-z_]+)">(.*?)</section>',
    re.DOTALL,
)
_OPTION = re.compile(
    r'<a href="[^"]*"[^>]*>([^<]*)</a> <span class="count">(\d+)</span>'
)


def page_facts(html):
    """What a threat list page says, independent of its markup."""
    summary = _SUMMARY.search(html)
    records = _RECORDS.search(html)
    entries = []
    for record in _RECORD.findall(records.group(1) if records else ""):
        title = _TITLE.search(record)
        entries.append((title.group(1) if title else None, _ACTOR.findall(record)))
    return {
        "summary": " ".join(summary.group(2).split()) if summary else None,
        "entries": entries,
        "facets": {name: _OPTION.findall(body) for name, body in _FACET.findall(html)},
    }


def first_difference(app, floor, path="$"):
    """Where two decoded JSON documents first differ, in words."""
    if type(app) is not type(floor):
        return f"{path}: {app!r} (app) vs {floor!r} (floor)"
    if isinstance(app, dict):
        if list(app) != list(floor):
            return f"{path}: keys {list(app)} (app) vs {list(floor)} (floor)"
        for key in app:
            found = first_difference(app[key], floor[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(app, list):
        if len(app) != len(floor):
            return f"{path}: {len(app)} items (app) vs {len(floor)} (floor)"
        for index, (one, other) in enumerate(zip(app, floor, strict=True)):
            found = first_difference(one, other, f"{path}[{index}]")
            if found:
                return found
        return None
    if app != floor:
        return f"{path}: {app!r} (app) vs {floor!r} (floor)"
    return None


def compare(kind, app_body, floor_body):
    """None when the answers agree, else a message saying how they differ."""
    if kind == "html":
        app_facts, floor_facts = (
            page_facts(app_body.decode()),
            page_facts(floor_body.decode()),
        )
        if not app_facts["entries"]:
            return "the application's page lists no entry (nothing to compare)"
        for key in app_facts:
            if app_facts[key] != floor_facts[key]:
                return (
                    f"{key}: {app_facts[key]!r} (app) vs {floor_facts[key]!r} (floor)"
                )
        return None
    if app_body == floor_body:
        return None
    if kind == "json":
        try:
            found = first_difference(json.loads(app_body), json.loads(floor_body))
        except ValueError as error:
            return f"not JSON: {error}"
        return found or "same data, different bytes (formatting)"
    app_lines, floor_lines = app_body.splitlines(), floor_body.splitlines()
    for number, (one, other) in enumerate(zip(app_lines, floor_lines, strict=False)):
        if one != other:
            return f"line {number + 1}: {one[:300]!r} (app) vs {other[:300]!r} (floor)"
    return f"{len(app_lines)} lines (app) vs {len(floor_lines)} (floor)"
