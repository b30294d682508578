"""Extreme records for tests: what real data brings that the seed data does not.

Every text field at its maximum length (read from the model fields), 300-character
URLs (and one of the longest a source may have), unbroken 80-character words,
Lithuanian, Polish, Cyrillic and Arabic text, many children (40 participants,
members and targets, 20 sources, 20 attributions), every date precision, dates at
the limits of the calendar, coordinates at the poles and the antimeridian, long
change reasons in the history and long retraction reasons. Each reviewed kind
comes as a *full* record, an *empty* one (every optional field empty) and a
*retracted* one; all but the retracted ones are published.

factory_boy builds the rows, seeded (``build(seed=...)``), so a failure can be
replayed: the same seed gives the same records. Rows go through the database's
constraints as they are saved; ``tests/test_extreme_records.py`` also runs
``full_clean`` on every one.
"""

import contextlib
import datetime
import importlib
import itertools
from decimal import Decimal
from string import ascii_lowercase, ascii_uppercase

import factory
import factory.random
import pghistory
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from alliances.models import (
    Agreement,
    AgreementParty,
    Country,
    Membership,
    Organisation,
    Publisher,
    Source,
)
from core.models import Deletion, Status
from exercises.models import Exercise, ExerciseLocation, ExerciseSeries, Participation
from threats.models import Actor, Attribution, ThreatCategory, ThreatEntry

SEED = 15
# Every title of a full record holds this word, so one search finds them all.
MARKER = "Žalgiris"
LONG_WORD = 80  # characters in the unbroken words planted in texts
URL_LENGTH = 300
LONG_TEXT = 2400  # characters of a long free-text field (a TextField has no limit)
MANY = 40  # participants, members, targets, parties
SOURCES_PER_RECORD = 20
ATTRIBUTIONS = 20

EARLIEST = datetime.date.min  # 1 January of year 1
LATEST = datetime.date.max  # 31 December 9999

# Words written for these tests, in four scripts (split at spaces). The long ones
# below are joined into unbroken "words" as long as a test needs (a German
# compound, a Lithuanian name with its suffixes, an identifier).
WORDS = {
    "lt": (
        "Šiaulių karinių oro pajėgų bazė gynybos ministerija pratybos "
        "Klaipėdos uostas kibernetinė ataka sąjungininkų batalionas Rūdninkų "
        "poligonas įgulos žvalgyba Vilniaus Kauno Panevėžio Marijampolės "
        "Alytaus Pabradės gynyba užsienio reikalų susitarimas memorandumas "
        "Dzūkijos Žemaitijos"
    ),
    "pl": (
        "Zażółć gęślą jaźń ćwiczenia wojskowe Przesmyk suwalski Ministerstwo "
        "Obrony Narodowej współpraca bezpieczeństwo żołnierze Wojsko Polskie "
        "Szczecin Bydgoszcz Świętochłowice Łódź Giżycko Orzysz porozumienie "
        "dowództwo"
    ),
    "ru": (
        "учения Запад вооружённые силы Калининград Министерство обороны "
        "безопасность Балтийский флот кибератака Міністерство оборони України "
        "Беларусь вайсковыя вучэнні Гродна Брэст граница дезинформация"
    ),
    "ar": (
        "وزارة الدفاع التدريبات العسكرية حلف شمال الأطلسي الأمن السيبراني بحر "
        "البلطيق ليتوانيا بولندا اتفاقية التعاون القوات الجوية الحدود"
    ),
}
LONG_WORDS = {
    "lt": ["Nebeprisikiškiakopūsteliaudavome", "Tebeišsikiškiakopūstaudamas"],
    "pl": ["Konstantynopolitańczykowianeczka", "Dziewięćsetdziewięćdziesięcioletni"],
    "ru": ["превысокомногорассмотрительствующий", "Рентгеноэлектрокардиографический"],
    "ar": ["أفاستسقيناكموها", "والاستخباراتية", "ليتوانياوبولنداوالبلطيق"],
    "de": ["Donaudampfschifffahrtsgesellschaftskapitänswitwe", "Bundeswehrübungsplatz"],
}
SCRIPTS = ("lt", "pl", "ru", "ar")


def rng():
    """The random generator factory_boy seeds (``factory.random.reseed_random``)."""
    return factory.random.randgen


def max_length(model, field):
    return model._meta.get_field(field).max_length


