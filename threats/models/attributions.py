"""Attributions (who is blamed for an entry, by whom, with what confidence) and
the signals that keep an entry's derived ratings in step with its sources."""

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from alliances.models import Publisher, Source
from core.dates import (
    precision_field,
    vague_date_constraint,
)
from core.history import track_history
from core.models import (
    SourcedRecord,
)
from core.search import (
    SearchQuerySet,
)

from .entries import ThreatEntry
from .vocabulary import Actor


class AttributionQuerySet(SearchQuerySet):
    search_fields = ("attributed_by", "basis", "actor__name", "actor_unit")

    def get_by_natural_key(self, entry_slug, actor_slug, attributed_by):
        return self.get(
            entry__slug=entry_slug, actor__slug=actor_slug, attributed_by=attributed_by
        )


@track_history
class Attribution(SourcedRecord):
    """A claim, by someone, that an actor is behind a threat entry."""

    # Its API resource (/api/v1/attributions/) and kind in /deletions/.
    api_kind = "attributions"

    # Part of its entry's content: public when the entry is published, and a
    # change to it is an edit of the entry (core.publication.reviewed_parent).
    reviewed_via = "entry"

    class Confidence(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed (e.g. by a court ruling)")
        SELF_DECLARED = "self_declared", _("self-declared by the actor")
        CLAIMED = "claimed", _("claimed by the perpetrator")
        OFFICIAL_ASSESSMENT = "official_assessment", _("official assessment")
        SUSPECTED = "suspected", _("suspected")
        DISPUTED = "disputed", _("disputed")
        NOT_ATTRIBUTED = "not_attributed", _("not attributed")

    entry = models.ForeignKey(
        ThreatEntry,
        on_delete=models.CASCADE,
        related_name="attributions",
        verbose_name=_("threat entry"),
    )
    actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="attributions",
        verbose_name=_("actor"),
    )
    actor_unit = models.CharField(
        _("unit"),
        max_length=200,
        blank=True,
        help_text=_(
            "The branch or body of the actor the sources name (Baltic Fleet, "
            "Ministry of Defence, intelligence services); the actor stays the "
            "state or group itself."
        ),
    )
    attributed_by = models.CharField(
        _("attributed by"),
        max_length=200,
        blank=True,
        help_text=_(
            "Who made the attribution: a government, a court, the actor itself."
        ),
    )
    attributed_on = models.DateField(_("attributed on"), null=True, blank=True)
    attributed_on_precision = precision_field(_("attributed on precision"))
    attribution_confidence = models.CharField(
        _("attribution confidence"),
        max_length=20,
        choices=Confidence.choices,
    )
    basis = models.TextField(_("basis"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="attributions", verbose_name=_("sources")
    )

    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ["entry", "actor__name"]
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "actor", "attributed_by"],
                name="attribution_unique",
                violation_error_message=_(
                    "This actor is already attributed by the same party."
                ),
            ),
            vague_date_constraint("attribution", "attributed_on"),
        ]

    def __str__(self):
        return f"{self.actor} – {self.entry}"

    def natural_key(self):
        return (self.entry.slug, self.actor.slug, self.attributed_by)

    natural_key.dependencies = ["threats.threatentry", "threats.actor"]


# The derived ratings follow their inputs: an entry's sources, a source's
# publisher, a publisher's letter or independence.


@receiver(models.signals.m2m_changed, sender=ThreatEntry.sources.through)
def _sources_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # source.threat_entries.add(...)
        entries = ThreatEntry.objects.filter(pk__in=pk_set or ())
        if action == "post_clear":
            entries = ThreatEntry.objects.filter(sources__isnull=True)
    else:
        entries = ThreatEntry.objects.filter(pk=instance.pk)
    entries.refresh_assessment()


@receiver(models.signals.post_save, sender=Source)
def _source_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        ThreatEntry.objects.filter(sources=instance).refresh_assessment()


@receiver(models.signals.post_save, sender=Publisher)
def _publisher_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        ThreatEntry.objects.filter(
            sources__publisher=instance
        ).distinct().refresh_assessment()


@receiver(models.signals.pre_delete, sender=Source)
def _source_deleting(sender, instance, **kwargs):
    instance._cited_by_entries = list(
        ThreatEntry.objects.filter(sources=instance).values_list("pk", flat=True)
    )


@receiver(models.signals.post_delete, sender=Source)
def _source_deleted(sender, instance, **kwargs):
    entries = getattr(instance, "_cited_by_entries", None)
    if entries:
        ThreatEntry.objects.filter(pk__in=entries).refresh_assessment()
