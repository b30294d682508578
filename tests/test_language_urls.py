"""Languages in the URL (core/locale.py, config/urls.py): the public pages in
Lithuanian under /lt/, for anyone who follows the link; English at the URLs it
always had; hreflang alternates; the language switch keeps the page; the API
and the admin not prefixed; the HTTP cache and the purge hook per URL."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from core.purge import language_paths
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return factories.threat(title="Drone over the lake")


def html_lang(response):
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def alternates(response):
    return {
        language: html.unescape(url)
        for language, url in re.findall(
            r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)"',
            response.content.decode(),
        )
    }


def test_a_first_time_visitor_reads_lt_threats_in_lithuanian(client, entry):
    # No cookie, and a browser that prefers English.
    response = client.get("/lt/threats/", HTTP_ACCEPT_LANGUAGE="en-GB,en")
    assert response.status_code == 200
    assert html_lang(response) == "lt"
    page = response.content.decode()
    assert ">Grėsmės<" in page
    # Its links stay in Lithuanian.
    assert f'href="/lt/threats/{entry.slug}/"' in page
    assert client.get(f"/lt/threats/{entry.slug}/").status_code == 200


def test_a_cookie_does_not_change_a_lithuanian_url(client, entry):
    client.cookies["django_language"] = "en"
    assert html_lang(client.get("/lt/threats/")) == "lt"


def test_the_english_pages_are_unchanged(client, entry):
    response = client.get("/threats/")
    assert response.status_code == 200
    assert html_lang(response) == "en"
    page = response.content.decode()
    assert f'href="/threats/{entry.slug}/"' in page
    assert "/lt/threats/" not in page.split("</head>")[1].split("</header>")[1]
    # A reader who chose Lithuanian before the URLs had it still gets it there,
    # with links into the Lithuanian URLs.
    client.cookies["django_language"] = "lt"
    response = client.get("/threats/")
    assert response.status_code == 200
    assert html_lang(response) == "lt"
    assert f'href="/lt/threats/{entry.slug}/"' in response.content.decode()


def test_hreflang_alternates_name_the_page_in_each_language(client, entry):
    response = client.get("/threats/?category=cyber-attack&q=drone")
    links = alternates(response)
    assert links == {
        "en": "http://testserver/threats/?category=cyber-attack&q=drone",
        "x-default": "http://testserver/threats/?category=cyber-attack&q=drone",
        "lt": "http://testserver/lt/threats/?category=cyber-attack&q=drone",
    }
    assert alternates(client.get("/lt/threats/?category=cyber-attack&q=drone")) == links
    detail = alternates(client.get(f"/lt/threats/{entry.slug}/"))
    assert detail["en"] == f"http://testserver/threats/{entry.slug}/"


def canonical(response):
    found = re.search(
        r'<link rel="canonical" href="([^"]+)"', response.content.decode()
    )
    return html.unescape(found.group(1))


def test_the_canonical_url_is_the_page_in_the_language_shown(client, entry):
    assert (
        canonical(client.get("/threats/?q=drone"))
        == "http://testserver/threats/?q=drone"
    )
    assert (
        canonical(client.get("/lt/threats/?q=drone"))
        == "http://testserver/lt/threats/?q=drone"
    )
    client.cookies["django_language"] = "lt"
    assert canonical(client.get("/threats/")) == "http://testserver/lt/threats/"


def switch(client, page, language):
    """What the language button does: the form posted to its formaction."""
    html = client.get(page).content.decode()
    action = re.search(
        rf'value="{language}" lang="{language}" formaction="([^"]+)"', html
    ).group(1)
    return client.post(action.replace("&amp;", "&"), {"language": language})


@pytest.mark.parametrize(
    ("page", "language", "lands_on"),
    [
        (
            "/threats/?category=cyber-attack&page=2",
            "lt",
            "/lt/threats/?category=cyber-attack&page=2",
        ),
        ("/lt/threats/?category=cyber-attack", "en", "/threats/?category=cyber-attack"),
        ("/lt/timeline/", "en", "/timeline/"),
    ],
)
def test_the_language_switch_keeps_the_page_and_its_query(
    client, entry, page, language, lands_on
):
    response = switch(client, page, language)
    assert response.status_code == 302
    assert response["Location"] == lands_on
    # The choice is remembered for the admin and the API.
    assert response.cookies["django_language"].value == language
    assert html_lang(client.get(lands_on)) == language


def test_the_switch_from_a_lithuanian_url_works_for_an_english_browser(client, entry):
    # Django's own translate_url reads /lt/... only when Lithuanian is active:
    # the button names the English URL itself.
    action = switch(client, "/lt/threats/", "en")
    assert action["Location"] == "/threats/"
    html = client.get("/lt/threats/").content.decode()
    formaction = re.search(r'value="en" lang="en" formaction="([^"]+)"', html).group(1)
    assert parse_qs(urlsplit(formaction.replace("&amp;", "&")).query)["next"] == [
        "/threats/"
    ]


@pytest.mark.parametrize(
    "path", ["/lt/api/", "/lt/api/v1/threats/", "/lt/admin/", "/lt/i18n/setlang/"]
)
def test_what_is_not_a_page_has_no_lithuanian_url(client, path):
    assert client.get(path).status_code == 404


def test_the_api_is_not_prefixed_and_links_the_english_pages(client, entry):
    response = client.get(f"/api/v1/threats/{entry.slug}/", HTTP_ACCEPT_LANGUAGE="lt")
    assert response.status_code == 200
    assert response.json()["web_url"] == f"http://testserver/threats/{entry.slug}/"


def test_feeds_follow_the_page_language(client, entry):
    response = client.get("/lt/threats/feed/")
    assert response.status_code == 200
    assert f"/lt/threats/{entry.slug}/" in response.content.decode()
    assert (
        f"http://testserver/threats/{entry.slug}/"
        in client.get("/threats/feed/").content.decode()
    )


def test_a_lithuanian_url_is_cached_whatever_the_request_says(client, entry):
    response = client.get("/lt/threats/")
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert "Accept-Language" not in vary
    assert "Cookie" in vary
    assert "public" in response["Cache-Control"]
    etag = response["ETag"]
    assert etag != client.get("/threats/")["ETag"]
    # Any reader's revalidation of it is "not modified".
    again = client.get(
        "/lt/threats/", HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 304
    # An unprefixed URL still varies by the reader's language.
    vary = {part.strip() for part in client.get("/threats/")["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary


def test_the_purge_reaches_every_language_copy():
    assert language_paths(["/threats/", "/api/v1/threats/"]) == [
        ("/threats/", "en"),
        ("/threats/", "lt"),
        ("/lt/threats/", "lt"),
        ("/api/v1/threats/", "en"),
        ("/api/v1/threats/", "lt"),
    ]
