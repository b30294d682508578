import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config.importer import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Importer,
    RecordError,
    read_records,
)

# The seed data, in the order it must load (countries and flagged sources first).
SEED_FILES = [
    "countries.yaml",
    "sources.yaml",
    "organisations.yaml",
    "agreements.yaml",
    "exercises.yaml",
    "threats.yaml",
]


class Command(BaseCommand):
    help = (
        "Import records in the shape of shared/facts/*.yaml (YAML, JSON or CSV), "
        "upserting by natural key. Nothing is written if any record is rejected, "
        "unless --skip-bad-rows is given. A folder imports its seed files."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="files, or a folder of seed files")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and count everything, then roll back",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good records even when some are rejected",
        )

    def handle(self, *args, paths, dry_run, skip_bad_rows, **options):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files += [path / name for name in SEED_FILES if (path / name).exists()]
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        records = []
        try:
            for path in files:
                rows = read_records(path)
                self.stdout.write(f"Reading {path}: {len(rows)} records")
                records += rows
        except RecordError as exc:
            raise CommandError(str(exc)) from None

        importer = Importer(progress=self.progress)
        with transaction.atomic():
            ok = importer.run(records, skip_bad=skip_bad_rows)
            if dry_run or (not ok and not skip_bad_rows):
                transaction.set_rollback(True)
        self.clear_progress()
        self.summary(importer)
        if not ok:
            for label, message in importer.rejected:
                self.stderr.write(f"  rejected {label}: {message}")
            if not skip_bad_rows:
                raise CommandError(
                    f"{len(importer.rejected)} record(s) rejected; nothing was written. "
                    "Fix them, or use --skip-bad-rows to import the rest."
                )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")

    def progress(self, done, total, label):
        interactive = sys.stdout.isatty()
        if interactive:
            self.stdout.write(f"\r  [{done}/{total}] {label[:60]:<60}", ending="")
            self.stdout.flush()
        elif done == total or done % 50 == 0:
            self.stdout.write(f"  [{done}/{total}]")

    def clear_progress(self):
        if sys.stdout.isatty():
            self.stdout.write("\r" + " " * 72 + "\r", ending="")

    def summary(self, importer):
        kinds = sorted({kind for kind, _outcome in importer.counts})
        self.stdout.write(
            f"{'kind':<14}{'created':>9}{'updated':>9}{'unchanged':>11}{'rejected':>10}"
        )
        for kind in kinds:
            row = [
                importer.counts[(kind, outcome)]
                for outcome in (CREATED, UPDATED, UNCHANGED, "rejected")
            ]
            self.stdout.write(
                f"{kind:<14}{row[0]:>9}{row[1]:>9}{row[2]:>11}{row[3]:>10}"
            )
