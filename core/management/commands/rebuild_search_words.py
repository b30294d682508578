"""``manage.py rebuild_search_words``: the search vocabulary made afresh from
the titles as they are now, dropping the words of renamed and deleted records
(core/searchwords.py; the database adds new words by itself)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core import searchwords


class Command(BaseCommand):
    help = "Rebuild the vocabulary of titles behind the search page's close spellings."

    def handle(self, *args, **options):
        # One transaction: searches meanwhile see the old words, then the new.
        with transaction.atomic():
            count = searchwords.rebuild()
        self.stdout.write(f"{count} words in the search vocabulary.")
