"""The REST API's shared pieces (/api/v1/): what every resource has in common.
Each module holds one of the sections below.

- ``BriefSerializer`` / ``BriefRelatedField``: related records shown in a brief
  form (id, url, slug or ISO code, name) and written by slug, ISO code or id.
- ``AtlasModelSerializer``: runs the model's ``clean()`` and every database
  constraint (CheckConstraint, ExclusionConstraint, UniqueConstraint on
  expressions) before saving, so a violation is a 400 with a message on the field.
- ``AtlasViewSet``: the page's FilterSet plus ``updated_since``, page-number or
  cursor pagination, CSV export of lists, ETag and ``If-Match`` (412), writes in
  a transaction with their ``change_reason`` in the history, and every record's
  ``history/``.
- Publication: anonymous clients and users without the model's view permission
  see published records only (and the rows of published records); a retracted
  record's URL answers 410 with the reason. ``ReviewedViewSet`` adds the
  editorial workflow (``submit/``, ``publish/``, ``send-back/``, ``retract/``).
- ``exception_handler``: IntegrityError -> 400 with field messages, a record
  still in use or a workflow step the record's state refuses -> 409, oversized
  body -> 413.
- ``AtlasAutoSchema``: documents anonymous reads, error responses, CSV and
  GeoJSON bodies, ``If-Match``/``ETag``.
- ``/deletions/`` (for mirroring) and the throttled token endpoint; the API root
  is built in config/api_urls.py from the apps' routers.
"""
