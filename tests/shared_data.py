"""Records built once for all the tests of a module.

``module_data(build)`` makes a module-scoped fixture: ``build()`` runs once in a
transaction that stays open while the module's tests run, each test in a
savepoint of it (pytest-django's own atomic block nests inside), and the whole
is rolled back when the module is done. For modules whose tests only read
what ``build`` made: every test sees the same records, and a test's own writes
still vanish with its savepoint.

Keep such a module to tests that use the fixture: a test of the module that
runs after it without asking for it would see its records too.
"""

import sys

import pytest
from django.db import transaction


def module_data(build):
    @pytest.fixture(scope="module")
    def built(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            block = transaction.atomic()
            block.__enter__()
            try:
                value = build()
            except BaseException:
                block.__exit__(*sys.exc_info())
                raise
        yield value
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)

    return built
