"""The threats app's models, one module per subject: the vocabulary (categories,
actors and their aliases), threat entries, and attributions with the signals
that keep an entry's ratings in step with its sources. Each module imports those
it names, so the models load in that order."""

from .attributions import Attribution, AttributionQuerySet
from .entries import (
    PUBLISH_NEEDS_SEVERITY,
    ThreatEntry,
    ThreatEntryQuerySet,
    credibility_from_corroboration,
)
from .vocabulary import (
    Actor,
    ActorAlias,
    ActorQuerySet,
    ThreatCategory,
    ThreatCategoryQuerySet,
)

__all__ = [
    "PUBLISH_NEEDS_SEVERITY",
    "Actor",
    "ActorAlias",
    "ActorQuerySet",
    "Attribution",
    "AttributionQuerySet",
    "ThreatCategory",
    "ThreatCategoryQuerySet",
    "ThreatEntry",
    "ThreatEntryQuerySet",
    "credibility_from_corroboration",
]
