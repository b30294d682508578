from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.seed import database_has_records


class Command(BaseCommand):
    help = (
        "Make a database ready to serve: apply the migrations, then load the seed "
        "data (fixtures/) as published records, but only into a database that "
        "holds no records yet, so edits made in the admin are never undone. "
        "`make run` and the Docker image call it; `make seed` applies fixtures/ "
        "again on purpose."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures",
            default=str(Path(settings.BASE_DIR) / "fixtures"),
            help="the folder of seed files (default: fixtures/)",
        )

    def handle(self, *args, fixtures, verbosity=1, **options):
        if not Path(fixtures).is_dir():
            raise CommandError(f"{fixtures}: no such folder of seed files")
        self.stdout.write("Applying the migrations...")
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        if database_has_records():
            self.stdout.write(
                "The database already holds records: the seed data was not loaded "
                "again, so edits made since are kept (`make seed` applies it again)."
            )
            return
        self.stdout.write(
            f"Loading the seed data from {fixtures} as published records "
            "(it is reviewed in the repository's pull requests)..."
        )
        call_command(
            "import_records",
            fixtures,
            status="published",
            if_empty=True,
            reason="seed: the reviewed seed data",
            stdout=self.stdout,
            stderr=self.stderr,
            verbosity=verbosity,
        )
        self.stdout.write(self.style.SUCCESS("The database is seeded."))
