"""JSON from someone else: every way it could break the parser is a FormatError with a reason, found before parsing
where a limit is the reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imegha_crypto import MAX_JSON_DEPTH, FormatError, TooLargeError, parse_json, parse_json_object

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_json_within_the_limits_reads_as_json_loads_reads_it(value):
    text = json.dumps(value)

    assert parse_json(text, max_bytes=1 << 20) == parse_json(text.encode(), max_bytes=1 << 20) == json.loads(text)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (nested(MAX_JSON_DEPTH + 1), f"nested deeper than {MAX_JSON_DEPTH} levels"),
        ("[" * 1_000_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        ('{"a": ' * 100_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        ("9" * 101, "not valid JSON (a number of 101 digits, more than 100)"),
        ("-" + "9" * 5000, "not valid JSON (a number of 5000 digits, more than 100)"),
        ('{"x": NaN}', "not valid JSON (NaN is not a JSON number)"),
        ("[-Infinity]", "not valid JSON (-Infinity is not a JSON number)"),
        ('{"a": 1,}', "not valid JSON (Expecting property name enclosed in double quotes at line 1 column 9)"),
        (b'"\xff"', "not UTF-8 text (byte 1)"),
        ("[" + "0," * 100_000 + "0]", "about 100002 values, more than the 100000 allowed"),
        ("", "not valid JSON (Expecting value at line 1 column 1)"),
    ],
)
def test_what_would_break_the_parser_is_a_format_error_with_its_reason(data, reason):
    with pytest.raises(FormatError) as refused:
        parse_json(data, max_bytes=10_000_000)

    assert str(refused.value) == reason


def test_brackets_inside_strings_are_text_not_depth():
    text = json.dumps({"a": "[" * 1000 + '\\"{' * 1000, "b": nested(MAX_JSON_DEPTH - 1)})

    assert parse_json(text, max_bytes=1 << 20)["a"].startswith("[[[")
    assert parse_json(nested(MAX_JSON_DEPTH), max_bytes=1 << 20) is not None


def test_a_document_larger_than_allowed_is_refused_by_its_size_in_utf8_bytes():
    with pytest.raises(TooLargeError, match="^8 bytes, more than the 7 allowed$"):
        parse_json('"ééé"', max_bytes=7)
    assert parse_json('"ééé"', max_bytes=8) == "ééé"


def test_an_object_is_asked_for_and_anything_else_refused():
    assert parse_json_object('{"name": "a"}', max_bytes=100) == {"name": "a"}
    with pytest.raises(FormatError, match="^a JSON object was expected, not list$"):
        parse_json_object("[1]", max_bytes=100)


def test_fractions_are_refused_where_asked_and_commas_inside_strings_are_no_values():
    assert parse_json('{"n": [1.5, 2e3]}', max_bytes=100) == {"n": [1.5, 2000.0]}
    with pytest.raises(
        FormatError, match=r"^not valid JSON \(2e3 has a fraction or an exponent; these numbers are whole\)$"
    ):
        parse_json('{"n": [1, 2e3]}', max_bytes=100, fractions=False)
    assert parse_json_object(json.dumps({"a": "," * 1000}), max_bytes=10_000, max_values=3) == {"a": "," * 1000}
