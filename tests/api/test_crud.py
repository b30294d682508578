"""CRUD and permissions for every API resource (see tests/api/crud.py)."""

import pytest

from alliances.models import (
    Agreement,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from exercises.models import Exercise, ExerciseSeries
from tests import factories
from tests.api.crud import ResourceTests
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

pytestmark = pytest.mark.django_db


class TestCountries(ResourceTests):
    path = "/api/v1/countries/"
    model = Country
    kind = "countries"
    change = {"name_lt": "Naujas vardas"}

    def make(self):
        country = factories.country()
        factories.membership(country_obj=country)  # listed: named in a record
        return country

    def make_deletable(self):
        return factories.country()

    def key(self, obj):
        return obj.iso2

    def create_data(self):
        return {"iso2": "QM", "name": "Qmland", "name_lt": "Qmija"}


class TestSources(ResourceTests):
    path = "/api/v1/sources/"
    model = Source
    kind = "sources"
    kind_has_slug = False
    change = {"caution": "State media"}

    def make(self):
        return factories.source()

    def key(self, obj):
        return obj.pk

    def create_data(self):
        return {
            "document_url": "https://example.org/report",
            "title": "A report",
            "publisher": factories.publisher("Example").name,
            "published": "2024-05-01",
            "published_precision": "month",
            "accessed": "2024-06-01",
            "language": "en",
        }


class TestPublishers(ResourceTests):
    path = "/api/v1/publishers/"
    model = Publisher
    kind = "publishers"
    kind_has_slug = False
    # An editor may name a publisher; its letter is a reviewer's (see
    # tests/alliances/test_publishers.py).
    change = {"name": "Renamed outlet"}

    def make(self):
        return factories.publisher(f"Outlet {Publisher.objects.count()}", "C")

    def make_deletable(self):
        return factories.publisher("Unused outlet")

    def key(self, obj):
        return obj.pk

    def create_data(self):
        return {"name": "New outlet"}


class TestOrganisations(ResourceTests):
    path = "/api/v1/organisations/"
    model = Organisation
    kind = "organisations"
    reviewed = under_review = True
    change = {"acronym": "NO"}

    def make(self):
        return factories.organisation()

    def create_data(self):
        return {
            "slug": "new-organisation",
            "name": "New organisation",
            "acronym": "NEW",
            "type": "military_alliance",
            "founded": "1994-01-01",
            "founded_precision": "year",
            "hq_country": factories.country("LT", "Lithuania").iso2,
            "parent": factories.organisation().slug,
            "sources": [factories.source().pk],
        }


class TestMemberships(ResourceTests):
    path = "/api/v1/memberships/"
    model = Membership
    kind = "memberships"
    kind_has_slug = False
    under_review = True  # a row of a published record
    change = {"role": "partner"}

    def make(self):
        return factories.membership()

    def key(self, obj):
        return obj.pk

    def create_data(self):
        return {
            "organisation": factories.organisation().slug,
            "country": factories.country().iso2,
            "role": "member",
            "joined": "2004-03-29",
            "joined_precision": "day",
            "sources": [factories.source().pk],
        }


class TestAgreements(ResourceTests):
    path = "/api/v1/agreements/"
    model = Agreement
    kind = "agreements"
    reviewed = under_review = True
    change = {"status": "in_force"}

    def make(self):
        return factories.agreement()

    def create_data(self):
        return {
            "slug": "new-agreement",
            "title": "New agreement",
            "type": "memorandum",
            "signed": "2023-01-01",
            "signed_precision": "year",
            "signatories": ["A minister"],
            "parties": [
                {"country": factories.country().iso2, "organisation": None, "name": ""},
                {
                    "country": None,
                    "organisation": factories.organisation().slug,
                    "name": "",
                },
                {"country": None, "organisation": None, "name": "KNDS Deutschland"},
            ],
            "sources": [factories.source().pk],
        }


class TestExerciseSeries(ResourceTests):
    path = "/api/v1/exercise-series/"
    model = ExerciseSeries
    kind = "exercise-series"
    change = {"description": "Held every year."}

    def make(self):
        return factories.series()

    def create_data(self):
        return {"slug": "new-series", "name": "New series", "description": ""}


class TestExercises(ResourceTests):
    path = "/api/v1/exercises/"
    model = Exercise
    kind = "exercises"
    reviewed = under_review = True
    change = {"personnel": 3000}

    def make(self):
        return factories.exercise()

    def create_data(self):
        host = factories.country()
        return {
            "slug": "new-exercise",
            "name": "New exercise",
            "series": factories.series().slug,
            "domain": "land",
            "start": "2024-06-01",
            "start_precision": "month",
            "end": "2024-06-30",
            "end_precision": "day",
            "host_countries": [host.iso2],
            "participants": [{"country": host.iso2, "personnel": 100, "note": ""}],
            "locations": [
                {
                    "name": "Pabradė",
                    "country": host.iso2,
                    "latitude": 54.98,
                    "longitude": 25.78,
                    "coordinates_source": None,
                    "coordinates_note": "",
                }
            ],
            "sources": [factories.source().pk],
        }


class TestThreatCategories(ResourceTests):
    path = "/api/v1/threat-categories/"
    model = ThreatCategory
    kind = "threat-categories"
    change = {"description": "Anything else."}

    def make(self):
        return ThreatCategory.objects.create(slug="test-kind", name="Test kind")

    def create_data(self):
        return {"slug": "new-kind", "name": "New kind", "position": 99}


class TestActors(ResourceTests):
    path = "/api/v1/actors/"
    model = Actor
    kind = "actors"
    change = {"aliases": ["Sandworm", "Unit 74455"]}

    def make(self):
        return factories.actor()

    def create_data(self):
        return {
            "slug": "new-actor",
            "name": "New actor",
            "kind": "state_affiliated",
            "country": factories.country().iso2,
            "aliases": ["APT00"],
        }


class TestThreats(ResourceTests):
    path = "/api/v1/threats/"
    model = ThreatEntry
    kind = "threats"
    reviewed = under_review = True
    change = {"severity": 4}

    def make(self):
        entry = factories.threat()
        factories.attribution(entry=entry)
        return entry

    def create_data(self):
        return {
            "slug": "new-threat",
            "title": "New threat",
            "category": "cyber-attack",
            "occurred_start": "2024-03-01",
            "occurred_start_precision": "month",
            "target_countries": [factories.country().iso2],
            "geo_precision": "town",
            "latitude": 54.7,
            "longitude": 25.3,
            "coordinates_source": factories.source().pk,
            "severity": 2,
            "severity_note": "A short, contained disruption.",
            "related_exercises": [factories.exercise().slug],
            "sources": [factories.source().pk],
        }


class TestAttributions(ResourceTests):
    path = "/api/v1/attributions/"
    model = Attribution
    kind = "attributions"
    kind_has_slug = False
    under_review = True  # a row of a published record
    change = {"basis": "A government statement."}

    def make(self):
        return factories.attribution()

    def key(self, obj):
        return obj.pk

    def create_data(self):
        return {
            "entry": factories.threat().slug,
            "actor": factories.actor().slug,
            "attributed_by": "Lithuanian government",
            "attributed_on": "2024-04-01",
            "attributed_on_precision": "month",
            "attribution_confidence": "official_assessment",
            "sources": [factories.source().pk],
        }
