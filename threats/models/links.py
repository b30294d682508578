"""What a threat entry's page shows of the records it is linked with: the entries
it follows up and those following it up, and related entries (the same
category or actor), each read as the few columns a line shows."""

from django.apps import apps as django_apps
from django.db import models
from django.db.models import Q

from core.search import AnyOf


def attribution_model():
    """Attribution, which the queries here use; its module imports this one."""
    return django_apps.get_model("threats", "Attribution")


# What a line naming another entry or an exercise shows (its link, title and
# dates): detail pages read these columns only.
LINK_FIELDS = (
    "slug",
    "title",
    "publication_status",
    "occurred_start",
    "occurred_start_precision",
    "occurred_end",
    "occurred_end_precision",
)
EXERCISE_LINK_FIELDS = (
    "slug",
    "name",
    "publication_status",
    "start",
    "start_precision",
    "end",
    "end_precision",
)


class EntryLinks:
    """ThreatEntryQuerySet's queries of an entry's linked and related entries."""

    def linked_to(self, entry):
        """``(follows_up, followed_up_by)``: these entries that ``entry``
        follows up and those that follow it up, oldest first, in one query (the
        ids of both sides looked up in the primary key's index, each row's side
        from the links' own index). Call it on ``published()`` so that a draft
        is not named on a page."""
        links = self.model.follows_up.through.objects
        followed = links.filter(from_threatentry=entry.pk)
        following = links.filter(to_threatentry=entry.pk)
        rows = (
            self.filter(
                Q(AnyOf(models.F("pk"), followed.values("to_threatentry")))
                | Q(AnyOf(models.F("pk"), following.values("from_threatentry")))
            )
            .annotate(
                atlas_followed=models.Exists(
                    followed.filter(to_threatentry=models.OuterRef("pk"))
                ),
                atlas_following=models.Exists(
                    following.filter(from_threatentry=models.OuterRef("pk"))
                ),
            )
            .only(*LINK_FIELDS)
            .order_by("occurred_start", "pk")
        )
        rows = list(rows)
        return (
            [row for row in rows if row.atlas_followed],
            [row for row in rows if row.atlas_following],
        )

    def related_to(self, entry, limit=8):
        """Up to ``limit`` other entries sharing both the category and an actor,
        then the category (the narrower tie), then an actor; newest first in
        each. ``entry.attributions`` should be prefetched (``for_detail``).
        One query that orders a few dozen candidates read from indexes: the
        newest ``limit`` sharing both and ``2 * limit`` of each kind, enough
        when fewer than ``limit`` share both."""
        actor_ids = {attribution.actor_id for attribution in entry.attributions.all()}
        shares_actor = (
            models.Exists(
                attribution_model().objects.filter(
                    entry=models.OuterRef("pk"), actor_id__in=actor_ids
                )
            )
            if actor_ids
            else models.Value(False)
        )
        others = self.exclude(pk=entry.pk).order_by("-occurred_start", "title")
        same_category = others.filter(category_id=entry.category_id)
        candidates = same_category.values("pk")[: 2 * limit]
        if actor_ids:
            candidates = candidates.union(
                same_category.filter(shares_actor).values("pk")[:limit],
                others.filter(shares_actor).values("pk")[: 2 * limit],
            )
        return (
            self.filter(pk__in=candidates)
            .annotate(
                shares_actor=shares_actor,
                shares_category=models.ExpressionWrapper(
                    Q(category_id=entry.category_id),
                    output_field=models.BooleanField(),
                ),
            )
            .select_related("category")
            .only(*LINK_FIELDS, "category")
            .order_by("-shares_category", "-shares_actor", "-occurred_start", "title")[
                :limit
            ]
        )
