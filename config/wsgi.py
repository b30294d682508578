"""WSGI entry point (gunicorn config.wsgi)."""

import logging
import os

from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
logger = logging.getLogger(__name__)


def warm_up():
    """Do now what each process would otherwise do on its first requests: import
    the URLconf (every view, DRF, the schema generator: about half a second of
    CPU), build the URL patterns of each language, load the translation
    catalogs, compile the project's templates and the search page's SQL for
    queries of one to three words. Loaded before gunicorn forks (``preload_app``), workers
    start with all of it, and a worker that replaces another (``max_requests``)
    answers its first request as fast as the rest.
    A connection opened meanwhile is closed: a socket must not be shared by
    forked workers."""
    from django.conf import settings
    from django.core.cache import cache
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from config.pages.search import precompile_searches

    get_resolver().url_patterns  # noqa: B018
    # The cache backend's client (Redis's imports its library, ~0.2 s); its
    # connections open on first use.
    cache._cache  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Search")
            reverse("home")
    engine = engines["django"]
    for folder in engine.dirs:
        for path in sorted(folder.rglob("*.html")):
            try:
                engine.get_template(str(path.relative_to(folder)))
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue  # answered (or failed) on request, as before
    try:
        precompile_searches()
    except DatabaseError as error:
        logger.warning("Search SQL not compiled ahead (%s): compiled on use.", error)
    finally:
        # Headlines' options are quoted by the driver, which wants a
        # connection: closed again, so that no worker inherits its socket.
        connections.close_all()


warm_up()
