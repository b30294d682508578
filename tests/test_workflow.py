"""The editorial workflow's rules, whichever door (admin, API) a change comes through."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core import workflow
from core.models import Deletion, Status
from tests import factories
from tests.constraints import assert_constraint

pytestmark = pytest.mark.django_db

BUILDERS = {
    "organisation": factories.organisation,
    "agreement": factories.agreement,
    "exercise": factories.exercise,
    "threat": factories.threat,
}


@pytest.fixture(params=sorted(BUILDERS))
def draft(request):
    return BUILDERS[request.param](publication_status=Status.DRAFT, published_at=None)


@pytest.fixture
def second_reviewer(django_user_model):
    user = django_user_model.objects.create_user("ruta", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=["Editors", "Reviewers"]))
    return user


def test_a_draft_goes_through_review_to_publication(
    draft, editor, reviewer, django_user_model
):
    workflow.mark_edited(draft, editor)
    draft.save()
    workflow.submit(draft, editor)
    draft.refresh_from_db()
    assert draft.publication_status == Status.REVIEW
    assert draft.submitted_by == editor
    assert draft.submitted_at is not None

    workflow.publish(draft, reviewer)
    draft.refresh_from_db()
    assert draft.publication_status == Status.PUBLISHED
    assert draft.reviewed_by == reviewer
    assert draft.published_at is not None
    assert type(draft).objects.published().filter(pk=draft.pk).exists()


def test_an_editor_cannot_publish(draft, editor, reviewer):
    workflow.submit(draft, reviewer)
    with pytest.raises(PermissionDenied):
        workflow.publish(draft, editor)
    draft.refresh_from_db()
    assert draft.publication_status == Status.REVIEW


def test_nobody_publishes_a_change_they_submitted(draft, reviewer):
    workflow.submit(draft, reviewer)
    with pytest.raises(workflow.WorkflowError, match="another reviewer"):
        workflow.publish(draft, reviewer)
    draft.refresh_from_db()
    assert draft.publication_status == Status.REVIEW


def test_nobody_publishes_a_change_they_made_last(
    draft, editor, reviewer, second_reviewer
):
    workflow.submit(draft, editor)
    draft.refresh_from_db()
    # The reviewer edits the record while it is in review: now someone else
    # must look at it before it goes out.
    workflow.mark_edited(draft, reviewer)
    draft.save()
    with pytest.raises(workflow.WorkflowError, match="another reviewer"):
        workflow.publish(draft, reviewer)
    workflow.publish(draft, second_reviewer)
    draft.refresh_from_db()
    assert draft.publication_status == Status.PUBLISHED


def test_only_a_record_in_review_can_be_published(draft, reviewer):
    with pytest.raises(workflow.WorkflowError, match="in review"):
        workflow.publish(draft, reviewer)


def test_a_reviewer_can_send_a_record_back(draft, editor, reviewer):
    workflow.submit(draft, editor)
    workflow.send_back(draft, reviewer, "Needs a second source")
    draft.refresh_from_db()
    assert draft.publication_status == Status.DRAFT
    with pytest.raises(PermissionDenied):
        workflow.send_back(draft, editor)


def test_an_analyst_cannot_even_submit(draft, analyst):
    with pytest.raises(PermissionDenied):
        workflow.submit(draft, analyst)
    draft.refresh_from_db()
    assert draft.publication_status == Status.DRAFT


def test_retraction_needs_a_reason_and_leaves_a_public_trace(reviewer, editor):
    entry = factories.threat()
    with pytest.raises(workflow.WorkflowError):
        workflow.retract(entry, reviewer, "  ")
    with pytest.raises(PermissionDenied):
        workflow.retract(entry, editor, "Wrong")

    workflow.retract(entry, reviewer, "The only source withdrew the report.")
    entry.refresh_from_db()
    assert entry.publication_status == Status.RETRACTED
    assert entry.retraction_reason == "The only source withdrew the report."
    assert not type(entry).objects.published().filter(pk=entry.pk).exists()
    notice = Deletion.objects.get(kind="threats", object_id=entry.pk)
    assert notice.retracted
    assert notice.reason == "The only source withdrew the report."
    assert notice.slug == entry.slug


def test_only_published_records_can_be_retracted(draft, reviewer):
    with pytest.raises(workflow.WorkflowError, match="published"):
        workflow.retract(draft, reviewer, "Never mind")
    assert not Deletion.objects.exists()


def test_deleting_a_draft_is_not_announced_but_a_published_record_is():
    draft = factories.threat(publication_status=Status.DRAFT)
    public = factories.threat()
    draft_pk, public_pk = draft.pk, public.pk
    draft.delete()
    public.delete()
    assert list(Deletion.objects.values_list("object_id", flat=True)) == [public_pk]
    assert draft_pk != public_pk


def test_editors_and_reviewers_groups_hold_the_right_permissions():
    editors = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    reviewers = set(
        Group.objects.get(name="Reviewers").permissions.values_list(
            "codename", flat=True
        )
    )
    assert "change_threatentry" in editors
    assert not {code for code in editors if code.startswith("publish_")}
    # History is append-only: editors read it but cannot change it.
    assert "view_threatentryevent" in editors
    assert "change_threatentryevent" not in editors
    assert "delete_threatentryevent" not in editors
    assert {
        "publish_organisation",
        "publish_agreement",
        "publish_exercise",
        "publish_threatentry",
    } <= reviewers
    assert "change_threatentry" not in reviewers


@pytest.mark.parametrize(
    ("build", "constraint", "message"),
    [
        (
            lambda: _unsaved("threat", publication_status=Status.PUBLISHED),
            "threat_entry_published_has_date",
            "needs a publication date",
        ),
        (
            lambda: _unsaved(
                "exercise",
                publication_status=Status.RETRACTED,
                retracted_at=timezone.now(),
            ),
            "exercise_retraction_has_reason",
            "needs a date and a public reason",
        ),
        (
            lambda: _unsaved(
                "agreement",
                publication_status=Status.RETRACTED,
                retraction_reason="Duplicate",
            ),
            "agreement_retraction_has_reason",
            "needs a date and a public reason",
        ),
        (
            lambda: _unsaved("organisation", publication_status="hidden"),
            "organisation_publication_status_valid",
            "",
        ),
    ],
)
def test_workflow_constraints(build, constraint, message):
    assert_constraint(build, constraint, message)


def _unsaved(kind, **changes):
    """A saved record turned invalid in memory (so full_clean sees its relations)."""
    obj = BUILDERS[kind]()
    obj.published_at = None
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def test_create_editor_with_reviewer_makes_someone_who_can_publish(
    monkeypatch, capsys, editor
):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_EDITOR_PASSWORD", "a long enough passphrase 7")
    call_command("create_editor", "vida", reviewer=True, no_input=True)
    assert "Created editor and reviewer 'vida'" in capsys.readouterr().out
    vida = get_user_model().objects.get(username="vida")
    entry = factories.threat(publication_status=Status.DRAFT, published_at=None)
    workflow.submit(entry, editor)
    workflow.publish(entry, vida)
    entry.refresh_from_db()
    assert entry.publication_status == Status.PUBLISHED


def test_retracting_an_organisation_also_tells_mirrors_to_drop_its_memberships(
    reviewer,
):
    organisation = factories.organisation()
    membership = factories.membership(organisation)
    workflow.retract(organisation, reviewer, "Merged into another record")
    notices = {
        (notice.kind, notice.object_id): notice
        for notice in Deletion.objects.filter(retracted=True)
    }
    assert set(notices) == {
        ("organisations", organisation.pk),
        ("memberships", membership.pk),
    }
    assert (
        notices[("memberships", membership.pk)].reason == "Merged into another record"
    )
