"""The site in Lithuanian: charts that draw, and no English vocabulary.

A reader picks Lithuanian with the language form (Django's set_language view,
remembered in the language cookie). Then the charts' SVG must still carry plain
numbers ("11.55", never the Lithuanian "11,55", which a browser cannot draw),
and the categories, choice labels and country names must be Lithuanian wherever
a Lithuanian name exists.
"""

import datetime
import importlib
import json
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.utils import timezone, translation

from alliances.models import Country
from config.pages.home import add_months
from tests import factories
from tests.threats.builders import entry
from threats.models import Actor, Attribution, ThreatCategory

pytestmark = pytest.mark.django_db

# SVG attributes that hold numbers (lengths may end in "%").
NUMERIC_ATTRIBUTES = {
    "x",
    "y",
    "width",
    "height",
    "x1",
    "x2",
    "y1",
    "y2",
    "dx",
    "dy",
    "cx",
    "cy",
    "r",
    "viewbox",  # html.parser lower-cases attribute names
    "d",
    "points",
}
NUMBER = re.compile(r"^-?(\d+(\.\d+)?|\.\d+)%?$")
PATH_COMMANDS = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]")

LIST_PAGES = [
    "/organisations/",
    "/agreements/",
    "/exercises/",
    "/threats/",
    "/countries/",
]


def in_lithuanian(client):
    """Choose Lithuanian as a reader does: the language form in the header."""
    response = client.post("/i18n/setlang/", {"language": "lt", "next": "/"})
    assert response.status_code == 302
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    assert '<html lang="lt"' in text, f"{url} is not in Lithuanian"
    return text


@pytest.fixture
def atlas():
    """A little of everything the pages chart and facet, in the last months so
    the home chart draws it."""
    # Transactional tests elsewhere empty the table and put back migration
    # 0002's categories only: fill their Lithuanian names again (idempotent).
    importlib.import_module(
        "threats.migrations.0007_category_name_lt"
    ).fill_lithuanian_names(apps, None)
    today = timezone.localdate()
    lithuania = factories.country("LT", "Lithuania", name_lt="Lietuva")
    poland = factories.country("PL", "Poland", name_lt="Lenkija")
    latvia = factories.country("LV", "Latvia", name_lt="Latvija")
    organisation = factories.organisation(
        name="Baltic Defence Forum", slug="baltic-defence-forum"
    )
    for country, year in ((lithuania, 2004), (poland, 1999), (latvia, 2011)):
        factories.membership(
            organisation,
            country,
            joined=datetime.date(year, 3, 29),
            joined_precision="day",
        )
    factories.membership(
        organisation,
        factories.country("DE", "Germany", name_lt="Vokietija"),
        joined=datetime.date(2006, 1, 1),
        joined_precision="year",
        left=datetime.date(2019, 5, 1),
        left_precision="month",
    )
    factories.agreement(parties=[lithuania, poland], status="in_force")
    factories.exercise(hosts=[lithuania], participants=[poland, latvia])
    actor = factories.actor(name="GRU", kind="state", country=poland)
    unknown = factories.actor(
        name="Unknown", slug="unknown", name_lt="Nežinomas", kind="unknown"
    )
    entry(
        actors=[unknown],
        occurred_start=add_months(today, -2),
        occurred_start_precision="month",
        category=factories.category("hybrid-operation"),
        targets=[lithuania],
        source_reliability="C",
        severity=2,
    )
    for months_ago, slug in ((0, "cyber-attack"), (1, "sabotage"), (3, "espionage")):
        entry(
            actors=[actor],
            confidence=Attribution.Confidence.OFFICIAL_ASSESSMENT,
            occurred_start=add_months(today, -months_ago),
            occurred_start_precision="month",
            category=factories.category(slug),
            targets=[lithuania, latvia],
            location_country=lithuania,
            source_reliability="B",
            severity=3,
        )
    return {"organisation": organisation, "country": lithuania}


# -- charts ----------------------------------------------------------------------


