"""The editorial workflow through the API: ``POST <id>/submit/``, ``publish/``,
``send-back/`` and ``retract/`` on organisations, agreements, exercises and
threat entries.

Who may do what: anonymous 401; a logged-in reader 403 (404 for a record they
cannot see); an editor submits but does not publish, send back or retract
(403); a reviewer does, except publish a record they submitted or last edited
(409). A step the record's state does not allow is a 409; a retraction without
a reason a 400.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import Deletion
from tests import factories

# The module, not its classes: a test class imported here is collected and run
# here a second time.
from tests.api import test_crud

pytestmark = pytest.mark.django_db

RESOURCES = {
    "organisations": test_crud.TestOrganisations,
    "agreements": test_crud.TestAgreements,
    "exercises": test_crud.TestExercises,
    "threats": test_crud.TestThreats,
}
BUILDERS = {
    "organisations": factories.organisation,
    "agreements": factories.agreement,
    "exercises": factories.exercise,
    "threats": factories.threat,
}
STEPS = ["submit", "publish", "send-back", "retract"]
WHY = {"reason": "The ministry denied it; our only source was wrong."}


def build(resource, status, **extra):
    values = {"publication_status": status, **extra}
    if status in ("draft", "review"):
        values["published_at"] = None
    if status == "retracted":
        values.update(retracted_at=timezone.now(), retraction_reason="Wrong.")
    return BUILDERS[resource](**values)


def token_client(user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clients(editor, reviewer, analyst):
    return {
        "anonymous": APIClient(),
        "reader": token_client(analyst),
        "editor": token_client(editor),
        "reviewer": token_client(reviewer),
    }


def step(client, resource, record, name, data=None, **headers):
    return client.post(
        f"/api/v1/{resource}/{record.slug}/{name}/",
        data or {},
        format="json",
        **headers,
    )


def stored(record):
    return (
        type(record)
        .objects.values_list("publication_status", flat=True)
        .get(pk=record.pk)
    )


# Who may take which step -------------------------------------------------------------

# (persona, step, the state the record is in) -> the answer
MATRIX = [
    ("anonymous", "submit", "draft", 401),
    ("anonymous", "publish", "review", 401),
    ("anonymous", "send-back", "review", 401),
    ("anonymous", "retract", "published", 401),
    ("reader", "submit", "draft", 404),  # a draft they cannot see
    ("reader", "publish", "review", 404),
    ("reader", "retract", "published", 403),
    ("editor", "submit", "draft", 200),
    ("editor", "publish", "review", 403),
    ("editor", "send-back", "review", 403),
    ("editor", "retract", "published", 403),
    ("reviewer", "submit", "draft", 200),
    ("reviewer", "publish", "review", 200),  # submitted by someone else
    ("reviewer", "send-back", "review", 200),
    ("reviewer", "retract", "published", 200),
]
AFTER = {"submit": "review", "publish": "published", "send-back": "draft"}


@pytest.mark.parametrize("resource", sorted(RESOURCES))
@pytest.mark.parametrize(("persona", "name", "status", "code"), MATRIX)
def test_who_may_take_each_step(clients, editor, resource, persona, name, status, code):
    record = build(resource, status)
    if status == "review":
        type(record).objects.filter(pk=record.pk).update(
            submitted_by=editor, last_edited_by=editor
        )
    response = step(clients[persona], resource, record, name, WHY)
    assert response.status_code == code, response.content
    if code == 200:
        body = response.json()
        expected = AFTER.get(name, "retracted")
        assert body["publication_status"] == expected
        assert stored(record) == expected
        assert response["ETag"]
    else:
        assert stored(record) == status
    if code == 403:
        assert "reviewer" in response.json()["detail"].lower()


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_nobody_publishes_their_own_change(clients, resource):
    record = build(resource, "draft")
    change = {**RESOURCES[resource].change}
    edited = clients["reviewer"].patch(
        f"/api/v1/{resource}/{record.slug}/", change, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert step(clients["reviewer"], resource, record, "submit").status_code == 200
    refused = step(clients["reviewer"], resource, record, "publish")
    assert refused.status_code == 409
    assert "another reviewer" in refused.json()["detail"]
    assert stored(record) == "review"


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_an_editor_submits_and_a_reviewer_publishes(
    clients, editor, reviewer, resource
):
    """The whole path of a new record, as integrations take it."""
    created = clients["editor"].post(
        f"/api/v1/{resource}/", RESOURCES[resource]().create_data(), format="json"
    )
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert created.json()["publication_status"] == "draft"
    assert clients["anonymous"].get(url).status_code == 404

    submitted = clients["editor"].post(f"{url}submit/", {}, format="json")
    assert submitted.json()["publication_status"] == "review"
    assert clients["anonymous"].get(url).status_code == 404

    published = clients["reviewer"].post(
        f"{url}publish/", {"reason": "Sources checked."}, format="json"
    )
    assert published.status_code == 200, published.content
    assert published.json()["published_at"]
    shown = clients["anonymous"].get(url)
    assert shown.status_code == 200
    assert shown.json()["publication_status"] == "published"

    record = RESOURCES[resource].model.objects.get(pk=created.json()["id"])
    assert (record.last_edited_by, record.submitted_by, record.reviewed_by) == (
        editor,
        editor,
        reviewer,
    )
    history = clients["editor"].get(f"{url}history/").json()
    steps = [(event["user"], event["reason"]) for event in history]
    assert ("edita", "Submitted for review") in steps
    assert ("rita", "Sources checked.") in steps
    # The public log starts when the record was published.
    public = clients["anonymous"].get(f"{url}history/").json()
    assert [event["reason"] for event in public] == ["Sources checked."]


@pytest.mark.parametrize("resource", sorted(RESOURCES))
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("submit", "review"),
        ("submit", "published"),
        ("publish", "draft"),
        ("publish", "published"),
        ("send-back", "draft"),
        ("send-back", "published"),
        ("retract", "draft"),
        ("retract", "retracted"),
    ],
)
def test_a_step_the_state_does_not_allow_is_409(clients, resource, name, status):
    record = build(resource, status)
    response = step(clients["reviewer"], resource, record, name, WHY)
    assert response.status_code == 409, response.content
    assert "Only" in response.json()["detail"]
    assert stored(record) == status


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_retraction_needs_a_public_reason(clients, reason):
    record = build("threats", "published")
    data = {} if reason is None else {"reason": reason}
    response = step(clients["reviewer"], "threats", record, "retract", data)
    assert response.status_code == 400
    assert response.json()["reason"]
    assert stored(record) == "published"


@pytest.mark.parametrize("name", STEPS)
def test_unknown_records_and_bad_bodies(clients, name):
    response = clients["reviewer"].post(
        f"/api/v1/threats/no-such-thing/{name}/", WHY, format="json"
    )
    assert response.status_code == 404
    record = build("threats", "review")
    for body in ({"reason": "x" * 1001}, {"reason": "nul\x00"}, {"reason": ["a"]}):
        answer = step(clients["reviewer"], "threats", record, name, body)
        assert answer.status_code == 400, (body, answer.content)
        assert "reason" in answer.json()
    assert stored(record) == "review"


def test_a_stale_etag_stops_a_step(clients):
    record = build("threats", "review")
    stale = clients["reviewer"].get(f"/api/v1/threats/{record.slug}/")["ETag"]
    clients["editor"].patch(
        f"/api/v1/threats/{record.slug}/", {"severity": 2}, format="json"
    )
    response = step(
        clients["reviewer"], "threats", record, "publish", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert stored(record) == "review"
    fresh = clients["reviewer"].get(f"/api/v1/threats/{record.slug}/")["ETag"]
    # The editor's edit makes them, not the reviewer, its last editor.
    response = step(
        clients["reviewer"], "threats", record, "publish", HTTP_IF_MATCH=fresh
    )
    assert response.status_code == 200


def test_a_session_needs_csrf_for_a_step(reviewer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    record = build("threats", "review")
    response = step(client, "threats", record, "publish")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert stored(record) == "review"


# Writing around the workflow -----------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_an_editor_cannot_publish_by_writing_the_status(clients, resource):
    """Mass assignment: the workflow fields are read-only, a write ignores them."""
    record = build(resource, "review")
    response = clients["editor"].patch(
        f"/api/v1/{resource}/{record.slug}/",
        {
            "publication_status": "published",
            "published_at": "2024-01-01T00:00:00Z",
            "reviewed_by": 1,
            "submitted_by": None,
            "retraction_reason": "x",
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["publication_status"] == "review"
    record.refresh_from_db()
    assert (record.publication_status, record.published_at) == ("review", None)
    assert record.reviewed_by is None
    assert record.retraction_reason == ""


def test_the_schema_marks_the_workflow_fields_read_only(anon):
    schema = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    for name in ("Organisation", "Agreement", "Exercise", "ThreatEntry"):
        for field in ("publication_status", "published_at", "retracted_at"):
            assert components[name]["properties"][field]["readOnly"], (name, field)
            assert field not in components[f"Patched{name}Request"]["properties"]
        assert "change_reason" in components[f"Patched{name}Request"]["properties"]
        assert "change_reason" not in components[name]["properties"]
    threats = schema["paths"]["/api/v1/threats/"]["get"]["parameters"]
    [status] = [p for p in threats if p["name"] == "publication_status"]
    assert status["schema"]["items"]["enum"] == [
        "draft",
        "review",
        "published",
        "retracted",
        "",  # an empty value is no filter, as in every filter
    ]
    actions = schema["paths"]["/api/v1/threats/{slug}/publish/"]["post"]
    assert {"200", "401", "403", "404", "409"} <= set(actions["responses"])
    detail = schema["paths"]["/api/v1/threats/{slug}/"]["get"]["responses"]
    assert detail["410"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Retracted"
    }


def test_a_row_added_by_a_reviewer_makes_the_change_theirs(clients, editor):
    """Adding a membership to an organisation in review is an edit of it: the
    reviewer who made it may not publish the organisation."""
    organisation = build("organisations", "review", submitted_by=editor)
    data = {
        "organisation": organisation.slug,
        "country": factories.country().iso2,
        "role": "member",
        "sources": [factories.source().pk],
    }
    added = clients["reviewer"].post("/api/v1/memberships/", data, format="json")
    assert added.status_code == 201, added.content
    refused = step(clients["reviewer"], "organisations", organisation, "publish")
    assert refused.status_code == 409
    organisation.refresh_from_db()
    assert organisation.last_edited_by.username == "rita"


# Retractions --------------------------------------------------------------------------


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_a_retraction_leaves_the_lists_and_appears_in_deletions(clients, resource):
    record = build(resource, "published", slug="withdrawn")
    other = build(resource, "published")
    Deletion.objects.create(kind="actors", object_id=1, slug="old")
    Deletion.objects.update(deleted=timezone.now() - datetime.timedelta(days=30))
    since = timezone.now().isoformat()

    response = step(clients["reviewer"], resource, record, "retract", WHY)
    assert response.status_code == 200
    assert response.json()["retraction_reason"] == WHY["reason"]

    anonymous = clients["anonymous"]
    listed = anonymous.get(f"/api/v1/{resource}/").json()["results"]
    assert [row["slug"] for row in listed] == [other.slug]
    gone = anonymous.get(f"/api/v1/{resource}/withdrawn/")
    assert gone.status_code == 410
    assert gone.json()["retraction_reason"] == WHY["reason"]

    deletions = anonymous.get("/api/v1/deletions/", {"since": since}).json()
    assert deletions["results"] == [
        {
            "kind": resource,
            "id": record.pk,
            "slug": "withdrawn",
            "deleted": deletions["results"][0]["deleted"],
            "retracted": True,
            "reason": WHY["reason"],
        }
    ]
    retracted = anonymous.get("/api/v1/deletions/", {"retracted": "true"}).json()
    assert [row["slug"] for row in retracted["results"]] == ["withdrawn"]
    deleted = anonymous.get("/api/v1/deletions/", {"retracted": "false"}).json()
    assert [row["slug"] for row in deleted["results"]] == ["old"]


def test_a_retraction_hides_the_rows_of_the_record(clients):
    entry = build("threats", "published")
    attribution = factories.attribution(entry=entry)
    step(clients["reviewer"], "threats", entry, "retract", WHY)
    anonymous = clients["anonymous"]
    assert anonymous.get(f"/api/v1/attributions/{attribution.pk}/").status_code == 404
    assert anonymous.get("/api/v1/attributions/").json()["results"] == []
    editor_view = clients["editor"].get(f"/api/v1/attributions/{attribution.pk}/")
    assert editor_view.status_code == 200


def test_deleting_a_draft_is_not_announced(clients):
    record = build("threats", "draft", slug="secret-draft")
    response = clients["editor"].delete(f"/api/v1/threats/{record.slug}/")
    assert response.status_code == 204  # no reason needed: never public
    assert clients["anonymous"].get("/api/v1/deletions/").json()["results"] == []
