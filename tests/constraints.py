"""Shared check for a database constraint: the database refuses the row, and
``full_clean`` refuses it first with the message an editor sees."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def assert_constraint(make_invalid, constraint, message):
    obj = make_invalid()
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    assert any(message in text for text in caught.value.messages), caught.value.messages

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        obj.save()
    assert constraint in str(caught.value)
