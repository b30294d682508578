"""Every kind of page holding the extreme records (tests/extreme.py), in Chromium
at a phone's width (390 px) and a desktop's (1280 px): no server error, no page
wider than the screen (``scrollWidth <= clientWidth``), no serious or critical
axe-core violation, every record's title on its page, and no command line or
file path on a public page.

The records are built once per test and every page is checked at both widths
as a subtest, so a failure names the page and the width.
"""

from urllib.parse import urlencode

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from alliances.models import Agreement, Organisation
from exercises.models import Exercise
from tests import extreme
from tests.browser.axe import serious_violations
from tests.extreme import LEGACY_IMPORT_PATH, title_of
from tests.yaml_text import load_yaml
from threats.models import ThreatEntry

pytestmark = pytest.mark.django_db(transaction=True)

PHONE, DESKTOP = 390, 1280
WIDTHS = (PHONE, DESKTOP)
# What no public page may show: the command line and the path of an import.
NEVER_PUBLIC = ("import_records", LEGACY_IMPORT_PATH, "fixtures/")

# What a check reads from the page, in one round trip.
READ_PAGE = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  text: document.body.innerText,
  values: [...document.querySelectorAll("input, textarea")].map((e) => e.value),
  titles: [...document.querySelectorAll("[title]")].map((e) => e.title),
  listed: [...document.querySelectorAll("main .record :is(h2, h3) a")].map(
    (a) => a.pathname
  ),
})"""


class PageCheck:
    """A page to load, the texts it must show (record titles, reasons) and the
    records it must not list (by their addresses)."""

    def __init__(self, path, shows=(), leaves_out=(), status=200, public=True):
        self.path = path
        self.shows = [
            title_of(item) if hasattr(item, "_meta") else item for item in shows
        ]
        self.leaves_out = [record.get_absolute_url() for record in leaves_out]
        self.status = status
        self.public = public


def check(page, target, axe=True):
    """Load ``target`` in ``page`` and assert what every page must satisfy."""
    response = page.goto(target.path)
    assert response.status == target.status, target.path
    if target.path.startswith("/map/"):
        page.wait_for_load_state("networkidle")  # the map fetches its data
    seen = page.evaluate(READ_PAGE)
    assert seen["scrollWidth"] <= seen["clientWidth"], (
        f"{target.path} is {seen['scrollWidth']}px wide on a "
        f"{seen['clientWidth']}px screen"
    )
    # Findable: in the text a reader sees, a form field, or a title attribute
    # (where a fixed space truncates a value, the whole value is its title).
    text = " ".join(seen["text"].split())
    everything = [text, *seen["values"], *seen["titles"]]
    for wanted in target.shows:
        assert any(" ".join(wanted.split()) in place for place in everything), (
            f"{wanted[:60]}... not on {target.path}"
        )
    for address in target.leaves_out:
        assert address not in seen["listed"], f"{address} listed on {target.path}"
    if target.public:
        for internal in NEVER_PUBLIC:
            assert internal not in text, f"{internal!r} shown on {target.path}"
    if axe:
        assert serious_violations(page) == [], target.path


def new_page(browser, live_server, width, session=None):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    if session:
        context.add_cookies(
            [{"name": "sessionid", "value": session, "url": live_server.url}]
        )
    return context, context.new_page()


def check_all(browser, live_server, subtests, targets, session=None, axe=WIDTHS):
    """Every page at both widths; axe at the widths in ``axe``."""
    for width in WIDTHS:
        context, page = new_page(browser, live_server, width, session)
        for target in targets:
            with subtests.test(msg=f"{target.path} at {width}px"):
                check(page, target, axe=width in axe)
        context.close()


# -- the public site ------------------------------------------------------------------


def public_pages(data):
    full, empty, retracted = data.full, data.empty, data.retracted
    country = data.country
    organisation, agreement = full["organisation"], full["agreement"]
    exercise, threat = full["exercise"], full["threat"]
    this_year = threat.occurred_start.year
    pages = [
        PageCheck("/", [title_of(threat), title_of(exercise)]),
        PageCheck("/organisations/", [organisation, empty["organisation"]]),
        PageCheck("/agreements/", [agreement, empty["agreement"]]),
        PageCheck("/exercises/", [exercise, empty["exercise"]]),
        PageCheck("/threats/", [threat, empty["threat"]]),
        # Lists narrowed by their facets: the chosen values shown at length.
        PageCheck(
            "/organisations/?"
            + urlencode({"type": organisation.type, "country": country.iso2}),
            [organisation, country.name],
            [empty["organisation"]],
        ),
        PageCheck(
            "/agreements/?"
            + urlencode(
                {
                    "type": agreement.type,
                    "status": agreement.status,
                    "country": country.iso2,
                }
            ),
            [agreement, country.name],
            [empty["agreement"]],
        ),
        PageCheck(
            "/exercises/?"
            + urlencode(
                {
                    "series": data.series.slug,
                    "host": country.iso2,
                    "participant": data.countries[-1].iso2,
                    "year": exercise.start.year,
                }
            ),
            [exercise, data.series.name, country.name],
            [empty["exercise"]],
        ),
        PageCheck(
            "/threats/?"
            + urlencode(
                {
                    "category": data.category.slug,
                    "actor": data.actors[0].slug,
                    "target": country.iso2,
                    "year": this_year,
                }
            ),
            [threat, data.category.name, data.actors[0].name],
            [empty["threat"]],
        ),
        # The year facet offers year 1 (the calendar's first): it must filter.
        PageCheck("/threats/?year=1", [empty["threat"]], [threat]),
        *(
            # The change log: long reasons whole, an old import's command line
            # in plain words.
            PageCheck(
                record.get_absolute_url(),
                [record, data.reasons[0], "Imported from a data file"],
            )
            for record in full.values()
        ),
        *(PageCheck(record.get_absolute_url(), [record]) for record in empty.values()),
        *(
            PageCheck(
                record.get_absolute_url(),
                [record, record.retraction_reason],
                status=410,
            )
            for record in retracted.values()
        ),
        PageCheck("/countries/", [country.name, country.name_lt]),
        PageCheck(
            country.get_absolute_url(),
            [country.name, country.name_lt, *full.values()],
        ),
        PageCheck("/search/?" + urlencode({"q": extreme.MARKER}), list(full.values())),
        PageCheck(
            "/timeline/",
            [agreement, exercise, threat, empty["threat"]],
        ),
        PageCheck("/timeline/?year=1", [empty["threat"]], [threat]),
        PageCheck("/map/", [title_of(threat), title_of(exercise)]),
        PageCheck(
            "/retractions/",
            [*retracted.values(), *(r.retraction_reason for r in retracted.values())],
        ),
    ]
    return pages


def test_every_public_page_holds_the_extreme_records(
    browser, live_server, subtests, outside_requests
):
    data = extreme.build()
    check_all(browser, live_server, subtests, public_pages(data))
    assert outside_requests == []


# -- the admin -------------------------------------------------------------------------

REVIEWED = {
    "organisation": Organisation,
    "agreement": Agreement,
    "exercise": Exercise,
    "threat": ThreatEntry,
}


def admin_pages(data):
    pages = []
    for kind, model in REVIEWED.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        records = [data.full[kind], data.empty[kind], data.retracted[kind]]
        pages.append(PageCheck(base, [title_of(r) for r in records], public=False))
        full = data.full[kind]
        pages.append(
            PageCheck(f"{base}{full.pk}/change/", [title_of(full)], public=False)
        )
        # The record's whole history: long reasons, and the internal ones.
        pages.append(
            PageCheck(
                f"{base}{full.pk}/history/",
                [data.reasons[0], LEGACY_IMPORT_PATH],
                public=False,
            )
        )
    return pages


def test_the_admin_holds_the_extreme_records(browser, live_server, subtests, reviewer):
    data = extreme.build()
    client = Client()
    client.force_login(reviewer)
    check_all(
        browser,
        live_server,
        subtests,
        admin_pages(data),
        session=client.cookies[settings.SESSION_COOKIE_NAME].value,
        # The admin's forms with 40 inline rows take axe seconds each: its
        # layout is Django's, the same at both widths, so once is enough.
        axe=(DESKTOP,),
    )


# -- an import from a long path --------------------------------------------------------


def real_records(per_kind=3):
    """Countries and the seed records with the most text, of each reviewed
    kind, leaving out those that name a record not imported with them."""
    fixtures = settings.BASE_DIR / "fixtures"
    records = load_yaml((fixtures / "countries.yaml").read_text())
    texts = {
        "organisations": "description",
        "agreements": "summary",
        "exercises": "description",
        "threats": "summary",
    }
    for name, text in texts.items():
        rows = [
            row
            for row in load_yaml((fixtures / f"{name}.yaml").read_text())
            if not any(
                row.get(link)
                for link in ("parent", "lead_organisation", "follows_up", "related")
            )
        ]
        rows.sort(key=lambda row: len(row.get(text) or ""), reverse=True)
        records += rows[:per_kind]
    return records


def test_an_import_from_a_long_path_fits_a_phone_and_hides_the_path(
    browser, live_server, subtests, tmp_path
):
    folder = tmp_path.joinpath(
        "exports-from-the-ministry-of-national-defence-republic-of-lithuania",
        "2026-11-24T10-15-00-verified-facts-after-the-second-review",
        "threats-agreements-exercises-organisations-with-all-their-sources",
    )
    folder.mkdir(parents=True)
    path = folder / "baltic-security-atlas-records-imported-without-a-reason.yaml"
    path.write_text(yaml.safe_dump(real_records(), allow_unicode=True))
    assert len(str(path)) > 250

    call_command("import_records", str(path), status="published", verbosity=0)

    imported = [
        record for model in REVIEWED.values() for record in model.objects.published()
    ]
    assert len(imported) == 12
    pages = [
        PageCheck(record.get_absolute_url(), [record, "Imported from a data file"])
        for record in imported
    ]
    context, page = new_page(browser, live_server, PHONE)
    for target in pages:
        with subtests.test(msg=f"{target.path} at {PHONE}px"):
            check(page, target, axe=False)
            text = page.evaluate("document.documentElement.outerHTML")
            for part in (str(path), path.name, folder.name):
                assert part not in text, target.path
    context.close()
