"""Every filter of every API resource takes each kind of value it offers (a
record's key, a choice, a date, yes or no) and answers 200, over one set of
full records built once for the module (tests/shared_data.py)."""

import django_filters
import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory

from tests.api.test_filters import VIEWSETS, filter_cases
from tests.api.test_queries import full_records
from tests.shared_data import module_data

pytestmark = pytest.mark.django_db

one_of_each = module_data(lambda: full_records(1))


def valid_values(filter_):
    """Values a client may send for a filter, read from the filter itself."""
    model_filters = (
        django_filters.ModelChoiceFilter,
        django_filters.ModelMultipleChoiceFilter,
    )
    if isinstance(filter_, model_filters):
        queryset = filter_.extra["queryset"]
        if callable(queryset):  # what the request's user may see
            queryset = queryset(RequestFactory().get("/"))
        record = queryset.first()
        return [str(getattr(record, filter_.extra.get("to_field_name") or "pk"))]
    if isinstance(filter_, django_filters.OrderingFilter):
        return [value for value, _label in filter_.field.choices if value]
    if isinstance(
        filter_, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter
    ):
        return [str(value) for value, _label in filter_.extra["choices"]]
    if isinstance(filter_, django_filters.IsoDateTimeFilter):
        return ["2024-01-01T00:00:00Z"]
    if isinstance(filter_, django_filters.DateFilter):
        return ["2024-01-01"]
    if isinstance(filter_, django_filters.BooleanFilter):
        return ["true", "false"]
    if type(filter_).__name__ == "YearsFilter":
        return ["2024"]
    return ["a"]


@pytest.mark.parametrize(
    ("resource", "name", "filter_"),
    list(filter_cases()),
    ids=[f"{resource}-{name}" for resource, name, _ in filter_cases()],
)
def test_every_filter_takes_its_values(one_of_each, anon, resource, name, filter_):
    for value in valid_values(filter_):
        response = anon.get(f"/api/v1/{resource}/", {name: value})
        assert response.status_code == 200, (value, response.content)


# FilterSets the API builds with only the named filters (all but one that
# filters without parameters, which is built whole).
NAMED_ONLY_CASES = [
    case
    for case in filter_cases()
    if VIEWSETS[case[0]].filterset_class.unfiltered_without_parameters
]


@pytest.mark.parametrize(
    ("resource", "name", "filter_"),
    NAMED_ONLY_CASES,
    ids=[f"{resource}-{name}" for resource, name, _ in NAMED_ONLY_CASES],
)
def test_the_filters_a_query_names_select_what_all_of_them_do(
    one_of_each, resource, name, filter_
):
    """The API builds only the filters its query names (core/api/filters.py):
    for each filter and each kind of value, alone and beside another filter
    the query leaves empty, that FilterSet must select the records the whole
    one does, and refuse what it refuses."""
    filterset_class = VIEWSETS[resource].filterset_class
    queryset = filterset_class._meta.model._default_manager.all()
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    other = next(other for other in filterset_class.base_filters if other != name)
    for value in [*valid_values(filter_), "9999-99-no-such"]:
        for empty_beside in (False, True):
            data = QueryDict(mutable=True)
            data[name] = value
            if empty_beside:
                data[other] = ""
            whole = filterset_class(data, queryset=queryset, request=request)
            named = filterset_class.named(data)
            assert name in named
            only = filterset_class(data, queryset=queryset, request=request, only=named)
            assert set(only.filters) == named
            assert only.is_valid() == whole.is_valid(), (value, whole.errors)
            if whole.is_valid():
                assert str(only.qs.query) == str(whole.qs.query), value
            else:
                assert only.errors == whole.errors, value
