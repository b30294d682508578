"""The controlled list of threat categories.

Editors may add to it in the admin; the list below is the agreed starting point and
is what the seed data and the importer map the facts' category labels onto.
"""

from django.db import migrations

CATEGORIES = [
    (
        "cyber-attack",
        "Cyber attack",
        "Attacks on networks and systems: DDoS, intrusion, data theft, destructive malware.",
    ),
    (
        "disinformation",
        "Disinformation",
        "False or manipulated information spread deliberately, including forged documents and fake news stories.",
    ),
    (
        "hybrid-operation",
        "Hybrid operation",
        "Coercive actions below the threshold of armed conflict that combine several means, such as balloons or drones sent across a border.",
    ),
    (
        "instrumentalised-migration",
        "Instrumentalised migration",
        "Migrants pushed or guided across a border by a state to put pressure on its neighbour.",
    ),
    (
        "airspace-violation",
        "Airspace violation",
        "Aircraft, drones or missiles entering a state's airspace without permission, and unsafe intercepts.",
    ),
    (
        "maritime-incident",
        "Maritime incident",
        "Incidents at sea: harassment of ships, incursions into territorial waters, dangerous manoeuvres.",
    ),
    (
        "sabotage",
        "Sabotage of infrastructure",
        "Physical damage to pipelines, cables, power lines, railways or other infrastructure, including arson.",
    ),
    (
        "gps-interference",
        "GPS jamming and spoofing",
        "Interference with satellite navigation signals affecting aviation, shipping or other users.",
    ),
    (
        "military-build-up",
        "Military build-up",
        "Deployments, large exercises and new weapons near the Baltic states.",
    ),
    (
        "espionage",
        "Espionage",
        "Intelligence gathering by foreign services: recruited agents, spies, surveillance.",
    ),
    (
        "energy-coercion",
        "Energy coercion",
        "Use of energy supply or prices to pressure a state.",
    ),
    (
        "economic-coercion",
        "Economic coercion",
        "Trade restrictions, transit blockades and other economic pressure used for political ends.",
    ),
    (
        "nuclear-safety",
        "Nuclear safety",
        "Risks from nuclear installations or nuclear weapons near the region.",
    ),
    (
        "political-violence",
        "Political violence",
        "Physical attacks on people for political reasons.",
    ),
    (
        "civil-aviation-interference",
        "Interference with civil aviation",
        "Forced diversions of airliners and other state interference with civilian flights.",
    ),
    (
        "border-provocation",
        "Border provocation",
        "Actions that challenge an agreed border, such as removing markers or redrawing maritime lines.",
    ),
]


def create_categories(apps, schema_editor):
    ThreatCategory = apps.get_model("threats", "ThreatCategory")
    for position, (slug, name, description) in enumerate(CATEGORIES, start=1):
        ThreatCategory.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )


def remove_categories(apps, schema_editor):
    ThreatCategory = apps.get_model("threats", "ThreatCategory")
    ThreatCategory.objects.filter(
        slug__in=[slug for slug, _name, _description in CATEGORIES], entries=None
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("threats", "0001_initial")]

    operations = [migrations.RunPython(create_categories, remove_categories)]
