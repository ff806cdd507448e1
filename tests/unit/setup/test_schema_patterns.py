"""Every pattern and format in the routes' and the envelopes' JSON Schemas means "the whole string, and nothing
after it", as jsonschema checks it in the Lambdas: no value passes with a trailing newline.

JSON Schema's ``pattern`` is an ECMA-262 regex applied with search semantics; jsonschema applies it with Python's
``re.search``, where ``$`` also matches before a final newline. The schemas end their patterns in ``(?![\\s\\S])``
(nothing follows), which means the same in both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import find
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from imegha_service.requests import FORMAT_CHECKER
from tests.conftest import ROOT

SCHEMA_DIRS = ("functions/schemas", "user-cloud/functions/schemas", "layers/crypto/imegha_crypto/schemas")
# A well-formed value of each format the schemas name.
FORMAT_EXAMPLES = {"date-time": "2026-12-05T02:30:00Z", "uuid": "6f1c2a4e-8d3b-4f0a-9c1e-2b7d5e8f3a10"}


def schema_files() -> list[Path]:
    return sorted(path for directory in SCHEMA_DIRS for path in (ROOT / directory).glob("*.json"))


def walk(node: object, where: str) -> Iterator[tuple[str, str, str]]:
    """(keyword, value, where) for every ``pattern``, ``patternProperties`` key and ``format`` under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield "pattern", value, where
            elif key == "format" and isinstance(value, str):
                yield "format", value, where
            elif key == "patternProperties" and isinstance(value, dict):
                yield from (("pattern", name, f"{where}/patternProperties") for name in value)
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, f"{where}/{index}")


FOUND = [
    (keyword, value, f"{path.relative_to(ROOT)}#{where}")
    for path in schema_files()
    for keyword, value, where in walk(json.loads(path.read_text()), "")
]
PATTERNS = sorted({(value, where) for keyword, value, where in FOUND if keyword == "pattern"})
FORMATS = sorted({value for keyword, value, _ in FOUND if keyword == "format"})


def test_the_schemas_have_patterns_and_formats_to_check():
    assert len(PATTERNS) >= 14 and set(FORMATS) <= set(FORMAT_EXAMPLES), FORMATS


@pytest.mark.parametrize(("pattern", "where"), PATTERNS, ids=[where for _, where in PATTERNS])
def test_no_pattern_accepts_a_value_with_a_trailing_newline(pattern, where):
    validator = Draft202012Validator({"type": "string", "pattern": pattern})
    matching = find(st.from_regex(pattern), lambda value: validator.is_valid(value) and not value.endswith("\n"))

    assert not validator.is_valid(matching + "\n"), f"{where}: {pattern!r} accepts {matching + chr(10)!r}"
    assert pattern.startswith("^") and not re.search(r"(?<!\\)\$", pattern), f"{where}: anchor with (?![\\s\\S])"


@pytest.mark.parametrize("name", FORMATS)
def test_no_format_accepts_a_value_with_a_trailing_newline(name):
    validator = Draft202012Validator({"type": "string", "format": name}, format_checker=FORMAT_CHECKER)

    assert validator.is_valid(FORMAT_EXAMPLES[name])
    assert not validator.is_valid(FORMAT_EXAMPLES[name] + "\n")