def unbroken(length, script="lt"):
    """A word of exactly ``length`` letters with no space or hyphen to break at."""
    pool = LONG_WORDS[script] + LONG_WORDS["de"]
    word = ""
    while len(word) < length:
        word += rng().choice(pool)
    return word[:length]


def words(length, script="lt", *, first="", long_word=True):
    """Text of exactly ``length`` characters in ``script``: words separated by
    single spaces, beginning with ``first`` and holding an unbroken 80-character
    word when there is room for one."""
    tokens = [first] if first else []
    if long_word and length >= LONG_WORD + 10:
        tokens.append(unbroken(LONG_WORD, script))
    pool = WORDS[script].split()
    while len(" ".join(tokens)) < length:
        tokens.append(rng().choice(pool))
    text = " ".join(tokens)[:length]
    if text.endswith(" "):  # a cut just after a word: no trailing space
        text = text[:-1] + pool[0][0]
    return text


def longest(model, field, script="lt", *, first=""):
    """Text as long as ``model.field`` may hold."""
    return words(max_length(model, field), script, first=first)


def long_url(length=URL_LENGTH, n=0, host="www.krašto-apsaugos-ministerija.example.lt"):
    """A valid URL of exactly ``length`` characters, its path one unbroken run."""
    start = f"https://{host}/lt/naujienos/{n}/%C5%A0iauliai-"
    query = "?utm_source=atlas&id="
    middle = length - len(start) - len(query) - 8
    path = "".join(
        rng().choice(ascii_lowercase + "0123456789-_") for _ in range(middle)
    )
    return f"{start}{path}{query}{n:08d}"[:length]


def slug(length, n):
    """A slug of exactly ``length`` characters, unique by ``n``."""
    base = f"{n}-" + "-".join(
        "".join(rng().choice(ascii_lowercase) for _ in range(9)) for _ in range(length)
    )
    text = base[:length]
    return text[:-1] + "z" if text.endswith("-") else text


def long_text(script="lt", paragraphs=4, *, url_n=0):
    """A long free text: paragraphs, an unbroken word and a 300-character URL."""
    size = LONG_TEXT // paragraphs
    parts = [
        words(size, SCRIPTS[(SCRIPTS.index(script) + i) % 4]) for i in range(paragraphs)
    ]
    parts[1] = f"{parts[1]} {long_url(URL_LENGTH, url_n)}"
    return "\n\n".join(parts)


def long_reason(what, n=0):
    """A change or retraction reason as a careful editor writes one: long, with
    the address of the document that prompted it and an identifier."""
    return (
        f"{what}: {words(400, 'lt', long_word=False)} "
        f"{long_url(URL_LENGTH, 9000 + n, host='www.lrt.lt')} "
        f"{unbroken(LONG_WORD, 'pl')} {words(300, 'ru', long_word=False)}"
    )


# Dates with their precision, at every precision and at the calendar's limits.
VAGUE_DATES = [
    (datetime.date(2024, 10, 17), "day"),
    (datetime.date(2016, 10, 1), "month"),
    (datetime.date(1991, 1, 1), "year"),
    (EARLIEST, "day"),
    (LATEST, "day"),
    (datetime.date(9999, 12, 1), "month"),
    (datetime.date(9999, 1, 1), "year"),
    (EARLIEST, "year"),
]


def free_country_codes():
    """ISO-shaped codes no country in the database has yet (deterministic)."""
    taken = set(Country.objects.values_list("iso2", flat=True))
    for first, second in itertools.product(ascii_uppercase, repeat=2):
        if first + second not in taken:
            yield first + second


# -- factories -----------------------------------------------------------------


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country

    class Params:
        script = "lt"
        empty = factory.Trait(name=factory.Sequence(lambda n: f"Šalis {n}"), name_lt="")

    iso2 = "XX"  # given by the builder, from free_country_codes()
    name = factory.LazyAttribute(
        lambda o: longest(Country, "name", o.script, first=o.iso2)
    )
    name_lt = factory.LazyAttribute(
        lambda o: longest(Country, "name_lt", "lt", first=o.iso2)
    )


