"""Apps declare, the kernel and the pages discover: each list below is found from
the models' own declarations, so a new model in an app shows up everywhere."""

import pytest

from config import api_urls
from config.pages import retractions, search, timeline
from core.models import deletion_kinds, reviewed_models

pytestmark = pytest.mark.django_db


def test_every_api_resource_announces_its_deletions():
    prefixes = {
        prefix
        for router in api_urls.ROUTERS
        for prefix, _viewset, _basename in router.registry
    }
    # /deletions/ and /revisions/ are the API's own lists, not records of the Atlas.
    assert {kind for kind, _label in deletion_kinds()} == prefixes - {
        "deletions",
        "revisions",
    }


def test_the_api_root_lists_every_resource(client):
    root = client.get("/api/v1/").json()
    for router in api_urls.ROUTERS:
        for prefix, _viewset, basename in router.registry:
            assert root[prefix].endswith(f"/api/v1/{prefix}/"), basename


def test_the_cross_app_pages_find_the_reviewed_models():
    reviewed = {model._meta.model_name for model in reviewed_models()}
    assert reviewed == {"organisation", "agreement", "exercise", "threatentry"}
    on_retractions = {
        model._meta.model_name
        for model, _title in retractions.RetractionListView.kinds()
    }
    assert on_retractions == reviewed
    searched = [kind.key for kind in search.kinds()]
    assert searched == [
        "organisations",
        "agreements",
        "exercises",
        "threats",
        "countries",
    ]
    assert list(timeline.timeline_models()) == ["agreement", "exercise", "threat"]
