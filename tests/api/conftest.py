"""API personas: anonymous, a logged-in reader without rights, an editor, each
as DRF's APIClient; throttles start from zero in every test."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


def _token_client(user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def editor_api(editor):
    """An editor's integration, with a token."""
    return _token_client(editor)


@pytest.fixture
def analyst_api(analyst):
    """A logged-in user without editing rights, with a token."""
    return _token_client(analyst)
