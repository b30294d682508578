import datetime

import pytest

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Source,
)
from tests import factories
from tests.constraints import assert_constraint

pytestmark = pytest.mark.django_db

D = datetime.date


def _duplicate_country():
    factories.country("XA", "Atlantis")
    return Country(iso2="XA", name="Another Atlantis")


def _same_name_other_case():
    factories.country("XA", "Atlantis")
    return Country(iso2="XB", name="ATLANTIS")


def _duplicate_source():
    existing = factories.source()
    return Source(url=existing.url, title="Copy")


def _org_slug_taken():
    existing = factories.organisation()
    return Organisation(name="Other", slug=existing.slug, type="regional_format")


def _org_name_taken():
    existing = factories.organisation(name="Bucharest Nine")
    return Organisation(
        name=existing.name.lower(), slug="b9-copy", type="regional_format"
    )


def _org_own_parent():
    org = factories.organisation()
    org.parent_id = org.pk
    return org


def _overlapping_membership():
    first = factories.membership(joined=D(2004, 3, 29), joined_precision="day")
    return Membership(
        organisation=first.organisation,
        country=first.country,
        joined=D(2010, 1, 1),
        joined_precision="year",
    )


def _second_open_membership_overlapping_a_dated_one():
    first = factories.membership(joined=D(2004, 3, 29), joined_precision="day")
    return Membership(
        organisation=first.organisation,
        country=first.country,
        role="partner",
        joined=D(2010, 1, 1),
        joined_precision="year",
    )


def _left_before_joined():
    return Membership(
        organisation=factories.organisation(),
        country=factories.country(),
        joined=D(2004, 3, 29),
        joined_precision="day",
        left=D(2001, 1, 1),
        left_precision="year",
    )


def _month_precision_not_first_day():
    return Membership(
        organisation=factories.organisation(),
        country=factories.country(),
        joined=D(2004, 3, 29),
        joined_precision="month",
    )


def _date_without_precision():
    return Source(
        url="https://example.org/undated", title="Undated", published=D(2020, 5, 5)
    )


def _agreement_slug_taken():
    existing = factories.agreement()
    return Agreement(title="Copy", slug=existing.slug, type="treaty")


def _in_force_before_signed():
    return Agreement(
        title="Backwards",
        slug="backwards",
        type="treaty",
        signed=D(2020, 5, 1),
        signed_precision="day",
        entry_into_force=D(2019, 1, 1),
        entry_into_force_precision="year",
    )


def _ended_before_signed():
    return Agreement(
        title="Backwards",
        slug="backwards",
        type="treaty",
        signed=D(2020, 5, 1),
        signed_precision="day",
        ended=D(2019, 1, 1),
        ended_precision="year",
    )


def _party_with_two_identities():
    return AgreementParty(
        agreement=factories.agreement(),
        country=factories.country(),
        organisation=factories.organisation(),
    )


def _party_with_no_identity():
    return AgreementParty(agreement=factories.agreement())


def _country_party_twice():
    agreement = factories.agreement()
    return AgreementParty(
        agreement=agreement, country=agreement.parties.first().country
    )


def _organisation_party_twice():
    agreement = factories.agreement()
    organisation = factories.organisation()
    AgreementParty.objects.create(agreement=agreement, organisation=organisation)
    return AgreementParty(agreement=agreement, organisation=organisation)


def _named_party_twice():
    agreement = factories.agreement()
    AgreementParty.objects.create(agreement=agreement, name="Rheinmetall")
    return AgreementParty(agreement=agreement, name="Rheinmetall")


@pytest.mark.parametrize(
    ("make_invalid", "constraint", "message"),
    [
        (_duplicate_country, "country_iso2_unique", "already exists"),
        (_same_name_other_case, "country_name_unique_ci", "already exists"),
        (
            lambda: Country(iso2="lt", name="Lithuania?"),
            "country_iso2_format",
            "two capital",
        ),
        (_duplicate_source, "source_url_unique", "already exists"),
        (_date_without_precision, "source_published_precision", "precision"),
        (_org_slug_taken, "organisation_slug_unique", "already exists"),
        (_org_name_taken, "organisation_name_unique_ci", "already exists"),
        (_org_own_parent, "organisation_not_own_parent", "its own parent"),
        (
            _overlapping_membership,
            "membership_no_overlap",
            "covering part of these dates",
        ),
        (
            _second_open_membership_overlapping_a_dated_one,
            "membership_no_overlap",
            "covering part of these dates",
        ),
        (_left_before_joined, "membership_left_not_before_joined", "cannot be before"),
        (
            _month_precision_not_first_day,
            "membership_joined_precision",
            "1st of the month",
        ),
        (_agreement_slug_taken, "agreement_slug_unique", "already exists"),
        (
            _in_force_before_signed,
            "agreement_entry_into_force_not_before_signed",
            "cannot be before signature",
        ),
        (_ended_before_signed, "agreement_ended_not_before_signed", "cannot be before"),
        (_party_with_two_identities, "agreement_party_exactly_one", "exactly one of"),
        (_party_with_no_identity, "agreement_party_exactly_one", "exactly one of"),
        (_country_party_twice, "agreement_party_country_unique", "already a party"),
        (
            _organisation_party_twice,
            "agreement_party_organisation_unique",
            "already a party",
        ),
        (_named_party_twice, "agreement_party_name_unique", "already listed"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_constraint_rejects_bad_data(make_invalid, constraint, message):
    assert_constraint(make_invalid, constraint, message)


def test_membership_may_resume_after_it_ended():
    first = factories.membership(
        joined=D(1994, 9, 1),
        joined_precision="month",
        left=D(2003, 1, 1),
        left_precision="year",
    )
    again = Membership(
        organisation=first.organisation,
        country=first.country,
        joined=D(2003, 1, 1),
        joined_precision="year",
    )
    again.full_clean()
    again.save()
    assert Membership.objects.filter(country=first.country).count() == 2


def test_membership_active_on_a_day():
    org = factories.organisation()
    early = factories.membership(org, joined=D(2004, 3, 29), joined_precision="day")
    factories.membership(org, joined=D(2023, 4, 4), joined_precision="day")
    gone = factories.membership(
        org,
        joined=D(1999, 1, 1),
        joined_precision="year",
        left=D(2010, 1, 1),
        left_precision="year",
    )
    unknown = factories.membership(org)
    on_2018 = set(org.memberships.active_on(D(2018, 6, 1)))
    assert on_2018 == {early}
    assert gone in set(org.memberships.active_on(D(2009, 12, 31)))
    # The day left is the last day as a member; a start "1999" is certain only
    # once 1999 is over.
    assert gone in set(org.memberships.active_on(D(2010, 1, 1)))
    assert gone not in set(org.memberships.active_on(D(1999, 6, 1)))
    assert unknown not in set(org.memberships.active_on(D(2018, 6, 1)))
    assert set(org.memberships.start_unknown_on(D(2018, 6, 1))) == {unknown}


def test_dates_show_at_their_precision():
    org = factories.organisation(founded=D(2016, 10, 1), founded_precision="month")
    assert org.vague("founded") == "October 2016"
    org.founded_precision = "year"
    org.founded = D(2016, 1, 1)
    assert org.vague("founded") == "2016"
