"""Properties of iMTags over generated tags: the rule that accepts them, and the one form the directory files them under.

An iMTag is kept as typed and compared in any letter case: the directory's
``IMTAG#<casefolded tag>`` item is where "Mona" and "MONA" are one tag (and look-alikes are kept apart by
another, test_imtag_lookalikes.py). Only
ASCII letters count, so the case folding is ASCII's alone and no look-alike
letter from another script can pass for, or collide with, a tag.
"""

from __future__ import annotations

import string
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imegha_service.errors import InvalidRequest

quick = settings(max_examples=200, deadline=None)

TAG_CHARACTERS = string.ascii_letters + string.digits + "_.-"
# Letters that fold or look like ASCII ones: the Kelvin sign folds to "k", the long s to "s", "ß" to "ss",
# the dotted capital I to "i̇"; fullwidth, Cyrillic and Greek letters look like Latin ones.
LOOK_ALIKES = "\u212a\u017f\u00df\u0130\u0131\uff21\u0430\u03bf\u00e9\u0663"

valid_tags = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(string.ascii_letters),
    st.text(st.sampled_from(TAG_CHARACTERS), min_size=2, max_size=31),
)
candidate_tags = st.text(st.sampled_from(TAG_CHARACTERS + LOOK_ALIKES + " @"), max_size=34) | valid_tags


def follows_the_rule(tag: str) -> bool:
    """The rule as people are told it: 3 to 32 characters, an ASCII letter, then ASCII letters, digits, _ . -"""
    return 3 <= len(tag) <= 32 and tag[0] in string.ascii_letters and all(c in TAG_CHARACTERS for c in tag)


@pytest.fixture(scope="module")
def check_imtag():
    from logic.directory import check_imtag

    return check_imtag


class RecordingTable:
    """A DirectoryTable, as boto3's resource hands it out, that only notes the key of every item written or read."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def Table(self, name: str) -> RecordingTable:  # noqa: N802 (boto3's name)
        return self

    @property
    def meta(self) -> Any:  # boto3's resource.meta.client, for transactions
        return SimpleNamespace(client=self)

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803 (boto3's name)
        self.keys += [item["Put"]["Item"]["pk"] for item in TransactItems]

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.keys.append(request["Key"]["pk"])
        return {}


@pytest.fixture(scope="module")
def filed_under():
    """The directory's key for a tag: where a sign-up reserves it, and where a lookup finds it."""
    from dal.directory import DirectoryStore
    from logic.imtags import skeleton

    table = RecordingTable()
    store = DirectoryStore("DirectoryTable", client=table)

    def reserved_and_looked_up(tag: str, looked_up_as: str) -> tuple[str, str]:
        store.reserve_tag(tag, skeleton(tag), "someone@example.org", 0, 1)  # the tag's item, then its look-alikes'
        store.user_id_for_tag(looked_up_as)
        return table.keys[-3], table.keys[-1]

    return reserved_and_looked_up


@quick
@given(candidate_tags)
def test_a_tag_is_accepted_exactly_when_it_follows_the_rule_as_typed(check_imtag, tag):
    if follows_the_rule(tag):
        assert check_imtag(tag) == tag  # kept as typed, letter case included
        assert check_imtag(check_imtag(tag)) == tag
    else:
        with pytest.raises(InvalidRequest):
            check_imtag(tag)


@quick
@given(st.text(st.sampled_from(TAG_CHARACTERS + " @"), max_size=34))
def test_letter_case_never_decides_whether_a_tag_is_accepted(check_imtag, tag):
    def accepted(candidate: str) -> bool:
        try:
            check_imtag(candidate)
        except InvalidRequest:
            return False
        return True

    assert accepted(tag) == accepted(tag.swapcase()) == accepted(tag.upper()) == accepted(tag.lower())


@quick
@given(valid_tags, st.randoms(use_true_random=False))
def test_a_tag_is_filed_under_one_key_in_any_letter_case(filed_under, tag, shuffle):
    recased = "".join(c.upper() if shuffle.random() < 0.5 else c.lower() for c in tag)
    reserved, looked_up = filed_under(tag, recased)
    assert reserved == looked_up == f"IMTAG#{tag.lower()}"
    assert filed_under(reserved.removeprefix("IMTAG#"), tag) == (reserved, reserved)  # folding twice is folding once


@quick
@given(valid_tags, valid_tags)
def test_tags_that_differ_other_than_in_letter_case_are_filed_apart(filed_under, one, other):
    reserved, looked_up = filed_under(one, other)
    assert (reserved == looked_up) == (one.lower() == other.lower())
