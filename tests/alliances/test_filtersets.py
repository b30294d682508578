"""Every filter of the alliances FilterSets, once, directly."""

import datetime

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from alliances.filtersets import (
    AgreementFilterSet,
    CountryFilterSet,
    MembershipFilterSet,
    OrganisationFilterSet,
)
from alliances.models import Agreement, Country, Membership, Organisation
from core.models import Status
from tests import factories
from tests.alliances import builders

pytestmark = pytest.mark.django_db

D = datetime.date


def filtered(filterset_class, query, queryset):
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def errors(filterset_class, query, queryset):
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert not filterset.is_valid()
    return filterset.errors


# Organisations


def organisations(query):
    return filtered(OrganisationFilterSet, query, Organisation.objects.for_list())


def test_organisation_q_is_accent_insensitive():
    klaipeda = factories.organisation(name="Klaipėda Naval Group", acronym="KNG")
    factories.organisation(name="Vilnius Group")
    assert organisations("q=klaipeda") == [klaipeda]


def test_organisation_type_takes_several_values():
    alliance = factories.organisation(type=Organisation.Type.MILITARY_ALLIANCE)
    mission = factories.organisation(type=Organisation.Type.MISSION)
    factories.organisation(type=Organisation.Type.REGIONAL_FORMAT)
    found = organisations("type=military_alliance&type=mission")
    assert set(found) == {alliance, mission}


def test_organisation_country_needs_every_selected_member_once():
    lt, pl = factories.country("LT", "Lithuania"), factories.country("PL", "Poland")
    both = factories.organisation()
    factories.membership(both, lt, joined=D(2004, 1, 1), joined_precision="year")
    factories.membership(both, pl)
    # Two memberships of the same country (partner, then member): listed once.
    factories.membership(
        both,
        lt,
        role="partner",
        joined=D(1994, 1, 1),
        joined_precision="year",
        left=D(2004, 1, 1),
        left_precision="year",
    )
    only_lt = factories.organisation()
    factories.membership(only_lt, lt)
    assert organisations("country=LT&country=PL") == [both]
    assert set(organisations("country=LT")) == {both, only_lt}


def test_organisation_founded_range():
    old = factories.organisation(founded=D(1949, 4, 4), founded_precision="day")
    new = factories.organisation(founded=D(2014, 1, 1), founded_precision="year")
    factories.organisation()  # founding date unknown
    assert organisations("founded_after=2000-01-01") == [new]
    assert organisations("founded_before=2000-01-01") == [old]


def test_organisation_parent_by_slug():
    nato = factories.organisation(slug="nato")
    child = factories.organisation(parent=nato)
    factories.organisation()
    assert organisations("parent=nato") == [child]


def test_organisation_parent_may_be_a_draft_only_for_editors(editor):
    draft = factories.organisation(
        slug="draft-parent", publication_status=Status.DRAFT, published_at=None
    )
    child = factories.organisation(parent=draft)
    request = RequestFactory().get("/")
    request.user = editor
    query = QueryDict("parent=draft-parent")

    # To the public a draft's slug is no choice at all, like an unknown one.
    public = OrganisationFilterSet(query, queryset=Organisation.objects.all())
    assert "parent" in public.errors
    seen_by_editor = OrganisationFilterSet(
        query, queryset=Organisation.objects.all(), request=request
    )
    assert seen_by_editor.is_valid(), seen_by_editor.errors
    assert list(seen_by_editor.qs) == [child]


def test_organisation_ordering_puts_unknown_founding_last():
    undated = factories.organisation(name="A undated")
    old = factories.organisation(
        name="B old", founded=D(1949, 1, 1), founded_precision="year"
    )
    new = factories.organisation(
        name="C new", founded=D(2014, 1, 1), founded_precision="year"
    )
    assert organisations("ordering=-founded") == [new, old, undated]
    assert organisations("ordering=founded") == [old, new, undated]
    assert organisations("ordering=-name") == [new, old, undated]


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=nato%00", "q"),
        ("type=spaceship", "type"),
        ("country=ZZ", "country"),
        ("country=L%00", "country"),
        ("founded_after=2024-02-30", "founded_after"),
        ("founded_before=yesterday", "founded_before"),
        ("parent=no-such-organisation", "parent"),
        ("ordering=notes", "ordering"),
    ],
)
def test_organisation_invalid_input_is_a_form_error(query, field):
    assert field in errors(OrganisationFilterSet, query, Organisation.objects.all())


