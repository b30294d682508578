import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create an editor account (or make an existing user an editor): staff access "
        "to the admin and membership of the Editors group, nothing more. The password "
        "is asked for, or read from DJANGO_EDITOR_PASSWORD when --no-input is given. "
        "With --reviewer the account also joins the Reviewers group, which publishes "
        "and retracts records."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--reviewer",
            action="store_true",
            help="also add the account to the Reviewers group (publish and retract)",
        )
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="do not prompt; take the password from DJANGO_EDITOR_PASSWORD",
        )

    def handle(self, *args, username, email, no_input, reviewer=False, **options):
        names = ["Editors", "Reviewers"] if reviewer else ["Editors"]
        groups = list(Group.objects.filter(name__in=names))
        if len(groups) != len(names):
            raise CommandError(
                f"The {' and '.join(names)} group is missing: run `manage.py migrate` first."
            )
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        password = None
        if user is None or not user.has_usable_password():
            password = self.read_password(no_input)
            candidate = user or User(username=username, email=email)
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise CommandError(
                    "Password rejected: " + " ".join(exc.messages)
                ) from None
        with transaction.atomic():
            created = user is None
            if created:
                user = User(username=username, email=email)
            user.is_staff = True
            if password:
                user.set_password(password)
            user.save()
            user.groups.add(*groups)
        verb = "Created" if created else "Updated"
        role = "editor and reviewer" if reviewer else "editor"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {role} {username!r}: log in at /admin/ with it."
            )
        )

    def read_password(self, no_input):
        if no_input:
            password = os.environ.get("DJANGO_EDITOR_PASSWORD", "")
            if not password:
                raise CommandError("--no-input needs DJANGO_EDITOR_PASSWORD to be set.")
            return password
        if not sys.stdin.isatty():
            # getpass would read the password from a pipe, or fail on none.
            raise CommandError(
                "No terminal to ask for the password: set DJANGO_EDITOR_PASSWORD "
                "and give --no-input (make editor USERNAME=name PASSWORD_FROM_ENV=1)."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password cannot be empty.")
        return password
