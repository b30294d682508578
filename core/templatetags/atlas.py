"""Template helpers used across the public pages."""

from django import template
from django.utils.http import urlencode

from core.dates import format_vague_date

register = template.Library()


@register.filter
def vague(obj, field):
    """``{{ entry|vague:"occurred_start" }}`` -> "October 2016" (at its precision)."""
    if obj is None:
        return ""
    return format_vague_date(
        getattr(obj, field, None), getattr(obj, f"{field}_precision", "")
    )


@register.simple_tag
def vague_range(obj, start, end):
    """ "12 June 2017 – 23 June 2017", or one side alone when the other is unknown."""
    first, last = vague(obj, start), vague(obj, end)
    if first and last and first != last:
        return f"{first} – {last}"
    return first or last


@register.simple_tag(takes_context=True)
def query(context, **changes):
    """The current query string with some parameters replaced (None removes one).

    ``page`` is dropped whenever anything else changes, so a new filter starts at
    page 1.
    """
    params = context["request"].GET.copy()
    if set(changes) - {"page"}:
        params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def toggle(context, name, value):
    """Query string that adds ``name=value`` to the current filters, or removes it
    when it is already there (facet links)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    values = params.getlist(name)
    value = str(value)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def qs(**params):
    """A query string from keyword arguments, skipping empty ones."""
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@register.simple_tag(takes_context=True)
def nav_current(context, *view_prefixes):
    """'page' when the current page belongs to one of the sections, for aria-current."""
    match = getattr(context.get("request"), "resolver_match", None)
    name = match.view_name if match else ""
    return (
        "page" if any(name.startswith(prefix) for prefix in view_prefixes) else "false"
    )


@register.filter
def printable(value, limit=200):
    """Text safe to echo back into a form: no NUL or control characters, capped."""
    text = "".join(
        char for char in str(value or "") if char.isprintable() or char == " "
    )
    return text[: int(limit)]


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """The current page in every language, for the hreflang links and the
    language switch: ``[{"code", "name", "url", "absolute"}]``, [] when the
    page has no URL per language."""
    from core.locale import alternates

    request = context.get("request")
    if request is None:
        return []
    return [
        {
            "code": code,
            "name": name,
            "url": url,
            "absolute": request.build_absolute_uri(url),
        }
        for code, name, url in alternates(request.get_full_path())
    ]
