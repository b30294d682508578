"""The alliances app's models, one module per subject: countries and sources
(reference data), organisations and their memberships, agreements and their
parties. Each module imports those it names, so the models load in that order,
their order in the API and in /deletions/."""

from .agreements import (
    Agreement,
    AgreementParty,
    AgreementPartyQuerySet,
    AgreementQuerySet,
)
from .countries import (
    NOT_RATED,
    Country,
    CountryQuerySet,
    Publisher,
    PublisherQuerySet,
    Source,
    SourceQuerySet,
    SubqueryCount,
    current_date,
)
from .organisations import (
    MEMBERSHIP_OVERLAP_MESSAGE,
    Membership,
    MembershipQuerySet,
    Organisation,
    OrganisationQuerySet,
)

__all__ = [
    "MEMBERSHIP_OVERLAP_MESSAGE",
    "NOT_RATED",
    "Agreement",
    "AgreementParty",
    "AgreementPartyQuerySet",
    "AgreementQuerySet",
    "Country",
    "CountryQuerySet",
    "Membership",
    "MembershipQuerySet",
    "Organisation",
    "OrganisationQuerySet",
    "Publisher",
    "PublisherQuerySet",
    "Source",
    "SourceQuerySet",
    "SubqueryCount",
    "current_date",
]
