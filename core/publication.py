"""Who sees what: the one publication rule, used by pages, the API, the admin,
forms, filters, counts, feeds and exports.

- Organisations, agreements, exercises and threat entries are *reviewed*
  records: the public sees them once published (and, as a notice, once
  retracted). Editors who may view a model (its view permission) also see its
  drafts, records in review and retractions.
- A row that belongs to a reviewed record (a membership to its organisation, an
  attribution to its threat entry) declares the field that names the record,
  ``reviewed_via = "organisation"``, and follows that record's status.
- Everything else (countries, sources, categories, actors, series) is reference
  data: always public.

This module imports nothing from the kernel's models, so every layer can use it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a record is in the editorial workflow (see core/workflow.py)."""

    DRAFT = "draft", _("draft")
    REVIEW = "review", _("in review")
    PUBLISHED = "published", _("published")
    RETRACTED = "retracted", _("retracted")


# What the public has seen of a record: its content while published, its
# notice once retracted.
PUBLIC_STATUSES = frozenset({Status.PUBLISHED, Status.RETRACTED})


def is_reviewed(model):
    """Records that go through review (organisations, agreements, exercises,
    threat entries): models with a publication status."""
    return isinstance(model, type) and hasattr(model, "publication_status")


def reviewed_via(model):
    """For a row of a reviewed record (a membership of an organisation), the name
    of that record's field; None otherwise."""
    return getattr(model, "reviewed_via", None)


def reviewed_model(model):
    """The reviewed model whose status decides whether rows of ``model`` are
    public: the model itself, its parent record's model, or None (reference data)."""
    via = reviewed_via(model)
    if via:
        return model._meta.get_field(via).related_model
    return model if is_reviewed(model) else None


def reviewed_record(obj):
    """The reviewed record that decides whether ``obj`` is public: itself, its
    parent record (a membership's organisation), or None for reference data."""
    via = reviewed_via(type(obj))
    if via:
        return getattr(obj, via, None)
    return obj if is_reviewed(type(obj)) else None


def reviewed_parent(row):
    """The reviewed record a row belongs to (a membership's organisation), or
    None for a reviewed record itself and for reference data."""
    via = reviewed_via(type(row))
    return getattr(row, via, None) if via else None


def is_published(obj):
    """Is ``obj`` a published reviewed record, or a row of one? Changing what
    the public reads needs a reason. Reference data: False."""
    record = reviewed_record(obj)
    return getattr(record, "publication_status", None) == Status.PUBLISHED


def published_lookup(model, statuses=(Status.PUBLISHED,)):
    """Filter keyword arguments that keep the rows of ``model`` whose record is in
    one of ``statuses``: ``{"organisation__publication_status__in": [...]}`` for
    memberships; ``{}`` for reference data."""
    via = reviewed_via(model)
    if via:
        return {f"{via}__publication_status__in": list(statuses)}
    if is_reviewed(model):
        return {"publication_status__in": list(statuses)}
    return {}


def can_see_unpublished(user, model):
    """Editors (view permission on the model) see drafts, reviews and retractions."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def sees_unpublished(request, model):
    """``can_see_unpublished`` for the request's user, answered once per request
    and model (API lists ask for every row)."""
    if request is None:
        return False
    cache = getattr(request, "_atlas_sees_unpublished", None)
    if cache is None:
        cache = {}
        request._atlas_sees_unpublished = cache
    if model not in cache:
        cache[model] = can_see_unpublished(getattr(request, "user", None), model)
    return cache[model]


def is_hidden(obj, request):
    """A reviewed record this request may not see (not published, no view
    permission): a draft parent organisation is not named to the public."""
    status = getattr(obj, "publication_status", None)
    return (
        status is not None
        and status != Status.PUBLISHED
        and not sees_unpublished(request, type(obj))
    )


def visible(queryset, user):
    """``queryset`` narrowed to what ``user`` may see: everything for editors who
    may view the reviewed model, the published records (or rows of published
    records) for everyone else."""
    reviewed = reviewed_model(queryset.model)
    if reviewed is None or can_see_unpublished(user, reviewed):
        return queryset
    return queryset.filter(**published_lookup(queryset.model))


def citing_published(obj, limit=20):
    """The published records, and rows of published records, that name ``obj``
    in one of their lists (a source among their sources, a country among their
    targets): deleting ``obj`` would change what the public reads unreviewed.
    Up to ``limit`` of them."""
    found = []
    for relation in type(obj)._meta.related_objects:
        model = relation.related_model
        if not relation.many_to_many or reviewed_model(model) is None:
            continue
        rows = model._default_manager.filter(
            **{relation.field.name: obj}, **published_lookup(model)
        ).distinct()
        found += list(rows[: limit - len(found)])
        if len(found) >= limit:
            break
    return found
