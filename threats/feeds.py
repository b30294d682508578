"""Atom feed of published threat entries, with the list page's filters:
``/threats/feed/?category=cyber-attack&target=LT`` follows that selection."""

from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import format_vague_date

from .filtersets import ThreatEntryFilterSet
from .models import ThreatEntry

FEED_LIMIT = 50
NOT_FILTERS = ("page", "format")


class ThreatEntryFeed(Feed):
    feed_type = Atom1Feed
    # RFC 4287: a feed whose entries have no author of their own names one.
    author_name = _("Baltic Security Atlas")
    subtitle = _(
        "Incidents and threat developments in the Baltic region, newest first, "
        "each with its sources and Admiralty rating."
    )

    def get_object(self, request, *args, **kwargs):
        filterset = ThreatEntryFilterSet(
            request.GET or None, queryset=ThreatEntry.objects.published().for_list()
        )
        if filterset.is_bound and not filterset.is_valid():
            raise BadRequest(filterset.errors.as_text())
        params = request.GET.copy()
        for name in NOT_FILTERS:
            params.pop(name, None)
        filterset.query_string = params.urlencode()
        return filterset

    def title(self, filterset):
        selection = "; ".join(_describe(filterset))
        if not selection:
            return gettext("Threat entries · Baltic Security Atlas")
        return gettext("Threat entries (%(selection)s) · Baltic Security Atlas") % {
            "selection": selection
        }

    def _with_query(self, url, filterset):
        return f"{url}?{filterset.query_string}" if filterset.query_string else url

    def link(self, filterset):
        return self._with_query(reverse("threats:threatentry_list"), filterset)

    def feed_url(self, filterset):
        return self._with_query(reverse("threats:threatentry_feed"), filterset)

    def items(self, filterset):
        # Newest first whatever ``ordering`` says: a feed reader wants news.
        return filterset.qs.order_by("-occurred_start", "-created", "title")[
            :FEED_LIMIT
        ]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        facts = [
            item.category.display_name,
            format_vague_date(item.occurred_start, item.occurred_start_precision),
        ]
        if item.location_name:
            facts.append(item.location_name)
        actors = list(
            dict.fromkeys(
                attribution.actor.display_name
                for attribution in item.attributions.all()
            )
        )
        blamed = (
            format_html(
                "<p>{} {}</p>",
                gettext("Blamed:"),
                format_html_join(", ", "{}", ((name,) for name in actors)),
            )
            if actors
            else ""
        )
        return format_html(
            "<p>{}</p><p>{}</p>{}",
            " · ".join(facts),
            item.summary,
            blamed,
        )

    def item_categories(self, item):
        return [item.category.display_name]

    def item_pubdate(self, item):
        # When readers could first see it, not when its draft was begun.
        return item.published_at or item.created

    def item_updateddate(self, item):
        return item.updated


def _describe(filterset):
    """The filters in use, in words: ["Cyber attack", "Lithuania", "2024"]."""
    if not filterset.is_bound:
        return []
    described = []
    for name, value in filterset.form.cleaned_data.items():
        # (An unused multiple choice is an empty queryset: none() runs no query.)
        if name == "ordering" or not value:
            continue
        choices = dict(getattr(filterset.form.fields[name], "choices", ()) or ())
        values = value if isinstance(value, list | tuple | QuerySet) else [value]
        described.append(
            ", ".join(str(choices.get(str(item), item)) for item in values)
        )
    return described
