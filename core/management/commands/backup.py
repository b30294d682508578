"""``manage.py backup [--output FILE]``: a pg_dump of the whole database (custom
format, ``pg_dump -Fc``), which ``manage.py restore FILE`` reads back."""

import os
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.management.commands._postgres import client_binary, libpq_environment


def default_backup_dir():
    return Path(os.environ.get("ATLAS_BACKUP_DIR", settings.BASE_DIR / "backups"))


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format) into backups/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="File to write (default: backups/atlas-<database>-<time>.dump).",
        )

    def handle(self, *args, **options):
        name = settings.DATABASES["default"]["NAME"]
        if options["output"]:
            target = Path(options["output"])
        else:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = default_backup_dir() / f"atlas-{name}-{stamp}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed when complete: a failed or
        # interrupted dump never leaves a file that looks like a backup.
        partial = target.with_name(target.name + ".partial")
        self.stdout.write(f"Backing up database {name!r} to {target} ...")
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [
                client_binary("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
            ],
            env=libpq_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        partial.replace(target)
        size = target.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {target} ({size / 1024:.0f} KiB in "
                f"{time.monotonic() - started:.1f} s). Restore it with: "
                f"make restore FILE={target}"
            )
        )
