"""Every variable the settings, gunicorn.conf.py and the backup command read is
explained in .env.example."""

import re

from tests.production.conftest import BASE_DIR

READERS = [
    "config/settings.py",
    "gunicorn.conf.py",
    "core/management/commands/backup.py",
]
PATTERN = re.compile(
    r"""(?:env_str|env_bool|env_int|env_list|os\.environ\.get)\(\s*["']([A-Z_]+)["']"""
)


def test_env_example_lists_every_variable():
    documented = (BASE_DIR / ".env.example").read_text()
    read = set()
    for path in READERS:
        read |= set(PATTERN.findall((BASE_DIR / path).read_text()))
    assert len(read) > 30
    missing = sorted(
        name for name in read if not re.search(rf"^#? ?{name}=", documented, re.M)
    )
    assert missing == []