class SvgAttributes(HTMLParser):
    """Every element inside an <svg>, with its attributes."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.charts = 0
        self.elements = []

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.depth += 1
            self.charts += 1
        if self.depth:
            self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.depth -= 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.depth -= 1


def number_problems(tag, name, value):
    """What in ``value`` is not a plain number (with a '.' decimal point)."""
    if "," in value:
        return [f"<{tag} {name}={value!r}>: a comma"]
    # Path data: the numbers between the drawing commands.
    tokens = (PATH_COMMANDS.sub(" ", value) if name == "d" else value).split()
    return [
        f"<{tag} {name}={value!r}>: {token!r} is not a number"
        for token in tokens
        if not NUMBER.match(token)
    ] + ([f"<{tag} {name}=''>: empty"] if not tokens else [])


def chart_elements(html):
    parser = SvgAttributes()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(
    "url",
    ["/", "/organisations/baltic-defence-forum/", "/countries/LT/"],
    ids=["home", "organisation", "country"],
)
def test_every_chart_attribute_is_a_plain_number_in_lithuanian(client, atlas, url):
    html = page(in_lithuanian(client), url)
    svg = chart_elements(html)

    # The page has its chart, with bars to draw (so the check is not vacuous).
    assert svg.charts >= 1
    assert sum(tag == "rect" for tag, _attrs in svg.elements) >= 3
    checked = 0
    problems = []
    for tag, attrs in svg.elements:
        for name, value in attrs.items():
            if name in NUMERIC_ATTRIBUTES:
                checked += 1
                problems += number_problems(tag, name, value or "")
    assert checked > 20
    assert problems == []


def test_fractional_chart_positions_keep_their_decimal_point(client, atlas):
    """The home chart's bars sit at fractions of a percent: the case Lithuanian
    formatting used to turn into "11,55%"."""
    svg = chart_elements(page(in_lithuanian(client), "/"))

    xs = [attrs["x"] for tag, attrs in svg.elements if tag == "rect"]
    assert any("." in x for x in xs), xs
    assert all(x.endswith("%") and float(x[:-1]) >= 0 for x in xs)


def test_chart_text_is_lithuanian(client, atlas):
    in_lithuanian(client)
    home = page(client, "/")
    chart = home[home.index('<figure class="threat-chart"') : home.index("</figure>")]
    assert ">Kibernetinė ataka</a>" in chart
    assert "Infrastruktūros sabotažas" in chart
    assert "Cyber attack" not in chart

    organisation = page(client, "/organisations/baltic-defence-forum/")
    timeline = organisation[organisation.index('<figure class="membership-chart"') :]
    timeline = timeline[: timeline.index("</svg>")]
    assert ">Lietuva</text>" in timeline
    assert ">Lithuania</text>" not in timeline


# -- no English vocabulary ---------------------------------------------------------


def english_vocabulary():
    """English labels that have a Lithuanian form: every choice of every model,
    category and country name (from the models and the database)."""
    labels = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("alliances", "exercises", "threats", "atlas"):
            continue
        for field in model._meta.fields:
            for _value, label in field.flatchoices or ():
                with translation.override("en"):
                    english = str(label)
                with translation.override("lt"):
                    lithuanian = str(label)
                if english != lithuanian:
                    labels.add(english)
    for model in (ThreatCategory, Country, Actor):
        for name, name_lt in model.objects.values_list("name", "name_lt"):
            if name_lt and name_lt != name:
                labels.add(name)
    return labels


class ShownLabels(HTMLParser):
    """Texts a reader takes for vocabulary: facet options, the filter forms'
    options, badges, and the names in the country list."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.labels = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and "facet" in classes:
            self.stack.append("facet")
        elif tag == "section":
            self.stack.append("")
        watched = (
            (tag == "a" and "facet" in self.stack)
            or (tag == "span" and "badge" in classes)
            or tag == "option"
            or (tag == "a" and self.stack and self.stack[-1] == "row-header")
        )
        if tag == "th" and attrs.get("scope") == "row":
            self.stack.append("row-header")
        if watched:
            self.current = []

    def handle_endtag(self, tag):
        if tag in ("section", "th") and self.stack:
            self.stack.pop()
        if tag in ("a", "span", "option") and self.current is not None:
            self.labels.append("".join(self.current).strip())
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def shown_labels(html):
    parser = ShownLabels()
    parser.feed(html)
    return parser.labels


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_show_no_english_vocabulary_in_lithuanian(client, atlas, url):
    english = english_vocabulary()
    assert {"Cyber attack", "Lithuania", "in force", "land", "Unknown"} <= english

    labels = shown_labels(page(in_lithuanian(client), url))

    assert len(labels) >= 3, labels  # the page has labels to check
    assert sorted(set(labels) & english) == []
    assert "Lietuva" in labels


