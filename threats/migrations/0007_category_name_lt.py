"""Threat categories get a Lithuanian name, shown on LT pages, facets, charts
and exports; the categories of migration 0002 get theirs here (standard terms,
as Lithuanian institutions use them)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

NAMES_LT = {
    "cyber-attack": "Kibernetinė ataka",
    "disinformation": "Dezinformacija",
    "hybrid-operation": "Hibridinė operacija",
    "instrumentalised-migration": "Instrumentalizuota migracija",
    "airspace-violation": "Oro erdvės pažeidimas",
    "maritime-incident": "Incidentas jūroje",
    "sabotage": "Infrastruktūros sabotažas",
    "gps-interference": "GPS signalų slopinimas ir klastojimas",
    "military-build-up": "Karinių pajėgų telkimas",
    "espionage": "Šnipinėjimas",
    "energy-coercion": "Energetinė prievarta",
    "economic-coercion": "Ekonominė prievarta",
    "nuclear-safety": "Branduolinė sauga",
    "political-violence": "Politinis smurtas",
    "civil-aviation-interference": "Kišimasis į civilinę aviaciją",
    "border-provocation": "Provokacija pasienyje",
}


def fill_lithuanian_names(apps, schema_editor):
    """Names an editor already wrote are kept."""
    ThreatCategory = apps.get_model("threats", "ThreatCategory")
    for slug, name_lt in NAMES_LT.items():
        ThreatCategory.objects.filter(slug=slug, name_lt="").update(name_lt=name_lt)


class Migration(migrations.Migration):
    dependencies = [
        ("threats", "0006_workflow_history"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="threatcategory",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="threatcategory",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="threatcategory",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="threatcategory",
            name="name_lt",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="name in Lithuanian"
            ),
        ),
        migrations.AddField(
            model_name="threatcategoryevent",
            name="name_lt",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="name in Lithuanian"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="threatcategory",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "threats_threatcategoryevent" ("created", "description", "id", "name", "name_lt", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "updated") VALUES (NEW."created", NEW."description", NEW."id", NEW."name", NEW."name_lt", _pgh_attach_context(), clock_timestamp(), \'insert\', NEW."id", NEW."position", NEW."slug", NEW."updated"); RETURN NULL;',
                    hash="4c2cc0dbf8ce4ff1734277afba9964d336af11ba",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_021e1",
                    table="threats_threatcategory",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="threatcategory",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "threats_threatcategoryevent" ("created", "description", "id", "name", "name_lt", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "updated") VALUES (NEW."created", NEW."description", NEW."id", NEW."name", NEW."name_lt", _pgh_attach_context(), clock_timestamp(), \'update\', NEW."id", NEW."position", NEW."slug", NEW."updated"); RETURN NULL;',
                    hash="bc7c9da24f1ef15ba512df97d63a615eb6c605ed",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_c7e82",
                    table="threats_threatcategory",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="threatcategory",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "threats_threatcategoryevent" ("created", "description", "id", "name", "name_lt", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "updated") VALUES (OLD."created", OLD."description", OLD."id", OLD."name", OLD."name_lt", _pgh_attach_context(), clock_timestamp(), \'delete\', OLD."id", OLD."position", OLD."slug", OLD."updated"); RETURN NULL;',
                    hash="bdb93d19c5821960e80fb8b7b30ed59baf19a621",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_69372",
                    table="threats_threatcategory",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunPython(fill_lithuanian_names, migrations.RunPython.noop),
    ]
