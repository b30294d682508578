"""The order a distributed run gives its workers (tests/template_db.py): each
worker's share of the list starts with tests that need no database, so no worker
waits idle for the template while there is other work, and the database tests
keep pytest-django's order (the transactional ones after the rest)."""

import pytest

from tests.template_db import without_database_first_on_each_worker


class Item:
    def __init__(self, name, marker=None, fixtures=()):
        self.name = name
        self.marker = marker
        # Every test has django_db_blocker through pytest-django's autouse
        # fixtures: it says nothing of a database.
        self.fixturenames = ["django_db_blocker", "settings", *fixtures]

    def get_closest_marker(self, name):
        return self.marker if name == "django_db" else None

    def __repr__(self):
        return self.name


def shares(items, workers):
    """The worksteal scheduler's first split: the pending count divided by the
    workers left, in turn (xdist/scheduler/worksteal.py, check_schedule)."""
    result, start, remaining = [], 0, len(items)
    for worker in range(workers):
        size = remaining // (workers - worker)
        result.append(items[start : start + size])
        start += size
        remaining -= size
    return result


def suite(database, transactional, free):
    """As pytest-django orders them: database, transactional, then the rest."""
    return (
        [Item(f"db{n}", marker=object()) for n in range(database)]
        + [Item(f"tx{n}", fixtures=["live_server"]) for n in range(transactional)]
        + [Item(f"free{n}") for n in range(free)]
    )


@pytest.mark.parametrize(
    "database, transactional, free, workers",
    [(40, 10, 8, 2), (41, 9, 7, 2), (100, 20, 9, 3), (5, 0, 30, 2), (12, 3, 0, 4)],
)
def test_every_worker_starts_with_tests_that_need_no_database(
    database, transactional, free, workers
):
    items = suite(database, transactional, free)
    ordered = without_database_first_on_each_worker(items, workers)

    assert sorted(map(repr, ordered)) == sorted(map(repr, items))
    split = shares(ordered, workers)
    for share in split:
        if free >= workers:
            assert repr(share[0]).startswith("free"), split
        # Within a share: the free tests first, then the database ones.
        kinds = [repr(item).startswith("free") for item in share]
        assert kinds == sorted(kinds, reverse=True), share
    # Across the shares, the database tests keep their order: the transactional
    # ones come after the others wherever they run.
    with_database = [item for item in ordered if not repr(item).startswith("free")]
    assert with_database == [item for item in items if item in with_database]


def test_a_fixture_that_reaches_the_database_counts_as_needing_it():
    items = [
        Item("module_data", fixtures=["django_db_setup"]),
        Item("plain"),
        Item("db_fixture", fixtures=["db"]),
    ]
    ordered = without_database_first_on_each_worker(items, 1)
    assert [repr(item) for item in ordered] == ["plain", "module_data", "db_fixture"]
