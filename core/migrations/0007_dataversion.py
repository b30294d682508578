from django.db import migrations, models

from core.dataversion import FUNCTION, FUNCTION_SQL


class Migration(migrations.Migration):
    """The data version's row, its sequence and the trigger function; the
    triggers on the public tables are installed after every migrate
    (core/dataversion.py), as the set of public tables follows the models."""

    dependencies = [("atlas", "0006_revision")]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("number", models.BigIntegerField(verbose_name="number")),
                ("changed_at", models.DateTimeField(verbose_name="changed at")),
            ],
            options={
                "verbose_name": "data version",
                "verbose_name_plural": "data versions",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)),
                        name="atlas_dataversion_single_row",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            [
                # Not the row's own id sequence: the number must never repeat,
                # and a sequence does not go back on rollback.
                "CREATE SEQUENCE atlas_dataversion_number_seq",
                FUNCTION_SQL,
            ],
            [
                f"DROP FUNCTION {FUNCTION}() CASCADE",
                "DROP SEQUENCE atlas_dataversion_number_seq",
            ],
        ),
    ]
