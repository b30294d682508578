"""Threat vocabulary: the categories of threat and the actors blamed, with the
aliases that name them."""

import re

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from alliances.models import Country
from core.history import track_history
from core.models import (
    BilingualName,
    TimeStampedModel,
)
from core.search import (
    SlugQuerySet,
)


class ThreatCategoryQuerySet(SlugQuerySet):
    search_fields = ("name", "name_lt", "description")


@track_history
class ThreatCategory(BilingualName, TimeStampedModel):
    """An entry of the controlled list of threat kinds (cyber attack, sabotage...)."""

    # Its API resource (/api/v1/threat-categories/) and kind in /deletions/.
    api_kind = "threat-categories"

    name = models.CharField(_("name"), max_length=100)
    name_lt = models.CharField(_("name in Lithuanian"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=60, db_index=False)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    objects = ThreatCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("threat category")
        verbose_name_plural = _("threat categories")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], name="threat_category_slug_unique"
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="threat_category_name_unique_ci",
                violation_error_message=_("A category with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


# "Russia (Navy)": an actor's name and, in brackets, a part of it.
_NAME_AND_UNIT = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<unit>[^()]+)\)$")


class ActorQuerySet(SlugQuerySet):
    search_fields = ("name", "name_lt", "description")

    def named(self, name):
        """The actor called ``name`` or known by it (ActorAlias), in any case;
        None when no actor is."""
        name = " ".join(str(name or "").split())
        if not name:
            return None
        return (
            self.filter(name__iexact=name).first()
            or self.filter(alias_names__name__iexact=name).first()
        )

    def resolve(self, name):
        """``(actor, unit)`` for a name as sources write it, so imports never
        make a near-duplicate actor: "Russian Federation" is Russia (an alias);
        "Russia (Navy)" is Russia with the unit "Navy" (a known actor and, in
        brackets, what is not itself an actor); "Russian military intelligence
        (GRU)" is the GRU. ``(None, "")`` when the name is no known actor."""
        actor = self.named(name)
        if actor is not None:
            return actor, ""
        match = _NAME_AND_UNIT.match(" ".join(str(name or "").split()))
        if match is None:
            return None, ""
        actor = self.named(match["name"])
        if actor is None:
            return None, ""
        in_brackets = self.named(match["unit"])
        return actor, "" if in_brackets == actor else match["unit"]


@track_history
class Actor(BilingualName, TimeStampedModel):
    """Who is behind, or blamed for, a threat: a state, an agency, a group or unknown."""

    # Its API resource (/api/v1/actors/) and kind in /deletions/.
    api_kind = "actors"

    class Kind(models.TextChoices):
        STATE = "state", _("state")
        STATE_AFFILIATED = "state_affiliated", _("state-affiliated")
        NON_STATE = "non_state", _("non-state")
        UNKNOWN = "unknown", _("unknown")

    name = models.CharField(_("name"), max_length=200)
    name_lt = models.CharField(
        _("name in Lithuanian"),
        max_length=200,
        blank=True,
        help_text=_(
            "Shown on Lithuanian pages; leave blank for a proper name that is "
            "the same in both languages (Killnet, GRU)."
        ),
    )
    slug = models.SlugField(_("slug"), max_length=100, db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
        verbose_name=_("country"),
        help_text=_("The state it is, or is tied to."),
    )
    aliases = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("aliases"),
        default=list,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="actor_slug_unique"),
            models.UniqueConstraint(
                Lower("name"),
                name="actor_name_unique_ci",
                violation_error_message=_("An actor with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


@track_history
class ActorAlias(TimeStampedModel):
    """Another name of an actor ("Russian Federation" for Russia, "UNC1151" for
    Ghostwriter). Imports and the admin resolve it to the actor, so a record
    naming an actor differently never adds a near-duplicate one."""

    actor = models.ForeignKey(
        Actor,
        on_delete=models.CASCADE,
        related_name="alias_names",
        verbose_name=_("actor"),
    )
    name = models.CharField(_("alias"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor alias")
        verbose_name_plural = _("actor aliases")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="actor_alias_name_unique_ci",
                violation_error_message=_(
                    "This alias already names an actor (aliases are unique, "
                    "whatever their case)."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # An alias that is another actor's own name would make that name mean
        # two actors; the database cannot see across the two tables.
        other = Actor.objects.filter(name__iexact=self.name.strip())
        if self.actor_id:
            other = other.exclude(pk=self.actor_id)
        if other.exists():
            raise ValidationError(
                {"name": _("This is the name of another actor, not an alias.")}
            )
