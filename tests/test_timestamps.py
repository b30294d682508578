"""Timestamps come back from the database as Django expects them (aware, in
UTC), parsed by psycopg's C loader rather than Django's Python one
(core/timestamps.py)."""

import datetime

import pytest
from django.db import connection
from psycopg.pq import Format

from core.timestamps import PARSER, loader_for, use_fast_timestamps

pytestmark = pytest.mark.django_db

TIMESTAMPTZ = 1184


def fetch(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_a_timestamp_reads_as_an_aware_utc_datetime():
    value = fetch("SELECT '2024-03-05 10:15:30.123456+02'::timestamptz")
    assert value == datetime.datetime(
        2024, 3, 5, 8, 15, 30, 123456, tzinfo=datetime.UTC
    )
    assert value.tzinfo is datetime.UTC
    # The far end of the range, as Django's loader gives it.
    assert fetch("SELECT '0001-01-01 00:00:00+00'::timestamptz") == datetime.datetime(
        1, 1, 1, tzinfo=datetime.UTC
    )


def test_the_connection_parses_timestamps_in_c():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is loader_for(datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        instance = cursor.cursor._tx.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert instance.load.__self__.__class__ is PARSER
        assert "psycopg_binary" in PARSER.__module__ or "psycopg_c" in PARSER.__module__


def test_a_connection_in_another_time_zone_keeps_djangos_loader():
    connection.ensure_connection()
    raw = connection.connection
    before = raw.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Europe/Vilnius'")
        raw.adapters.register_loader("timestamptz", type("Django", (before,), {}))
        use_fast_timestamps(sender=None, connection=connection)
        kept = raw.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert kept.__name__ == "Django"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        raw.adapters.register_loader("timestamptz", before)
