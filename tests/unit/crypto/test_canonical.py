"""The byte encodings a browser client must reproduce exactly (README: "Encodings")."""

import pytest

from imegha_crypto import Context, FormatError, b64url_decode, b64url_encode
from imegha_crypto.canonical import binding, canonical_json


def test_members_are_ordered_by_utf16_code_units_as_javascript_orders_them():
    # By code point U+1F600 would come last; in UTF-16 it is D83D DE00, before U+FB33.
    value = {"\ufb33": 4, "\U0001f600": 3, "\u20ac": 2, "a": 1}
    assert canonical_json(value) == '{"a":1,"\u20ac":2,"\U0001f600":3,"\ufb33":4}'.encode()


def test_strings_escape_only_what_json_stringify_escapes():
    assert canonical_json('\x00\n"\\/é\u2028\x7f') == b'"\\u0000\\n\\"\\\\/\xc3\xa9\xe2\x80\xa8\x7f"'


def test_nested_values_have_no_whitespace_and_literal_booleans():
    assert canonical_json({"b": [1, True, None], "a": {"y": False, "x": "z"}}) == (
        b'{"a":{"x":"z","y":false},"b":[1,true,null]}'
    )


@pytest.mark.parametrize("value", [1.5, 2**53, -(2**53), {"n": 0.0}, {1: "key is not a string"}, b"bytes"])
def test_values_a_browser_cannot_reproduce_are_refused(value):
    with pytest.raises(FormatError):
        canonical_json(value)


def test_a_lone_surrogate_is_refused():
    with pytest.raises(FormatError, match="surrogate"):
        canonical_json("\ud800")


def test_the_binding_of_the_readme_example():
    header = {"v": 1, "alg": "A256GCM", "kind": "FEK", "wrappedBy": "DEK"}
    assert binding("wrapped-key", header, Context(owner="alice", object_id="file-7", version=3)) == (
        b'{"context":{"object":"file-7","owner":"alice","version":3},'
        b'"header":{"alg":"A256GCM","kind":"FEK","v":1,"wrappedBy":"DEK"},"type":"wrapped-key"}'
    )


@pytest.mark.parametrize("data", [b"", b"\x01", b"\xff\xfe", b"\x00\x01\x02", bytes(range(256))])
def test_base64url_round_trips_without_padding(data):
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize("text", ["AQ==", "A", "AR", "A+", "A/", "AQ\n", " AQ", 7])
def test_base64url_has_one_spelling_per_byte_string(text):
    with pytest.raises(FormatError, match="base64url"):
        b64url_decode(text)


@pytest.mark.parametrize(
    "fields",
    [
        {"owner": "", "object_id": "f", "version": 0},
        {"owner": "alice", "object_id": "", "version": 0},
        {"owner": "alice", "object_id": "f", "version": -1},
        {"owner": "alice", "object_id": "f", "version": True},
        {"owner": "alice", "object_id": "f", "version": 2**53},
        {"owner": 7, "object_id": "f", "version": 0},
    ],
)
def test_a_context_must_name_an_owner_an_object_and_a_version(fields):
    with pytest.raises(ValueError):
        Context(**fields)
