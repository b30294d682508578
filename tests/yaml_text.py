"""YAML read the way the importer reads it (core/seed.py): the safe loader's rules
through libyaml's C parser when PyYAML has it. ``yaml.safe_load`` is the pure
Python parser, about ten times slower: the 550 KB OpenAPI document or the seed
files took seconds each on a 2-core machine."""

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text):
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
