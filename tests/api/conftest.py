"""API personas: anonymous, a logged-in reader without rights, an editor, each
as DRF's APIClient (``public`` and ``insider`` take each side of the view
permission in turn); throttles start from zero in every test."""

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


class CarefulAPIClient(APIClient):
    """An integration that reads before it writes: PUT, PATCH and DELETE send
    the ETag of a GET just before (If-Match), as writes to published records
    require; a test that gives its own If-Match keeps it."""

    def _with_etag(self, path, extra):
        if "HTTP_IF_MATCH" not in extra:
            read = self.get(path)
            if read.has_header("ETag"):
                extra["HTTP_IF_MATCH"] = read["ETag"]
        return extra

    def put(self, path, *args, **extra):
        return super().put(path, *args, **self._with_etag(path, extra))

    def patch(self, path, *args, **extra):
        return super().patch(path, *args, **self._with_etag(path, extra))

    def delete(self, path, *args, **extra):
        return super().delete(path, *args, **self._with_etag(path, extra))


def _token_client(user, client_class=APIClient):
    client = client_class()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(params=["anonymous", "reader"])
def public(request, analyst):
    """Someone without the view permission: anonymous, or logged in without
    rights (a token)."""
    client = APIClient()
    if request.param == "reader":
        client.force_authenticate(analyst)
    return client


@pytest.fixture(params=["editor token", "reviewer session"])
def insider(request, editor, reviewer):
    """Someone who sees every state: an editor (a token) or a reviewer (a
    session)."""
    client = APIClient()
    if request.param == "editor token":
        token, _created = Token.objects.get_or_create(user=editor)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client.force_login(reviewer)
    return client


@pytest.fixture
def editor_api(editor):
    """An editor's integration, with a token."""
    return _token_client(editor)


@pytest.fixture
def analyst_api(analyst):
    """A logged-in user without editing rights, with a token."""
    return _token_client(analyst)


@pytest.fixture
def reviewer_api(reviewer):
    """A reviewer's integration (Editors and Reviewers), with a token."""
    return _token_client(reviewer)


@pytest.fixture
def careful_editor_api(editor):
    """An editor's integration that sends If-Match with every write."""
    return _token_client(editor, CarefulAPIClient)


@pytest.fixture
def careful_reviewer_api(reviewer):
    """A reviewer's integration that sends If-Match with every write."""
    return _token_client(reviewer, CarefulAPIClient)
