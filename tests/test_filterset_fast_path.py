"""The API's filter backend skips the FilterSet when the query names none of its
parameters (core/api/filters.py AtlasFilterBackend): that is only right while an
empty query leaves every FilterSet's records as they are, which these tests hold
each FilterSet to, and while the parameters it reads are recognised."""

import importlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory

from core.filtersets import AtlasFilterSet

APPS = ("alliances", "core.api", "exercises", "threats")


def all_filtersets():
    for app in APPS:
        module = "core.api.filters" if app == "core.api" else f"{app}.filtersets"
        importlib.import_module(module)
    found, stack = [], list(AtlasFilterSet.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls._meta.model is not None:
            found.append(cls)
    return sorted(set(found), key=lambda cls: cls.__qualname__)


def anonymous_request(query=""):
    request = RequestFactory().get(f"/api/v1/?{query}")
    request.user = AnonymousUser()
    return request


def test_every_filterset_is_found():
    names = {cls.__name__ for cls in all_filtersets()}
    assert {"ThreatEntryFilterSet", "ExerciseFilterSet", "CountryFilterSet"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", all_filtersets(), ids=lambda c: c.__name__)
def test_no_parameters_means_no_filter(filterset_class):
    queryset = filterset_class._meta.model._default_manager.all()
    request = anonymous_request("page_size=50&pagination=cursor&format=csv")
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    same = str(filterset.qs.query) == str(queryset.query)
    assert same is filterset_class.unfiltered_without_parameters


@pytest.mark.parametrize("filterset_class", all_filtersets(), ids=lambda c: c.__name__)
def test_every_parameter_a_form_reads_is_recognised(filterset_class):
    """Each form field's widget reads its name or the name and a suffix: each
    such key, and only the filters' keys, send the query through the FilterSet."""
    form = filterset_class(
        QueryDict(""), queryset=None, request=anonymous_request()
    ).form
    for name, field in form.fields.items():
        widget = field.widget
        keys = [name]
        if hasattr(widget, "suffixes"):
            keys = [widget.suffixed(name, suffix) for suffix in widget.suffixes]
        elif hasattr(widget, "widgets"):
            keys = [f"{name}_{index}" for index in range(len(widget.widgets))]
        for key in keys:
            assert filterset_class.names_any({key: "x"}), key
    for key in ("page", "page_size", "pagination", "cursor", "format"):
        assert not filterset_class.names_any({key: "1"}), key
