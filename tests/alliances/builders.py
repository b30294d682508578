"""Scenes for the alliances pages, built from tests.factories."""

import datetime

from alliances.models import AgreementParty
from tests import factories

D = datetime.date


def alliance(members=3, **extra):
    """An organisation with ``members`` countries that joined on known days."""
    organisation = factories.organisation(
        founded=D(1990, 1, 1), founded_precision="year", **extra
    )
    for index in range(members):
        factories.membership(
            organisation,
            factories.country(),
            joined=D(2000 + index, 5, 1),
            joined_precision="day",
        )
    return organisation


def agreement_between(*parties, **extra):
    """An agreement whose parties are countries, organisations or names (str)."""
    agreement = factories.agreement(**extra)
    agreement.parties.all().delete()  # the factory's two placeholder countries
    for party in parties:
        if isinstance(party, str):
            AgreementParty.objects.create(agreement=agreement, name=party)
        elif hasattr(party, "iso2"):
            AgreementParty.objects.create(agreement=agreement, country=party)
        else:
            AgreementParty.objects.create(agreement=agreement, organisation=party)
    return agreement


def country_in_the_records(country, copies=1):
    """``copies`` of each kind of record that names ``country``: a membership, an
    agreement, an exercise it hosted, one it took part in, a threat entry
    targeting it and one located in it."""
    for _index in range(copies):
        factories.membership(country_obj=country)
        factories.agreement(parties=[country, factories.country()])
        factories.exercise(hosts=[country])
        factories.exercise(participants=[country])
        factories.threat(targets=[country])
        factories.threat(location_country=country)
