"""Look-alike iMTags: ``AIice`` (a capital i), ``A1ice`` and ``B0b`` cannot sit beside ``Alice`` and ``Bob``.

Each tag has a skeleton (UTS #39's idea, for the ASCII the tags allow, closed
over letter case): these tests hold the mapping. The directory reserves it with
the tag (test_imtag_reservations.py).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.platform.test_imtag_properties import valid_tags

quick = settings(max_examples=300, deadline=None)


@pytest.fixture(scope="module")
def skeleton():
    from logic.imtags import skeleton

    return skeleton


@pytest.mark.parametrize(
    ("tag", "looks_like"),
    [
        ("AIice", "Alice"),  # a capital i for the small l: UTS #39's I → l
        ("A1ice", "Alice"),  # the digit one: 1 → l
        ("ALICE", "Alice"),  # the same tag in another case
        ("aLiCe", "Alice"),
        ("B0b", "Bob"),  # the digit zero: 0 → O
        ("BOB", "Bob"),
        ("b0B", "Bob"),
        ("Carrnen", "Carmen"),  # rn drawn as m: m → rn
        ("VVanda", "Wanda"),  # vv drawn as w
        ("Ke11y", "Kelly"),
        ("Co1in", "Colin"),
        ("Klm", "Kim"),  # Kim's capital-i variant KIm looks like Klm: the classes close over case
    ],
)
def test_look_alikes_share_a_skeleton(skeleton, tag, looks_like):
    assert skeleton(tag) == skeleton(looks_like)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Alice", "Alina"), ("Bob", "Rob"), ("Bob", "Bobb"), ("Dan", "Dana"), ("Gina", "Gita"), ("Mona", "Nona")],
)
def test_tags_that_do_not_look_alike_keep_skeletons_apart(skeleton, one, other):
    assert skeleton(one) != skeleton(other)


def test_the_skeleton_is_the_documented_mapping(skeleton):
    assert skeleton("AIice") == "allce"
    assert skeleton("B0b") == "bob"
    assert skeleton("Mo1l-W_i.0") == "rnoll-vv_l.o"


@quick
@given(valid_tags, st.randoms(use_true_random=False))
def test_letter_case_never_changes_a_skeleton(skeleton, tag, shuffle):
    recased = "".join(c.upper() if shuffle.random() < 0.5 else c.lower() for c in tag)
    assert skeleton(recased) == skeleton(tag)


@quick
@given(valid_tags)
def test_a_skeleton_is_its_own_skeleton_and_stays_in_the_tag_alphabet(skeleton, tag):
    assert skeleton(skeleton(tag)) == skeleton(tag)
    assert set(skeleton(tag)) <= set(string.ascii_lowercase + string.digits + "_.-") - set("01imw")
