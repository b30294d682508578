"""Languages in the URL: the public pages in Lithuanian live under ``/lt/``
(config/urls.py, ``i18n_patterns`` with ``prefix_default_language=False``), so
a Lithuanian page can be linked to and shared; English keeps its unprefixed
URLs.

``/lt/...`` is Lithuanian whoever asks. Every other URL (an English page, the
admin, the API, the language switch) takes the reader's choice as before: the
language cookie, then ``Accept-Language``. (Django's own middleware would make
every unprefixed URL English and put the admin and the API in English for
everyone.) The API stays unprefixed: ``/lt/api/`` is not found.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import URLResolver, translate_url
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation


class LanguagePrefixPattern(LocalePrefixPattern):
    """Django's prefix pattern matches only the active language's prefix, so an
    unprefixed page would not be found for a reader whose cookie says
    Lithuanian. This one finds the page from the URL alone: ``lt/...`` (the
    middleware has made Lithuanian active) or no prefix, in any language.
    Reversing is Django's: the active language's URL."""

    def match(self, path):
        code = translation.get_language_from_path("/" + path)
        if code and code != settings.LANGUAGE_CODE:
            return path.removeprefix(f"{code}/"), (), {}
        return path, (), {}


def language_patterns(*urls):
    """``i18n_patterns(*urls, prefix_default_language=False)`` whose unprefixed
    URLs are found whatever the reader's language."""
    return [
        URLResolver(LanguagePrefixPattern(prefix_default_language=False), list(urls))
    ]


def language_from_path(path):
    """The language a URL's prefix names (``/lt/threats/`` -> "lt"), or None."""
    return translation.get_language_from_path(path)


def page_url(url, language):
    """The same page (query string kept) in ``language``, or ``url`` itself
    when it is no page of the site in both languages."""
    current = language_from_path(urlsplit(url).path) or settings.LANGUAGE_CODE
    with translation.override(current):
        return translate_url(url, language)


def alternates(url):
    """``[(language, name, url)]`` for a page in every language of the site, or
    [] when ``url`` is not a page with a URL per language (the API, an error)."""
    found = [(code, name, page_url(url, code)) for code, name in settings.LANGUAGES]
    if len({address for _code, _name, address in found}) < len(found):
        return []
    return found


class LanguageMiddleware(LocaleMiddleware):
    """The language of the URL's prefix, else the cookie, else Accept-Language."""

    def process_request(self, request):
        language = language_from_path(
            request.path_info
        ) or translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
