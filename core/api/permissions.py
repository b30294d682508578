"""Who may call what (named in REST_FRAMEWORK)."""

from rest_framework import permissions


class ModelPermissionsOrAnonReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, without building the view's
    queryset for a read. A read needs no model permission (``perms_map`` lists
    none for GET, HEAD and OPTIONS), so the answer is the same for every model;
    DRF still called ``get_queryset()`` to learn the model, a second queryset
    per request on every list and record."""

    def has_permission(self, request, view):
        if (
            request.method in permissions.SAFE_METHODS
            and not self.perms_map.get(request.method)
            and not getattr(view, "_ignore_model_permissions", False)
        ):
            # What the parent answers for a read: any user, anonymous included.
            return bool(request.user)
        return super().has_permission(request, view)
