"""Properties of the byte encodings a browser must reproduce exactly, over generated values (README: "Encodings").

Canonical JSON is checked against the standard library's JSON reader and
writer and against JavaScript's member order; base64url against the standard
library's lenient decoder, which takes spellings this layer must refuse.
"""

from __future__ import annotations

import base64
import json
import random
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imegha_crypto import FormatError, b64url_decode, b64url_encode
from imegha_crypto.canonical import canonical_json

MAX_SAFE_INTEGER = 2**53 - 1
B64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"  # in index order

# Few examples each, so that the whole file takes seconds.
quick = settings(max_examples=60, deadline=None)

# --- Strategies ------------------------------------------------------------

# Well-formed Unicode: any code point but a surrogate. Names lean on characters
# that UTF-16 code units (JavaScript's order) and code points order differently:
# those from U+E000 to U+FFFF come after those beyond U+FFFF in UTF-16 only.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
names = st.text(
    st.characters(exclude_categories=("Cs",)) | st.sampled_from("a\u20ac\ue000\ufb33\uffff\U00010000\U0001f600"),
    max_size=3,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=12,
)
lone_surrogates = st.tuples(texts, st.characters(categories=("Cs",)), texts).map("".join)
unencodable_values = st.one_of(
    st.floats(),  # any float, 1.0 included: the layer's canonical JSON holds integers only
    st.integers(min_value=MAX_SAFE_INTEGER + 1),
    st.integers(max_value=-MAX_SAFE_INTEGER - 1),
    lone_surrogates,
    st.binary(),
)
unencodable_names = st.one_of(st.integers(), st.none(), st.floats(), lone_surrogates)


def reordered(value: Any, shuffle: random.Random) -> Any:
    """``value`` with the members of every object in another order."""
    if isinstance(value, dict):
        members = list(value.items())
        shuffle.shuffle(members)
        return {name: reordered(member, shuffle) for name, member in members}
    if isinstance(value, list):
        return [reordered(item, shuffle) for item in value]
    return value


def member_names_in_order(document: bytes) -> list[list[str]]:
    """The member names of every object in ``document``, in the order the text gives them."""
    found: list[list[str]] = []
    json.loads(document, object_pairs_hook=lambda pairs: found.append([name for name, _ in pairs]))
    return found


# --- Canonical JSON --------------------------------------------------------


@quick
@given(json_values)
def test_canonical_json_reads_back_as_the_same_value_and_is_its_own_canonical_form(value):
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


@quick
@given(
    json_values,
    st.randoms(use_true_random=False),
    st.sampled_from([None, 0, 2, "\t"]),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\r\n\t")]),
    st.booleans(),
)
def test_canonical_json_does_not_depend_on_member_order_whitespace_or_escapes(
    value, shuffle, indent, separators, ascii_only
):
    # The same value as another writer might have stored it: members in its own
    # order, its own spacing, and \u escapes for every character beyond ASCII.
    text = json.dumps(reordered(value, shuffle), indent=indent, separators=separators, ensure_ascii=ascii_only)
    assert canonical_json(json.loads(text)) == canonical_json(value)


@quick
@given(json_values)
def test_canonical_json_has_no_whitespace_and_escapes_as_json_stringify_does(value):
    # Written again in the order it reads, with no whitespace and JSON.stringify's escapes: the same bytes.
    encoded = canonical_json(value)
    assert json.dumps(json.loads(encoded), ensure_ascii=False, separators=(",", ":")).encode() == encoded


# Objects whose member names differ early in characters the two orders disagree on.
disputed_names = st.text(st.sampled_from("a\ue000\uffff\U00010000\U0001f600"), min_size=1, max_size=3)
disputed_objects = st.recursive(
    st.dictionaries(disputed_names, st.integers(0, 9), min_size=2, max_size=6),
    lambda inner: st.dictionaries(disputed_names, inner, min_size=2, max_size=4),
    max_leaves=8,
)


@quick
@given(disputed_objects)
def test_canonical_json_orders_members_by_utf16_code_units_as_javascript_does(value):
    for names_in_order in member_names_in_order(canonical_json(value)):
        assert names_in_order == sorted(names_in_order, key=lambda name: name.encode("utf-16-be"))


@st.composite
def holding_one_unencodable(draw: st.DrawFn) -> Any:
    """A JSON value with one thing canonical JSON refuses (a value or a member name) somewhere inside it."""
    if draw(st.booleans()):
        value: Any = draw(unencodable_values)
    else:
        value = {draw(unencodable_names): draw(json_values)}
    for container in draw(st.lists(st.sampled_from(["array", "object"]), max_size=3)):
        sibling = draw(json_values)
        if container == "array":
            value = draw(st.permutations([sibling, value]))
        else:
            name, other = draw(st.lists(names, min_size=2, max_size=2, unique=True))
            value = {other: sibling, name: value}
    return value


@quick
@given(holding_one_unencodable())
def test_canonical_json_refuses_what_a_browser_cannot_reproduce_wherever_it_is(value):
    with pytest.raises(FormatError, match="canonical JSON"):
        canonical_json(value)


@pytest.mark.parametrize("integer", [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
def test_the_largest_safe_integers_are_encoded(integer):
    assert canonical_json([integer]) == f"[{integer}]".encode()


# --- base64url -------------------------------------------------------------


@quick
@given(st.binary(max_size=64))
def test_base64url_round_trips_unpadded_in_its_alphabet(data):
    text = b64url_encode(data)
    assert set(text) <= set(B64URL_ALPHABET)
    assert len(text) == -(-len(data) * 4 // 3)  # ceil(4n / 3): no padding
    assert b64url_decode(text) == data


@quick
@given(st.text(alphabet=B64URL_ALPHABET + "=+/ \n.", max_size=12))
def test_base64url_decodes_exactly_the_one_spelling_of_each_byte_string(text):
    # The reference: the standard library's lenient decoder, then one spelling back.
    canonical = (
        set(text) <= set(B64URL_ALPHABET)
        and len(text) % 4 != 1
        and b64url_encode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) == text
    )
    if canonical:
        assert b64url_encode(b64url_decode(text)) == text
    else:
        with pytest.raises(FormatError):
            b64url_decode(text)


@quick
@given(st.binary(min_size=1, max_size=32).filter(lambda raw: len(raw) % 3), st.data())
def test_base64url_refuses_a_last_character_with_unused_bits_set(raw, data):
    text = b64url_encode(raw)
    unused_bits = 4 if len(raw) % 3 == 1 else 2
    flipped = B64URL_ALPHABET.index(text[-1]) ^ data.draw(st.integers(1, 2**unused_bits - 1))
    other_spelling = text[:-1] + B64URL_ALPHABET[flipped]
    assert base64.urlsafe_b64decode(other_spelling + "=" * (-len(text) % 4)) == raw  # a lenient decoder takes it
    with pytest.raises(FormatError):
        b64url_decode(other_spelling)
