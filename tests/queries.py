"""What pinned query counts add for anonymous reads, and the connection's
prepared statements (for the tests of what runs prepared).

Every anonymous page, feed, export and API read first looks up the data
version its ETag is made from (core/httpcache.py): one query before the view,
and the only one when the answer is 304. Logged-in requests do not make it.
"""

VERSION_LOOKUP = 1


def prepared_statements():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def none_prepared():
    """Prepared statements belong to the connection, which outlives a test:
    deallocated first (psycopg sees the command and forgets its own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert prepared_statements() == []