class PublisherFactory(DjangoModelFactory):
    class Meta:
        model = Publisher

    class Params:
        script = "lt"

    # Unique: every extreme source has a publisher of its own.
    name = factory.LazyAttributeSequence(
        lambda o, n: (
            f"{n} " + words(max_length(Publisher, "name") - len(str(n)) - 1, o.script)
        )
    )
    reliability = "E"
    rating_note = factory.LazyAttribute(lambda o: long_text(o.script, url_n=13))
    notes = factory.LazyAttribute(lambda o: long_text(o.script, url_n=14))


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    class Params:
        script = "lt"
        dated = factory.Sequence(lambda n: VAGUE_DATES[n % len(VAGUE_DATES)])
        empty = factory.Trait(
            url=factory.Sequence(lambda n: f"https://example.lt/s/{n}"),
            title=factory.Sequence(lambda n: f"Šaltinis {n}"),
            publisher=None,
            published=None,
            published_precision="",
            accessed=None,
            language="",
            archive_url="",
            caution="",
        )

    url = factory.Sequence(lambda n: long_url(URL_LENGTH, n))
    title = factory.LazyAttribute(lambda o: longest(Source, "title", o.script))
    publisher = factory.SubFactory(
        PublisherFactory, script=factory.SelfAttribute("..script")
    )
    published = factory.LazyAttribute(lambda o: o.dated[0])
    published_precision = factory.LazyAttribute(lambda o: o.dated[1])
    accessed = LATEST
    language = "x-" + "ltplru"  # as long as the field allows: 8 characters
    archive_url = factory.Sequence(
        lambda n: long_url(max_length(Source, "archive_url"), n, host="web.archive.org")
    )
    caution = factory.LazyAttribute(lambda o: longest(Source, "caution", o.script))


class ReviewedFactory(DjangoModelFactory):
    """Published, with editor notes and a last-verified date."""

    class Meta:
        abstract = True

    class Params:
        script = "lt"

    publication_status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    confidence = "medium"
    notes = factory.LazyAttribute(lambda o: long_text(o.script))
    last_verified = LATEST


class OrganisationFactory(ReviewedFactory):
    class Meta:
        model = Organisation

    class Params:
        empty = factory.Trait(
            name=factory.Sequence(lambda n: f"Ąžuolas {n}"),
            acronym="",
            slug=factory.Sequence(lambda n: f"o{n}"),
            type=Organisation.Type.OTHER,
            type_detail="",
            founded=None,
            founded_precision="",
            founding_place="",
            hq="",
            description="",
            members_note="",
            notes="",
            confidence="high",
            last_verified=None,
        )

    name = factory.LazyAttribute(
        lambda o: longest(Organisation, "name", o.script, first=MARKER)
    )
    acronym = factory.LazyFunction(
        lambda: unbroken(max_length(Organisation, "acronym"), "lt").upper()
    )
    slug = factory.Sequence(lambda n: slug(max_length(Organisation, "slug"), n))
    type = Organisation.Type.CENTRE_OF_EXCELLENCE
    type_detail = factory.LazyAttribute(
        lambda o: longest(Organisation, "type_detail", o.script)
    )
    founded = EARLIEST
    founded_precision = "year"
    founding_place = factory.LazyAttribute(
        lambda o: longest(Organisation, "founding_place", o.script)
    )
    hq = factory.LazyAttribute(lambda o: longest(Organisation, "hq", o.script))
    description = factory.LazyAttribute(lambda o: long_text(o.script, url_n=1))
    members_note = factory.LazyAttribute(lambda o: long_text(o.script, url_n=2))


class AgreementFactory(ReviewedFactory):
    class Meta:
        model = Agreement

    class Params:
        empty = factory.Trait(
            title=factory.Sequence(lambda n: f"Sutartis {n}"),
            slug=factory.Sequence(lambda n: f"a{n}"),
            type=Agreement.Type.OTHER,
            type_detail="",
            status="",
            signatories=[],
            signed=None,
            signed_precision="",
            entry_into_force=None,
            entry_into_force_precision="",
            ended=None,
            ended_precision="",
            place="",
            value="",
            summary="",
            notes="",
            confidence="high",
            last_verified=None,
        )

    title = factory.LazyAttribute(
        lambda o: longest(Agreement, "title", o.script, first=MARKER)
    )
    slug = factory.Sequence(lambda n: slug(max_length(Agreement, "slug"), n))
    type = Agreement.Type.DEFENCE_COOPERATION
    type_detail = factory.LazyAttribute(
        lambda o: longest(Agreement, "type_detail", o.script)
    )
    status = Agreement.Status.IN_FORCE
    signatories = factory.LazyAttribute(
        lambda o: [
            words(
                Agreement._meta.get_field("signatories").base_field.max_length,
                SCRIPTS[i % 4],
            )
            for i in range(12)
        ]
    )
    signed = datetime.date(1991, 1, 1)
    signed_precision = "year"
    entry_into_force = datetime.date(2016, 10, 1)
    entry_into_force_precision = "month"
    ended = LATEST
    ended_precision = "day"
    place = factory.LazyAttribute(lambda o: longest(Agreement, "place", o.script))
    value = factory.LazyAttribute(
        lambda o: words(
            max_length(Agreement, "value"), o.script, first="EUR 9 999 999 999"
        )
    )
    summary = factory.LazyAttribute(lambda o: long_text(o.script, url_n=3))


