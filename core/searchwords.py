"""The words of every searchable title, for the search page's close spellings.

When nothing matches a query ("ransomwre", "Kaliningard"), the search page
shows the records whose titles are spelled closest to it. Comparing the query
with every title (the titles' trigram index, then word similarity on each row
that shares a trigram) grew with the archive: 0.6 s at 1,000,000 threat
entries, where thousands of titles share "ransomware". The distinct words of
the titles are a few thousand whatever the number of records, so the query's
close words come from them (``atlas_searchword`` and its trigram index), then
the records whose titles hold one of those words from the search vector's GIN
index (``SearchQuerySet._candidates``).

The table is kept by the database: the searchable models' tables get
statement-level triggers (after INSERT and after UPDATE, with the new rows as a
transition table), installed after every migrate like the data version's
(core/dataversion.py), so the importer, bulk updates, COPY and raw SQL keep it
current too. Words are only ever added: a word left by a renamed or deleted
record (or by a draft) can only be a close word that no published title holds,
which finds nothing. ``manage.py rebuild_search_words`` starts it afresh.
"""

from django.apps import apps
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models
from django.db.models import F, Func
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

TABLE = "atlas_searchword"
FUNCTION = "atlas_remember_words"
TRIGGER = "atlas_search_words"
# A title's words as the vocabulary holds them: folded as the search indexes
# fold text, split at anything but letters and digits, three characters or
# more, not numbers. {source} is a table (or the trigger's transition table),
# {column} one of its columns. The one definition: the backfill, the trigger
# function and the query's own words (CLOSE_WORDS_SQL) all split this way.
WORD_BOUNDARY = "[^[:alnum:]]+"
WORDS_SQL = f"""
SELECT DISTINCT word FROM {{source}},
    regexp_split_to_table(atlas_unaccent(lower({{source}}.{{column}})), '{WORD_BOUNDARY}')
        AS word
WHERE length(word) > 2 AND word !~ '^[0-9]+$'
"""  # noqa: S608 - constants of ours
# Sorted, so that two transactions adding the same new words take their locks
# in the same order (ON CONFLICT waits for the other's row): no deadlock.
INSERT_SQL = (
    "INSERT INTO atlas_searchword (word) {words} ORDER BY 1 ON CONFLICT DO NOTHING"
)


def _quoted(text):
    return "'" + text.replace("'", "''") + "'"


# Installed by core/migrations/0008_searchword.py. Its arguments name the
# title columns of the table it is a trigger of; it runs INSERT_SQL over the
# rows the statement inserted or updated (format() puts each column in).
FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION atlas_remember_words() RETURNS trigger
LANGUAGE plpgsql AS $function$
DECLARE
    title_column text;
BEGIN
    FOREACH title_column IN ARRAY TG_ARGV LOOP
        EXECUTE format(
            {_quoted(INSERT_SQL.format(words=WORDS_SQL.format(source="atlas_new_rows", column="%I")))},
            title_column
        );
    END LOOP;
    RETURN NULL;
END
$function$;
"""


# The words of the vocabulary (core/searchwords.py) closest to each word of the
# query (its only parameter), three at most per word, as tsqueries: of title
# (A) lexemes of a search vector, and of a title's words (``TitleWords``);
# NULL when none is close (pg_trgm's similarity threshold, 0.3).
CLOSE_WORDS_SQL = f"""
SELECT
    to_tsquery('atlas_simple', string_agg(DISTINCT close.word || ':A', ' | '))
        AS in_vector,
    to_tsquery('atlas_simple', string_agg(DISTINCT close.word, ' | ')) AS in_title
FROM regexp_split_to_table(atlas_unaccent(lower(%s)), '{WORD_BOUNDARY}') AS typed,
LATERAL (
    SELECT known.word FROM atlas_searchword AS known
    WHERE known.word %% typed AND length(typed) > 2
    ORDER BY similarity(known.word, typed) DESC, known.word
    LIMIT 3
) AS close
"""  # noqa: S608 - constants of ours


class TitleWords(Func):
    """to_tsvector('atlas_simple', title): a record's title words, unstemmed
    and unaccented, for the close spellings of the search page. The search
    vector holds them too, weighted A, but its GIN index cannot tell a title's
    word from a summary's: "disinformation" is in a quarter of the summaries
    at 1,000,000 entries, and every one was read to find the two titles."""

    output_field = SearchVectorField()

    def __init__(self, *fields):
        super().__init__(*(F(field) for field in fields))

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, values = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(values)
        # The configuration written out, not a parameter: the index's
        # expression and the query's must read alike for the planner.
        joined = " || ' ' || ".join(parts)
        return f"to_tsvector('atlas_simple'::regconfig, {joined})", params


def title_words_index(fields, name):
    """GIN index serving ``TitleWords(*fields) @@ query``."""
    return GinIndex(TitleWords(*fields), name=name)


class SearchWord(models.Model):
    """One folded word of a searchable title (see the module's docstring)."""

    word = models.TextField(_("word"), primary_key=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")
        db_table = TABLE
        indexes = [
            GinIndex(OpClass(F("word"), name="gin_trgm_ops"), name=f"{TABLE}_trgm")
        ]

    def __str__(self):
        return self.word


def titled_models():
    """(model, title columns) of each model on the search page."""
    found = []
    for model in apps.get_models():
        if not hasattr(model, "search_kind"):
            continue
        fields = model._default_manager.all().search_title_fields
        columns = [model._meta.get_field(name).column for name in fields]
        found.append((model, columns))
    return found


def install_triggers(using="default"):
    """The triggers on every searchable table, on a fully migrated database
    only (the words are folded by a function of a later migration than this
    table's); a table that had none yet gives its titles' words at once."""
    from core.triggers import fully_migrated

    if not fully_migrated(using):
        return
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, columns in titled_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND tgname LIKE %s",
                [table, f"{TRIGGER}%"],
            )
            installed = cursor.fetchone()[0] == 2
            arguments = ", ".join(f"'{column}'" for column in columns)
            for event in ("insert", "update"):
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER}_{event} "
                    f"AFTER {event.upper()} ON {quote(table)} "
                    "REFERENCING NEW TABLE AS atlas_new_rows "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}({arguments})"
                )
            if not installed:
                remember_words(cursor, quote(table), columns, quote)


def remember_words(cursor, table, columns, quote):
    for column in columns:
        words = WORDS_SQL.format(source=table, column=quote(column))
        cursor.execute(INSERT_SQL.format(words=words))


def rebuild(using="default"):
    """The vocabulary made again from the titles as they are now."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM atlas_searchword")
        for model, columns in titled_models():
            remember_words(cursor, quote(model._meta.db_table), columns, quote)
        cursor.execute("SELECT count(*) FROM atlas_searchword")
        return cursor.fetchone()[0]


def install_triggers_after_migrate(sender, using="default", **kwargs):
    install_triggers(using)


def connect(app_config):
    post_migrate.connect(
        install_triggers_after_migrate,
        sender=app_config,
        dispatch_uid="atlas-install-search-word-triggers",
    )
