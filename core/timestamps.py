"""Timestamps read by psycopg's C parser.

Django registers its own ``timestamptz`` loader on every connection: a Python
subclass of psycopg's loader that parses the text in Python and then sets the
time zone Django wants. psycopg swaps in its C parser only for its own classes,
so every timestamp Django reads (the API's lists carry three a record) goes
through the Python parser, about ten times slower.

Once Django has set the connection's time zone (``connection_created`` is sent
after it), psycopg's C loader already gives the time zone Django wants. This
module then registers a loader whose instances parse with the C loader; the
class keeps the ``timezone`` attribute Django compares in ``create_cursor``, so
Django does not put its own back. Where the two time zones differ (a database
``TIME_ZONE`` psycopg reads differently), Django's loader stays.
"""

import functools

from django.db.backends.signals import connection_created
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.types.datetime import TimestamptzLoader

# psycopg's C loader where the C extension is installed (psycopg[binary] is in
# the lock), its Python one otherwise.
PARSER = adapters._get_optimised(TimestamptzLoader)


@functools.cache
def loader_for(timezone):
    """A loader class for connections whose time zone is ``timezone``."""

    class ParsedInC(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            # An instance attribute: psycopg calls ``loader.load`` for every
            # value, and this one is the C parser's own method.
            self.load = PARSER(oid, context).load

        def load(self, data):  # replaced in __init__; Loader requires one
            raise NotImplementedError

    ParsedInC.timezone = timezone
    ParsedInC.__qualname__ = ParsedInC.__name__ = "TimestamptzParsedInC"
    return ParsedInC


def use_fast_timestamps(sender, connection, **kwargs):
    if connection.vendor != "postgresql" or connection.timezone is None:
        return
    raw = connection.connection
    if raw.info.timezone != connection.timezone:
        return
    raw.adapters.register_loader("timestamptz", loader_for(connection.timezone))


def connect():
    connection_created.connect(use_fast_timestamps, dispatch_uid="atlas-timestamps")