class SeriesFactory(DjangoModelFactory):
    class Meta:
        model = ExerciseSeries

    class Params:
        script = "lt"
        empty = factory.Trait(
            name=factory.Sequence(lambda n: f"Serija {n}"),
            slug=factory.Sequence(lambda n: f"s{n}"),
            description="",
        )

    name = factory.LazyAttribute(lambda o: longest(ExerciseSeries, "name", o.script))
    slug = factory.Sequence(lambda n: slug(max_length(ExerciseSeries, "slug"), n))
    description = factory.LazyAttribute(lambda o: long_text(o.script, url_n=4))


class ExerciseFactory(ReviewedFactory):
    class Meta:
        model = Exercise

    class Params:
        empty = factory.Trait(
            name=factory.Sequence(lambda n: f"Pratybos {n}"),
            slug=factory.Sequence(lambda n: f"e{n}"),
            edition="",
            start=None,
            start_precision="",
            end=None,
            end_precision="",
            lead="",
            scenario="",
            personnel=None,
            personnel_note="",
            participants_note="",
            description="",
            notes="",
            confidence="high",
            last_verified=None,
        )

    name = factory.LazyAttribute(
        lambda o: longest(Exercise, "name", o.script, first=MARKER)
    )
    slug = factory.Sequence(lambda n: slug(max_length(Exercise, "slug"), n))
    edition = factory.LazyFunction(lambda: unbroken(max_length(Exercise, "edition")))
    # Under way: began last month (month precision), ends at the calendar's end.
    start = factory.LazyFunction(
        lambda: (
            timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        ).replace(day=1)
    )
    start_precision = "month"
    end = LATEST
    end_precision = "day"
    lead = factory.LazyAttribute(lambda o: longest(Exercise, "lead", o.script))
    domain = Exercise.Domain.SPECIAL_OPERATIONS
    scenario = Exercise.Scenario.MINE_COUNTERMEASURES
    personnel = 2_147_483_647  # the largest value the column holds
    personnel_note = factory.LazyAttribute(
        lambda o: longest(Exercise, "personnel_note", o.script)
    )
    participants_note = factory.LazyAttribute(lambda o: long_text(o.script, url_n=5))
    description = factory.LazyAttribute(lambda o: long_text(o.script, url_n=6))


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = ThreatCategory

    class Params:
        script = "lt"

    name = factory.LazyAttribute(lambda o: longest(ThreatCategory, "name", o.script))
    name_lt = factory.LazyAttribute(lambda o: longest(ThreatCategory, "name_lt", "lt"))
    slug = factory.Sequence(lambda n: slug(max_length(ThreatCategory, "slug"), n))
    description = factory.LazyAttribute(lambda o: long_text(o.script, url_n=7))
    position = 32767  # the largest position the column holds


class ActorFactory(DjangoModelFactory):
    class Meta:
        model = Actor

    class Params:
        script = "lt"
        number = factory.Sequence(int)
        empty = factory.Trait(
            name=factory.Sequence(lambda n: f"Veikėjas {n}"),
            slug=factory.Sequence(lambda n: f"actor-{n}"),
            kind=Actor.Kind.UNKNOWN,
            country=None,
            aliases=[],
            description="",
            name_lt="",
        )

    name = factory.LazyAttribute(
        lambda o: longest(Actor, "name", o.script, first=str(o.number))
    )
    name_lt = factory.LazyAttribute(
        lambda o: longest(Actor, "name_lt", "lt", first=str(o.number))
    )
    slug = factory.Sequence(lambda n: slug(max_length(Actor, "slug"), n))
    kind = Actor.Kind.STATE_AFFILIATED
    aliases = factory.LazyAttribute(
        lambda o: [
            words(Actor._meta.get_field("aliases").base_field.max_length, script)
            for script in SCRIPTS
        ]
    )
    description = factory.LazyAttribute(lambda o: long_text(o.script, url_n=8))


