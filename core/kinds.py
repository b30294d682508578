"""How a model declares its place on the pages that combine the apps
(config/pages/): the pages find the models that declare one, so a new model
shows up by declaring it in its own app.

- ``api_kind = "threats"``: its API resource and its kind in ``/deletions/``;
- ``title_field = "title"``: the field that names a record (retractions);
- ``search_kind = SearchKind(...)``: its group on the search page;
- ``timeline_kind = TimelineKind(...)``: its rows on the timeline (its QuerySet's
  ``timeline_rows()`` gives them).
"""


class SearchKind:
    """How a model's records appear on the search page (config/pages/search.py):
    the group's key (in links) and heading, the list page that shows all
    matches, the dates shown beside a result, and where the group comes when
    groups rank alike. A model declares it as ``search_kind = SearchKind(...)``;
    its QuerySet's ``for_search()`` adds the joins ``search_detail()`` reads."""

    def __init__(self, key, label, list_url, start=None, end=None, position=50):
        self.key = key
        self.label = label
        self.list_url = list_url
        self.start = start
        self.end = end or start
        self.position = position


class TimelineKind:
    """A model's rows on the timeline: the key in the URL (``?kind=threat``),
    the filter's label, the label beside each row, the filter's order, and the
    parameter of its list page that keeps one year (the timeline's chart links
    a busy year to that list, ``search_kind.list_url``)."""

    def __init__(self, key, label, item_label, position=50, year_filter="year"):
        self.key = key
        self.label = label
        self.item_label = item_label
        self.position = position
        self.year_filter = year_filter
