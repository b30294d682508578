"""Generated CRUD and permission tests for an API resource.

A test class per resource (tests/api/test_crud.py) inherits ``ResourceTests``
and only supplies data: ``path``, ``model``, ``make()`` (a stored record),
``create_data()`` (a new record as a client writes it) and ``change``. Each
persona (anonymous, a logged-in reader without rights, an editor) meets each
method (GET, POST, PUT, PATCH, DELETE); a refused write changes nothing.

The records ``make()`` builds are public (published, rows of published
records, or reference data), so an editor's change or deletion needs a
``change_reason``; records of the ``reviewed`` resources are created as drafts,
which only editors see. An editor's write to a published record or a row of
one (``under_review``) answers 202 with a revision that a reviewer approves
before the public sees it, and only reviewers delete published records
(core/revisions.py, tests/api/test_review.py). The workflow's own endpoints are
tested in tests/api/test_workflow.py.
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import Deletion

REFUSED = {"anonymous": 401, "reader": 403}
REASON = {"change_reason": "Checked against the sources again."}


def snapshot(obj):
    """Everything stored about a record: its columns and its sources."""
    model = type(obj)
    row = model.objects.filter(pk=obj.pk).values().first()
    if row is not None and hasattr(obj, "sources"):
        row["sources"] = sorted(obj.sources.values_list("pk", flat=True))
    return row


def brief_key(value):
    if isinstance(value, dict):
        for key in ("slug", "iso2"):
            if key in value:
                return value[key]
        return value.get("id")
    return value


def assert_represents(shown, sent):
    """The API shows what was written: related records by their key, rows of
    a nested list field by field."""
    for name, value in sent.items():
        got = shown[name]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            assert len(got) == len(value), name
            keys = list(value[0])

            def order(row, keys=keys):
                return [str(brief_key(row.get(key))) for key in keys]

            for got_row, sent_row in zip(
                sorted(got, key=order), sorted(value, key=order), strict=True
            ):
                assert_represents(got_row, sent_row)
        elif isinstance(value, list):
            assert sorted(map(brief_key, got), key=str) == sorted(value, key=str), name
        elif isinstance(value, float):
            assert got == pytest.approx(value), name
        else:
            assert brief_key(got) == value, name


class ResourceTests:
    path = None
    model = None
    kind = None  # Deletion.Kind of the resource
    change = {}
    list_query = ""
    reviewed = False  # goes through review: new records are drafts
    # make()'s record is published or a row of one: an editor's writes wait for
    # a reviewer (202 and a revision).
    under_review = False
    # Changing make()'s record changes what the public sees: a reason is required.
    needs_reason = True

    # Data: overridden per resource ---------------------------------------------------

    def make(self):
        raise NotImplementedError

    def make_deletable(self):
        return self.make()

    def key(self, obj):
        return obj.slug

    def create_data(self):
        raise NotImplementedError

    # Helpers ------------------------------------------------------------------------

    def detail(self, obj):
        return f"{self.path}{self.key(obj)}/"

    def if_match(self, client, obj):
        """The header a careful client sends: the ETag it has just read (a
        published record is written only with it)."""
        return {"HTTP_IF_MATCH": client.get(self.detail(obj))["ETag"]}

    def approved(self, clients, response):
        """The revision an editor's write became, approved by a reviewer."""
        assert response.status_code == 202, response.json()
        assert response["Location"] == response.json()["url"]
        approval = clients["reviewer"].post(
            f"{response['Location']}approve/", {}, format="json"
        )
        assert approval.status_code == 200, approval.json()
        return approval

    @pytest.fixture
    def clients(self, editor, analyst, reviewer):
        def with_token(user):
            client = APIClient()
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            return client

        return {
            "anonymous": APIClient(),
            "reader": with_token(analyst),
            "editor": with_token(editor),
            "reviewer": with_token(reviewer),
        }

    # GET ----------------------------------------------------------------------------

    @pytest.mark.parametrize("persona", ["anonymous", "reader", "editor"])
    def test_everyone_lists_records(self, clients, persona):
        obj = self.make()
        response = clients[persona].get(self.path + self.list_query)
        assert response.status_code == 200, response.content
        assert obj.pk in [row["id"] for row in response.json()["results"]]

    @pytest.mark.parametrize("persona", ["anonymous", "reader", "editor"])
    def test_everyone_reads_a_record(self, clients, persona):
        obj = self.make()
        response = clients[persona].get(self.detail(obj))
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == obj.pk
        assert body["url"] == f"http://testserver{self.detail(obj)}"
        assert "notes" not in body  # editors' notes are never public
        assert response["ETag"]

    # POST ---------------------------------------------------------------------------

    @pytest.mark.parametrize("persona", ["anonymous", "reader"])
    def test_only_editors_create(self, clients, persona):
        data = self.create_data()
        before = self.model.objects.count()
        response = clients[persona].post(self.path, data, format="json")
        assert response.status_code == REFUSED[persona]
        assert self.model.objects.count() == before

    def test_editor_creates_a_record(self, clients, editor):
        data = self.create_data()
        # Accepted on every write; required for a row of a published record.
        response = clients["editor"].post(self.path, {**data, **REASON}, format="json")
        if self.under_review and not self.reviewed:
            # A row added to a published record waits for a reviewer.
            assert self.model.objects.count() == 0
            self.approved(clients, response)
            created = self.model.objects.get()
            response = clients["editor"].get(self.detail(created))
            response["Location"] = f"http://testserver{self.detail(created)}"
        else:
            assert response.status_code == 201, response.json()
        assert_represents(response.json(), data)
        record = self.model.objects.get(pk=response.json()["id"])
        if self.reviewed:
            # A draft: the editor sees it, the public does not.
            assert response.json()["publication_status"] == "draft"
            assert record.last_edited_by == editor
            assert clients["anonymous"].get(response["Location"]).status_code == 404
            shown = clients["editor"].get(response["Location"])
        else:
            shown = clients["anonymous"].get(response["Location"])
        assert shown.status_code == 200
        assert_represents(shown.json(), data)

    # PUT ----------------------------------------------------------------------------

    @pytest.mark.parametrize("persona", ["anonymous", "reader"])
    def test_only_editors_replace(self, clients, persona):
        obj = self.make()
        before = snapshot(obj)
        response = clients[persona].put(
            self.detail(obj), self.create_data(), format="json"
        )
        assert response.status_code == REFUSED[persona]
        assert snapshot(obj) == before

    def test_editor_replaces_a_record(self, clients):
        obj = self.make()
        data = self.create_data()
        public = clients["anonymous"].get(self.detail(obj)).json()
        response = clients["editor"].put(
            self.detail(obj),
            {**data, **REASON},
            format="json",
            **self.if_match(clients["editor"], obj),
        )
        if self.under_review:
            assert clients["anonymous"].get(self.detail(obj)).json() == public
            self.approved(clients, response)
            # Under its new key (a slug may change too).
            replaced = self.model.objects.get(pk=obj.pk)
            response = clients["editor"].get(self.detail(replaced))
        assert response.status_code == 200, response.json()
        assert response.json()["id"] == obj.pk
        assert_represents(response.json(), data)

    # PATCH --------------------------------------------------------------------------

    @pytest.mark.parametrize("persona", ["anonymous", "reader"])
    def test_only_editors_change(self, clients, persona):
        obj = self.make()
        before = snapshot(obj)
        response = clients[persona].patch(self.detail(obj), self.change, format="json")
        assert response.status_code == REFUSED[persona]
        assert snapshot(obj) == before

    def test_editor_changes_a_record(self, clients, editor):
        obj = self.make()
        etag = clients["editor"].get(self.detail(obj))["ETag"]
        public = clients["anonymous"].get(self.detail(obj)).json()
        response = clients["editor"].patch(
            self.detail(obj),
            {**self.change, **REASON},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        if self.under_review:
            # The public reads the published version until a reviewer approves.
            assert clients["anonymous"].get(self.detail(obj)).json() == public
            self.approved(clients, response)
            response = clients["editor"].get(self.detail(obj))
        assert response.status_code == 200, response.json()
        assert_represents(response.json(), self.change)
        assert response["ETag"] != etag
        assert_represents(
            clients["anonymous"].get(self.detail(obj)).json(), self.change
        )
        if self.reviewed:
            obj.refresh_from_db()
            assert obj.last_edited_by == editor
            assert obj.publication_status == "published"  # an edit, not a review

    def test_a_public_record_changes_only_with_a_reason(self, clients):
        obj = self.make()
        before = snapshot(obj)
        current = self.if_match(clients["editor"], obj)
        response = clients["editor"].patch(
            self.detail(obj), self.change, format="json", **current
        )
        if not self.needs_reason:
            assert response.status_code == 200, response.json()
            return
        assert response.status_code == 400
        assert response.json()["change_reason"]
        assert snapshot(obj) == before
        blank = {**self.change, "change_reason": "   "}
        response = clients["editor"].patch(
            self.detail(obj), blank, format="json", **current
        )
        assert response.status_code == 400
        assert snapshot(obj) == before

    def test_a_published_record_is_written_only_with_if_match(self, clients):
        """A write that does not say which version it read could overwrite,
        unseen, another editor's change to what the public sees: 428. (Public
        records here are the published ones, or rows of one: under_review.)"""
        obj = self.make()
        before = snapshot(obj)
        editor = clients["editor"]
        changed = editor.patch(
            self.detail(obj), {**self.change, **REASON}, format="json"
        )
        if not self.under_review:
            # Not a published record nor a row of one (reference data, drafts):
            # If-Match stays optional.
            assert changed.status_code == 200, changed.json()
            return
        replaced = editor.put(
            self.detail(obj), {**self.create_data(), **REASON}, format="json"
        )
        # Only reviewers delete a published record: a reviewer's delete is refused.
        deleter = clients["reviewer"] if self.reviewed else editor
        deleted = deleter.delete(self.detail(obj), REASON, format="json")
        for response in (changed, replaced, deleted):
            assert response.status_code == 428, response.json()
            assert "send If-Match with the ETag" in response.json()["detail"]
        assert snapshot(obj) == before

    def test_the_history_shows_an_api_change_with_its_author_and_reason(self, clients):
        obj = self.make()
        response = clients["editor"].patch(
            self.detail(obj),
            {**self.change, **REASON},
            format="json",
            **self.if_match(clients["editor"], obj),
        )
        if self.under_review:
            self.approved(clients, response)
        full = clients["editor"].get(f"{self.detail(obj)}history/")
        assert full.status_code == 200
        last = full.json()[-1]
        assert last["action"] == "update"
        # The token's user; for a revision, the reviewer who approved it.
        assert last["user"] == ("rita" if self.under_review else "edita")
        assert last["reason"] == REASON["change_reason"]
        assert set(self.change) <= {change["field"] for change in last["changes"]}
        public = clients["anonymous"].get(f"{self.detail(obj)}history/")
        assert public.status_code == 200
        assert "user" not in public.json()[-1]
        assert public.json()[-1]["reason"] == REASON["change_reason"]

    # DELETE -------------------------------------------------------------------------

    @pytest.mark.parametrize("persona", ["anonymous", "reader"])
    def test_only_editors_delete(self, clients, persona):
        obj = self.make_deletable()
        before = snapshot(obj)
        response = clients[persona].delete(self.detail(obj))
        assert response.status_code == REFUSED[persona]
        assert snapshot(obj) == before

    def test_editor_deletes_a_record(self, clients):
        obj = self.make_deletable()
        deleter = clients["editor"]
        current = self.if_match(deleter, obj)
        if self.reviewed:
            # Only reviewers delete a published record.
            refused = deleter.delete(self.detail(obj), REASON, format="json", **current)
            assert refused.status_code == 403
            assert self.model.objects.filter(pk=obj.pk).exists()
            deleter = clients["reviewer"]
            current = self.if_match(deleter, obj)
        if self.needs_reason:
            refused = deleter.delete(self.detail(obj), **current)
            assert refused.status_code == 400
            assert refused.json()["change_reason"]
            assert self.model.objects.filter(pk=obj.pk).exists()
        response = deleter.delete(self.detail(obj), REASON, format="json", **current)
        if self.under_review and not self.reviewed:
            assert self.model.objects.filter(pk=obj.pk).exists()
            self.approved(clients, response)
        else:
            assert response.status_code == 204
        assert not self.model.objects.filter(pk=obj.pk).exists()
        assert clients["anonymous"].get(self.detail(obj)).status_code == 404
        deletion = Deletion.objects.get(kind=self.kind, object_id=obj.pk)
        listed = clients["anonymous"].get(f"/api/v1/deletions/?kind={self.kind}")
        assert {"kind": self.kind, "id": obj.pk} in [
            {"kind": row["kind"], "id": row["id"]} for row in listed.json()["results"]
        ]
        assert deletion.slug == (str(self.key(obj)) if self.kind_has_slug else "")

    kind_has_slug = True