class ThreatFactory(ReviewedFactory):
    class Meta:
        model = ThreatEntry

    class Params:
        empty = factory.Trait(
            title=factory.Sequence(lambda n: f"Grėsmė {n}"),
            slug=factory.Sequence(lambda n: f"t{n}"),
            summary="",
            # The one date a threat entry must have, at the calendar's start.
            occurred_start=EARLIEST,
            occurred_start_precision="year",
            occurred_end=None,
            occurred_end_precision="",
            reported=None,
            location_name="",
            latitude=None,
            longitude=None,
            coordinates_note="",
            targets_note="",
            # A published entry needs a severity; everything else may be empty.
            severity=1,
            severity_note="",
            geo_precision="",
            sea_area="",
            sea_area_detail="",
            credibility_override=None,
            rating_note="",
            notes="",
            confidence="high",
            last_verified=None,
        )

    title = factory.LazyAttribute(
        lambda o: longest(ThreatEntry, "title", o.script, first=MARKER)
    )
    slug = factory.Sequence(lambda n: slug(max_length(ThreatEntry, "slug"), n))
    summary = factory.LazyAttribute(lambda o: long_text(o.script, url_n=10))
    # Recent enough for the home page's chart of the last months.
    occurred_start = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=40)
    )
    occurred_start_precision = "day"
    occurred_end = LATEST
    occurred_end_precision = "day"
    reported = factory.LazyFunction(timezone.localdate)
    location_name = factory.LazyAttribute(
        lambda o: longest(ThreatEntry, "location_name", o.script)
    )
    latitude = Decimal("-90.00000")
    longitude = Decimal("180.00000")
    coordinates_note = factory.LazyAttribute(
        lambda o: longest(ThreatEntry, "coordinates_note", o.script)
    )
    targets_note = factory.LazyAttribute(lambda o: long_text(o.script, url_n=11))
    severity = 5
    severity_note = factory.LazyAttribute(
        lambda o: longest(ThreatEntry, "severity_note", o.script)
    )
    geo_precision = ThreatEntry.GeoPrecision.SEA_AREA
    sea_area = ThreatEntry.SeaArea.GULF_OF_BOTHNIA
    sea_area_detail = factory.LazyAttribute(
        lambda o: longest(ThreatEntry, "sea_area_detail", o.script)
    )
    credibility_override = ThreatEntry.Credibility.IMPROBABLE
    rating_note = factory.LazyAttribute(lambda o: long_text(o.script, url_n=12))


# -- the whole set ----------------------------------------------------------------


class ExtremeRecords:
    """What ``build`` made, by role: ``full``, ``empty`` and ``retracted`` records
    of each kind (``organisation``, ``agreement``, ``exercise``, ``threat``), the
    reference data, and the reasons written into their history."""

    def __init__(self):
        self.full = {}
        self.empty = {}
        self.retracted = {}
        self.reasons = []
        self.retraction_reasons = []

    @property
    def published(self):
        return [*self.full.values(), *self.empty.values()]

    @property
    def reviewed(self):
        return [*self.published, *self.retracted.values()]


def title_of(record):
    return getattr(record, "title", None) or record.name


def _sources(n, script="lt"):
    return [
        SourceFactory(script=SCRIPTS[(i + n) % 4]) for i in range(SOURCES_PER_RECORD)
    ]


def _retract(record, reason):
    """What core.workflow.retract does, without needing a reviewer."""
    record.publication_status = Status.RETRACTED
    record.retracted_at = timezone.now()
    record.retraction_reason = reason
    with pghistory.context(reason=reason):
        record.save(
            update_fields=[
                "publication_status",
                "retracted_at",
                "retraction_reason",
                "updated",
            ]
        )
    Deletion.record_retraction(record)


@contextlib.contextmanager
def rolled_back(seed=SEED):
    """The records of ``build`` inside a transaction rolled back on leaving: a
    test module builds them once (its tests run in savepoints of it)."""
    with transaction.atomic():
        # What the data migrations install, in case a transactional test
        # emptied the tables before.
        categories = importlib.import_module(
            "threats.migrations.0002_threat_categories"
        )
        categories.create_categories(apps, None)
        yield build(seed)
        transaction.set_rollback(True)