# Memberships


def test_membership_as_of_leaves_out_unknown_start_ended_and_future():
    organisation = factories.organisation()
    unknown_start = factories.membership(organisation)
    running = factories.membership(
        organisation, joined=D(2004, 3, 29), joined_precision="day"
    )
    factories.membership(  # left before the day
        organisation,
        joined=D(1999, 1, 1),
        joined_precision="year",
        left=D(2010, 1, 1),
        left_precision="year",
    )
    factories.membership(  # joined after the day
        organisation, joined=D(2020, 3, 27), joined_precision="day"
    )
    found = filtered(MembershipFilterSet, "as_of=2018-06-01", Membership.objects.all())
    assert set(found) == {running}
    # The unknown start is listed apart, by its own filter.
    apart = filtered(
        MembershipFilterSet, "start_unknown_on=2018-06-01", Membership.objects.all()
    )
    assert set(apart) == {unknown_start}
    unknown = filtered(
        MembershipFilterSet, "start_known=false", Membership.objects.all()
    )
    assert set(unknown) == {unknown_start}
    known = filtered(MembershipFilterSet, "start_known=true", Membership.objects.all())
    assert unknown_start not in set(known) and running in set(known)


def test_membership_as_of_needs_all_of_a_vague_start_and_counts_the_day_left():
    organisation = factories.organisation()
    joined_2018 = factories.membership(
        organisation, joined=D(2018, 1, 1), joined_precision="year"
    )
    joined_march = factories.membership(
        organisation, joined=D(2018, 3, 1), joined_precision="month"
    )
    left_on_the_day = factories.membership(
        organisation,
        joined=D(2000, 1, 1),
        joined_precision="day",
        left=D(2018, 6, 1),
        left_precision="day",
    )

    def on(day):
        return set(
            filtered(MembershipFilterSet, f"as_of={day}", Membership.objects.all())
        )

    assert on("2018-06-01") == {joined_march, left_on_the_day}
    assert on("2018-06-02") == {joined_march}
    assert on("2018-03-31") == {joined_march, left_on_the_day}
    assert on("2018-03-30") == {left_on_the_day}
    assert on("2018-12-31") == {joined_2018, joined_march}


def test_membership_start_unknown_on_leaves_out_rows_ended_before_the_day():
    organisation = factories.organisation()
    ended = factories.membership(
        organisation, left=D(2015, 1, 1), left_precision="year"
    )
    found = MembershipFilterSet
    assert set(
        filtered(found, "start_unknown_on=2015-12-31", Membership.objects.all())
    ) == {ended}
    assert not filtered(found, "start_unknown_on=2016-01-01", Membership.objects.all())


def test_membership_as_of_rejects_an_impossible_date():
    assert "as_of" in errors(
        MembershipFilterSet, "as_of=2018-13-01", Membership.objects.all()
    )


# Agreements


def agreements(query):
    return filtered(AgreementFilterSet, query, Agreement.objects.for_list())


def test_agreement_q_matches_a_named_party_once():
    rheinmetall = builders.agreement_between(
        factories.country("LT", "Lithuania"),
        "Rheinmetall Waffe Munition",
        "Rheinmetall Landsysteme",
        title="Ammunition plant",
    )
    factories.agreement(title="Something else")
    assert agreements("q=rheinmetall") == [rheinmetall]


def test_agreement_type_takes_several_values():
    treaty = factories.agreement(type=Agreement.Type.TREATY)
    roadmap = factories.agreement(type=Agreement.Type.ROADMAP)
    factories.agreement(type=Agreement.Type.MEMORANDUM)
    assert set(agreements("type=treaty&type=roadmap")) == {treaty, roadmap}


def test_agreement_status():
    in_force = factories.agreement(status=Agreement.Status.IN_FORCE)
    factories.agreement(status=Agreement.Status.SIGNED)
    factories.agreement()
    assert agreements("status=in_force") == [in_force]


def test_agreement_country_needs_every_selected_party():
    lt, de = factories.country("LT", "Lithuania"), factories.country("DE", "Germany")
    both = builders.agreement_between(lt, de)
    only_lt = builders.agreement_between(lt, factories.country())
    assert agreements("country=LT&country=DE") == [both]
    assert set(agreements("country=LT")) == {both, only_lt}


