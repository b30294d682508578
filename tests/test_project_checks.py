"""The project's own checks, run by the suite beside everything else (they were
steps of their own before it, one after the other): Django's system checks at
warning level, and no model change without its migration. (The API schema's
validation is tests/api/test_schema.py.)"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_system_checks_find_nothing_at_warning_level():
    out = io.StringIO()
    try:
        call_command("check", fail_level="WARNING", stdout=out, stderr=out)
    except SystemCheckError as error:
        pytest.fail(f"manage.py check:\n{error}\n{out.getvalue()}")


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out)
    except SystemExit:
        pytest.fail(
            f"a model change has no migration (makemigrations):\n{out.getvalue()}"
        )