def build(seed=SEED):
    """Create the extreme records (published, one of each kind retracted)."""
    factory.random.reseed_random(seed)
    data = ExtremeRecords()
    codes = free_country_codes()
    # Countries in four scripts, at their longest; the first is in every record,
    # the last has its optional Lithuanian name empty.
    data.countries = [
        CountryFactory(iso2=next(codes), script=SCRIPTS[i % 4]) for i in range(MANY)
    ]
    data.country = data.countries[0]
    data.plain_country = CountryFactory(iso2=next(codes), empty=True)
    data.empty_source = SourceFactory(empty=True)
    # The longest URL a source may hold.
    data.longest_source = SourceFactory(url=long_url(max_length(Source, "url"), 77777))
    data.category = CategoryFactory()
    data.actors = [
        ActorFactory(script=SCRIPTS[i % 4], country=data.countries[i])
        for i in range(ATTRIBUTIONS)
    ]
    data.empty_actor = ActorFactory(empty=True)
    data.series = SeriesFactory()
    data.empty_series = SeriesFactory(empty=True)

    reason = long_reason("Sukurta", 0)
    data.reasons.append(reason)
    with pghistory.context(reason=reason):
        _organisations(data)
        _agreements(data)
        _exercises(data)
        _threats(data)
    _change_history(data)
    for n, (kind, record) in enumerate(_retractable(data)):
        why = long_reason(f"Atšaukta ({kind})", 100 + n)
        data.retraction_reasons.append(why)
        _retract(record, why)
    return data


def _organisations(data):
    empty = OrganisationFactory(empty=True)
    empty.sources.set([data.empty_source])
    full = OrganisationFactory(script="lt", hq_country=data.country, parent=empty)
    data.sources = _sources(0)
    full.sources.set([*data.sources, data.longest_source])
    roles = list(Membership.Role)
    for i, country in enumerate(data.countries):
        joined, joined_precision = VAGUE_DATES[i % 3]
        membership = Membership.objects.create(
            organisation=full,
            country=country,
            role=roles[i % len(roles)],
            role_detail=longest(Membership, "role_detail", SCRIPTS[i % 4]),
            # One with no known start, one from the calendar's first day.
            joined=None if i == 1 else EARLIEST if i == 2 else joined,
            joined_precision="" if i == 1 else "day" if i == 2 else joined_precision,
            left=LATEST if i % 5 == 0 else None,
            left_precision="day" if i % 5 == 0 else "",
            note=words(600, SCRIPTS[i % 4]) if i % 4 == 0 else "",
            confidence="medium" if i % 2 else "high",
        )
        # A few rows cite several long sources, the rest one short one: the
        # admin's form of 40 rows stays quick enough for a browser test.
        membership.sources.set(
            full.sources.all()[:3] if i % 10 == 3 else [data.empty_source]
        )
    retracted = OrganisationFactory(script="ru")
    retracted.sources.set([data.empty_source])
    data.full["organisation"] = full
    data.empty["organisation"] = empty
    data.retracted["organisation"] = retracted