def test_agreement_signed_range():
    old = factories.agreement(signed=D(2008, 5, 1), signed_precision="month")
    new = factories.agreement(signed=D(2024, 12, 1), signed_precision="month")
    factories.agreement(signed=None, signed_precision="")
    assert agreements("signed_after=2020-01-01") == [new]
    assert agreements("signed_before=2020-01-01") == [old]


def test_agreement_ordering_by_title_and_signature():
    b = factories.agreement(title="B", signed=D(2010, 1, 1), signed_precision="year")
    a = factories.agreement(title="A", signed=D(2020, 1, 1), signed_precision="year")
    undated = factories.agreement(title="C", signed=None, signed_precision="")
    assert agreements("ordering=title") == [a, b, undated]
    assert agreements("ordering=signed") == [b, a, undated]
    assert agreements("ordering=-signed") == [a, b, undated]


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=%00", "q"),
        ("type=treaty&type=pact", "type"),
        ("status=forgotten", "status"),
        ("country=ZZ", "country"),
        ("signed_after=2024-13-01", "signed_after"),
        ("signed_before=2024-1", "signed_before"),
    ],
)
def test_agreement_invalid_input_is_a_form_error(query, field):
    assert field in errors(AgreementFilterSet, query, Agreement.objects.all())


# Countries


def countries(query):
    return filtered(CountryFilterSet, query, Country.objects.for_list())


def test_country_q_matches_lithuanian_name_without_accents_and_iso_code():
    switzerland = factories.country("QS", "Switzerland", name_lt="Šveicarija")
    builders.country_in_the_records(switzerland)
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    builders.country_in_the_records(lithuania)
    assert countries("q=sveicarija") == [switzerland]
    assert countries("q=lt") == [lithuania]


def test_country_has_records_by_default_and_all_on_request():
    recorded = factories.country("QR", "Recorded")
    factories.membership(country_obj=recorded)
    absent = factories.country("QN", "Nowhere")
    assert absent not in countries("")
    assert recorded in countries("has_records=yes")
    assert {recorded, absent} <= set(countries("has_records=all"))


@pytest.mark.parametrize(
    "kind",
    ["membership", "agreement", "host", "participant", "target", "location"],
)
def test_country_counts_as_in_the_records_for_each_kind_of_record(kind):
    country = factories.country("QK", "Kind")
    make = {
        "membership": lambda: factories.membership(country_obj=country),
        "agreement": lambda: factories.agreement(parties=[country]),
        "host": lambda: factories.exercise(hosts=[country]),
        "participant": lambda: factories.exercise(participants=[country]),
        "target": lambda: factories.threat(targets=[country]),
        "location": lambda: factories.threat(location_country=country),
    }
    assert country not in countries("")
    make[kind]()
    assert country in countries("")


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW, Status.RETRACTED])
def test_country_named_only_by_unpublished_records_has_none(status):
    country = factories.country("QU", "Unpublished")
    workflow = {"publication_status": status, "published_at": None}
    if status == Status.RETRACTED:
        workflow = {
            "publication_status": status,
            "retracted_at": datetime.datetime.now(datetime.UTC),
            "retraction_reason": "Wrong country.",
        }
    factories.membership(
        organisation_obj=factories.organisation(**workflow), country_obj=country
    )
    factories.agreement(parties=[country], **workflow)
    factories.exercise(hosts=[country], participants=[country], **workflow)
    factories.threat(targets=[country], location_country=country, **workflow)

    assert country not in countries("")
    assert country in countries("has_records=all")


def test_country_ordering_by_counts():
    busy = factories.country("QB", "Busy")
    builders.country_in_the_records(busy, copies=2)
    quiet = factories.country("QQ", "Quiet")
    factories.exercise(hosts=[quiet])
    assert countries("ordering=-exercises")[:2] == [busy, quiet]
    found = countries("ordering=-threats")
    assert found.index(busy) < found.index(quiet)


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=a%00b", "q"),
        ("has_records=maybe", "has_records"),
        ("ordering=x", "ordering"),
    ],
)
def test_country_invalid_input_is_a_form_error(query, field):
    assert field in errors(CountryFilterSet, query, Country.objects.for_list())