def test_facets_name_categories_choices_and_countries_in_lithuanian(client, atlas):
    in_lithuanian(client)

    threats = shown_labels(page(client, "/threats/"))
    assert {"Kibernetinė ataka", "Šnipinėjimas", "Lietuva", "Latvija"} <= set(threats)
    exercises = shown_labels(page(client, "/exercises/"))
    assert {"sausuma", "Lenkija", "Latvija"} <= set(exercises)


def test_english_pages_keep_english_names(client, atlas):
    labels = shown_labels(client.get("/threats/").content.decode())

    assert {"Cyber attack", "Lithuania"} <= set(labels)
    assert "Lietuva" not in labels


def test_exports_label_categories_and_choices_in_the_readers_language(client, atlas):
    in_lithuanian(client)

    threats = json.loads(client.get("/threats/?format=json").getvalue())["results"]
    assert {row["category_label"] for row in threats} == {
        "Hibridinė operacija",
        "Kibernetinė ataka",
        "Infrastruktūros sabotažas",
        "Šnipinėjimas",
    }
    # The stable columns do not change with the language.
    assert {row["category"] for row in threats} == {
        "Hybrid operation",
        "Cyber attack",
        "Sabotage of infrastructure",
        "Espionage",
    }
    assert threats[0]["severity"] == 3
    assert threats[0]["severity_label"].startswith("3 – ")
    assert "moderate" not in threats[0]["severity_label"]
    exercises = json.loads(client.get("/exercises/?format=json").getvalue())["results"]
    assert exercises[0]["domain"] == "land"
    assert exercises[0]["domain_label"] == "sausuma"
    agreements = json.loads(client.get("/agreements/?format=json").getvalue())[
        "results"
    ]
    assert agreements[0]["status_label"] == "galioja"


def test_detail_pages_name_the_country_and_category_in_lithuanian(client, atlas):
    in_lithuanian(client)

    country = page(client, "/countries/LT/")
    heading = country[country.index("<h1>") : country.index("</h1>")]
    assert heading.startswith("<h1>Lietuva")
    assert '<span class="name-lt" lang="en">Lithuania</span>' in heading
    threat = page(client, "/threats/")
    first = re.search(r'href="(/threats/[^"?]+/)"', threat).group(1)
    detail = page(client, first)
    assert 'class="badge" title="' in detail
    assert re.search(
        r'<span class="badge" title="(Kibernetinė ataka|Infrastruktūros sabotažas|'
        r'Šnipinėjimas)">',
        detail,
    )


def test_actors_are_named_in_lithuanian_where_a_name_is_written(client, atlas):
    """An actor with a Lithuanian name ("Unknown" -> "Nežinomas") shows it on
    Lithuanian pages; a proper name (GRU) reads the same in both."""
    lithuanian_list = page(in_lithuanian(client), "/threats/")
    assert "Nežinomas" in shown_labels(lithuanian_list)  # the facet
    assert '<a class="actor" href="?actor=unknown">Nežinomas</a>' in lithuanian_list
    assert ">GRU<" in lithuanian_list
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english_list = client.get("/threats/").content.decode()
    assert '<a class="actor" href="?actor=unknown">Unknown</a>' in english_list
    assert "Nežinomas" not in english_list