def _agreements(data):
    full = AgreementFactory(script="pl", place_country=data.country)
    full.sources.set(_sources(1))
    for country in data.countries[: MANY // 2]:
        AgreementParty.objects.create(agreement=full, country=country)
    AgreementParty.objects.create(
        agreement=full, organisation=data.full["organisation"]
    )
    AgreementParty.objects.create(
        agreement=full, organisation=data.empty["organisation"]
    )
    for script in SCRIPTS:
        AgreementParty.objects.create(
            agreement=full, name=longest(AgreementParty, "name", script)
        )
    empty = AgreementFactory(empty=True)
    empty.sources.set([data.empty_source])
    retracted = AgreementFactory(script="ar")
    retracted.sources.set([data.empty_source])
    data.full["agreement"] = full
    data.empty["agreement"] = empty
    data.retracted["agreement"] = retracted


def _exercises(data):
    full = ExerciseFactory(
        script="ru",
        series=data.series,
        lead_country=data.country,
        lead_organisation=data.full["organisation"],
    )
    full.sources.set(_sources(2))
    full.host_countries.set(data.countries[:10])
    for i, country in enumerate(data.countries):
        Participation.objects.create(
            exercise=full,
            country=country,
            personnel=(2_147_483_647 if i == 0 else None if i % 3 else 10**i % 99991),
            note=longest(Participation, "note", SCRIPTS[i % 4]) if i % 2 else "",
        )
    # Coordinates at the poles and on the antimeridian, and one place without.
    places = [
        (Decimal("90.00000"), Decimal("180.00000")),
        (Decimal("-90.00000"), Decimal("-180.00000")),
        (Decimal("55.89389"), Decimal("23.39472")),
        (None, None),
    ]
    for i, (latitude, longitude) in enumerate(places):
        ExerciseLocation.objects.create(
            exercise=full,
            name=longest(ExerciseLocation, "name", SCRIPTS[i % 4], first=str(i)),
            country=data.countries[i] if latitude is not None else None,
            latitude=latitude,
            longitude=longitude,
            coordinates_source=data.longest_source if latitude is not None else None,
            coordinates_note=longest(
                ExerciseLocation, "coordinates_note", SCRIPTS[i % 4]
            )
            if latitude is not None
            else "",
        )
    empty = ExerciseFactory(empty=True, domain=Exercise.Domain.LAND)
    empty.sources.set([data.empty_source])
    # In the same series as the full one: its page lists the other edition.
    retracted = ExerciseFactory(script="pl", series=data.series)
    retracted.sources.set([data.empty_source])
    data.full["exercise"] = full
    data.empty["exercise"] = empty
    data.retracted["exercise"] = retracted


def _threats(data):
    full = ThreatFactory(
        script="ar",
        category=data.category,
        location_country=data.country,
        coordinates_source=data.longest_source,
    )
    full.sources.set(_sources(3))
    full.target_countries.set(data.countries)
    full.related_exercises.set([data.full["exercise"], data.empty["exercise"]])
    confidences = list(Attribution.Confidence)
    for i, actor in enumerate(data.actors):
        on, precision = VAGUE_DATES[i % len(VAGUE_DATES)]
        attribution = Attribution.objects.create(
            entry=full,
            actor=actor,
            actor_unit=longest(Attribution, "actor_unit", SCRIPTS[(i + 2) % 4]),
            attributed_by=longest(Attribution, "attributed_by", SCRIPTS[i % 4]),
            attributed_on=on,
            attributed_on_precision=precision,
            attribution_confidence=confidences[i % len(confidences)],
            basis=words(700, SCRIPTS[(i + 1) % 4]),
        )
        attribution.sources.set(full.sources.all()[:3])
    # The empty actor, blamed by nobody in particular, with nothing but a source.
    Attribution.objects.create(
        entry=full, actor=data.empty_actor, attribution_confidence="not_attributed"
    ).sources.set([data.empty_source])
    empty = ThreatFactory(
        empty=True, category=ThreatCategory.objects.get(slug="cyber-attack")
    )
    empty.sources.set([data.empty_source])
    retracted = ThreatFactory(
        script="lt", category=data.category, coordinates_source=data.empty_source
    )
    retracted.sources.set([data.empty_source])
    # With the ratings their sources gave them (ThreatEntry.refresh_assessment).
    for entry in (full, empty, retracted):
        entry.refresh_from_db()
    data.full["threat"] = full
    data.empty["threat"] = empty
    data.retracted["threat"] = retracted


def _change_history(data):
    """Corrections after publication: long reasons with URLs, and one written
    the way import_records used to write its reason (a command line with the
    path of the file), which no public page may show."""
    for n, record in enumerate(data.full.values()):
        reason = long_reason("Pataisyta", 10 + n)
        data.reasons.append(reason)
        with pghistory.context(reason=reason):
            record.confidence = "high"
            record.save(update_fields=["confidence", "updated"])
        with pghistory.context(
            reason=f"import_records {LEGACY_IMPORT_PATH}", command="import_records"
        ):
            record.confidence = "medium"
            record.save(update_fields=["confidence", "updated"])


# A path as long as real ones get (a home folder, a checkout, dated exports).
LEGACY_IMPORT_PATH = (
    "/home/analitike/projektai/baltic-security-atlas-duomenys/eksportai/"
    "2026-11-24T10-15-00_verified_facts_export_after_review_by_the_second_editor/"
    "threats_agreements_exercises_organisations_with_attributions_and_sources.yaml"
)


def _retractable(data):
    return list(data.retracted.items())
