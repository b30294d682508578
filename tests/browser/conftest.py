"""Real-browser journeys: Playwright driving Debian's Chromium against a live server.

Without a Chromium binary these tests are skipped, and the run says so plainly
(see tests/conftest.py), except in CI (``CI=true``, as .ci/run and CI services
set it): there a missing Chromium fails them, so they can never pass unseen.
"""

import importlib
import os
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
SKIP_REASON = (
    f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
)

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made
# by the test itself (building data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or in_ci():
        return
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"CI=true, but there is no Chromium at {CHROMIUM}: the browser tests "
            "cannot run (apt-get install chromium, or set ATLAS_CHROMIUM)",
            pytrace=False,
        )

    # CI runs the suite on two cores with other work beside it; Playwright's own
    # five seconds for an assertion to come true is too short there. A passing
    # assertion returns as soon as it holds, so the longer wait costs nothing.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def outside_requests():
    """URLs the page tried to fetch from anywhere but the site under test."""
    return []


def _open_page(browser, live_server, outside_requests, width, height):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    site = urlsplit(live_server.url).netloc

    def guard(route):
        if urlsplit(route.request.url).netloc in (site, ""):
            return route.continue_()
        outside_requests.append(route.request.url)
        return route.abort()

    context.route("**/*", guard)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server, outside_requests):
    context, page = _open_page(browser, live_server, outside_requests, 1280, 900)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server, outside_requests):
    context, page = _open_page(browser, live_server, outside_requests, 390, 844)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def migration_data(transactional_db):
    """Put back what data migrations install (the threat categories) and the
    Editors and Reviewers groups: transactional tests empty every table when they
    end."""
    from django.apps import apps

    from core.permissions import sync_groups

    categories = importlib.import_module("threats.migrations.0002_threat_categories")
    categories.create_categories(apps, None)
    names_lt = importlib.import_module("threats.migrations.0007_category_name_lt")
    names_lt.fill_lithuanian_names(apps, None)
    sync_groups()
