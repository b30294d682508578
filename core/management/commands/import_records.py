import sys
from pathlib import Path

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.history import FILE_IMPORT_REASON, SEED_IMPORT_REASON
from core.seed import (
    IMPORT_STATUSES,
    REJECTED,
    SEED_FILES,
    UNCHANGED,
    UPDATED,
    Importer,
    RecordError,
    database_has_records,
    read_records,
)


class Command(BaseCommand):
    help = (
        "Import records in the shape of fixtures/*.yaml (YAML, JSON or CSV), "
        "upserting by natural key. Nothing is written if any record is rejected, "
        "unless --skip-bad-rows is given. A folder imports its seed files. "
        "Reviewed records (organisations, agreements, exercises, threat entries) "
        "are created as drafts unless --status says otherwise."
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
        parser.add_argument(
            "--status",
            choices=[str(status) for status in IMPORT_STATUSES],
            help=(
                "status of the reviewed records created (default: draft). Given "
                "explicitly, existing records also move forward to it (draft -> "
                "review -> published); published and retracted records never move "
                "back. Use 'published' only for data reviewed elsewhere, such as "
                "the seed data reviewed in the repository's pull requests."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=(
                "do nothing when the database already holds sources or records "
                "(make run seeds a new database without undoing later edits)"
            ),
        )
        parser.add_argument(
            "--reason",
            help=(
                "why, in words for the public change log of every record written "
                f"(default: '{SEED_IMPORT_REASON}' for the seed data in fixtures/, "
                f"'{FILE_IMPORT_REASON}' for other files)"
            ),
        )
        parser.add_argument(
            "--user",
            help="username recorded in the history and as the records' last editor",
        )

    def handle(
        self,
        *args,
        paths,
        dry_run,
        skip_bad_rows,
        status,
        reason,
        user,
        if_empty=False,
        **options,
    ):
        if if_empty and database_has_records():
            self.stdout.write(
                "The database already holds records: the seed data was not imported "
                "again, so edits made since are kept (`make seed` re-applies it)."
            )
            return
        user = self.find_user(user)
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files += [path / name for name in SEED_FILES if (path / name).exists()]
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        records, origins = [], []
        try:
            for path in files:
                rows = read_records(path)
                self.stdout.write(f"Reading {path}: {len(rows)} records")
                records += rows
                origins += [f"{path.name} record {n}" for n in range(1, len(rows) + 1)]
        except RecordError as exc:
            raise CommandError(str(exc)) from None

        importer = Importer(progress=self.progress, status=status, user=user)
        context = {
            "reason": reason or self.default_reason(files),
            "command": "import_records",
        }
        if user is not None:
            context["user"] = user.pk
        with transaction.atomic(), pghistory.context(**context):
            ok = importer.run(records, origins)
            if dry_run or (not ok and not skip_bad_rows):
                transaction.set_rollback(True)
        self.clear_progress()
        self.summary(importer)
        if not ok:
            for where, message in importer.rejected:
                self.stderr.write(f"  rejected {where}: {message}")
            if not skip_bad_rows:
                raise CommandError(
                    f"{len(importer.rejected)} record(s) rejected; nothing was written. "
                    "Fix them, or use --skip-bad-rows to import the rest."
                )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")

    @staticmethod
    def default_reason(files):
        """Plain words for readers of the change log: never the command line or
        the path of a file, which say nothing to them and can be long."""
        seed = (Path(settings.BASE_DIR) / "fixtures").resolve()
        if files and all(path.resolve().is_relative_to(seed) for path in files):
            return SEED_IMPORT_REASON
        return FILE_IMPORT_REASON

    def find_user(self, username):
        if not username:
            return None
        try:
            return get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no user {username!r}") from None

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
        """One line a kind: "created" counts every row of the kind the import
        made, those the records cite (a threat's sources) as well as its own."""
        kinds = sorted(
            {kind for kind, _outcome in importer.counts} | set(importer.cited)
        )
        self.stdout.write(
            f"{'kind':<14}{'created':>9}{'updated':>9}{'unchanged':>11}{'rejected':>10}"
        )
        for kind in kinds:
            row = [
                importer.created(kind),
                *(
                    importer.counts[(kind, outcome)]
                    for outcome in (UPDATED, UNCHANGED, REJECTED)
                ),
            ]
            self.stdout.write(
                f"{kind:<14}{row[0]:>9}{row[1]:>9}{row[2]:>11}{row[3]:>10}"
            )
        cited = [
            f"{importer.cited[kind]} {kind}" for kind in kinds if importer.cited[kind]
        ]
        if cited:
            self.stdout.write(
                "(created includes rows made for the records citing them: "
                + ", ".join(cited)
                + ")"
            )
