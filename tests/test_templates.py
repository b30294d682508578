"""Template comments that Django does not read as comments: ``{# ... #}`` holds
on one line only; one spread over several lines is printed on the page as text
(the map page showed its own note to every reader)."""

from pathlib import Path

from django.conf import settings

TEMPLATE_DIRS = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]] + [
    path / "templates"
    for path in Path(settings.BASE_DIR).iterdir()
    if (path / "templates").is_dir() and path.name not in {".venv", "node_modules"}
]


def test_every_short_comment_closes_on_its_own_line():
    unclosed = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if line.count("{#") > line.count("#}"):
                    unclosed.append(
                        f"{template.relative_to(settings.BASE_DIR)}:{number}"
                    )
    assert unclosed == [], "use {% comment %} for comments over several lines"
