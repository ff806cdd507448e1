"""iMTags reserved at sign-up and claimed at confirmation, by the database's conditions: two sign-ups racing for a tag
in two cases or for two look-alikes, the same email signing up again, a reservation nobody confirms, a confirmation
that comes too late."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from imegha_service.errors import Conflict, NotFound

NOW = datetime.now(UTC)


class FakeUserPool:
    """The pool as the PostConfirmation trigger reaches it: which accounts it was asked to remove."""

    def __init__(self):
        self.deleted = []

    def delete_user(self, username: str) -> None:
        self.deleted.append(username)


@pytest.fixture(scope="module")
def platform_tables(tables_made_once):
    return tables_made_once


@pytest.fixture
def store(platform_tables):
    from dal.directory import DirectoryStore

    return DirectoryStore(platform_tables["DirectoryTable"])


@pytest.fixture
def directory():
    from logic import directory

    return directory


@pytest.fixture
def mona() -> str:
    """A tag no other test uses, in the case its owner chose."""
    return f"Mona{uuid.uuid4().hex[:8]}"


def tag_item(store, imtag: str) -> dict:
    return store.table.get_item(Key={"pk": f"IMTAG#{imtag.casefold()}"}, ConsistentRead=True).get("Item")


def test_of_two_sign_ups_racing_for_a_tag_in_two_cases_the_second_is_refused_at_sign_up(directory, store, mona):
    directory.reserve_imtag(store, mona, "mona@example.org", NOW)

    with pytest.raises(Conflict, match=f"'{mona.upper()}' is taken"):
        directory.reserve_imtag(store, mona.upper(), "impostor@example.org", NOW)

    assert tag_item(store, mona)["reservedBy"] == "mona@example.org"
    assert store.user_id_for_tag(mona) is None  # reserved is not owned: a lookup finds nobody yet


def test_confirmation_turns_the_reservation_into_the_entry_which_ttl_never_removes(directory, store, mona):
    directory.reserve_imtag(store, mona, "mona@example.org", NOW)

    directory.confirm_sign_up(store, FakeUserPool(), "mona-username", f"{mona}-id", "mona@example.org", mona)

    assert tag_item(store, mona.upper()) == {"pk": f"IMTAG#{mona.casefold()}", "iMTag": mona, "userId": f"{mona}-id"}
    assert directory.my_profile(store, f"{mona}-id")["iMTag"] == mona
    with pytest.raises(Conflict):  # not even its owner's email reserves it again
        directory.reserve_imtag(store, mona.swapcase(), "mona@example.org", NOW)


def test_the_same_email_may_sign_up_again_for_the_same_tag(directory, store, mona):
    directory.reserve_imtag(store, mona, "mona@example.org", NOW - timedelta(hours=1))
    directory.reserve_imtag(store, mona, "mona@example.org", NOW)

    assert tag_item(store, mona)["expiresAt"] == int(NOW.timestamp()) + directory.RESERVATION_SECONDS
    directory.register_user(store, f"{mona}-id", "mona@example.org", mona)
    assert store.user_id_for_tag(mona) == f"{mona}-id"


def test_a_reservation_nobody_confirms_lapses_and_frees_the_tag(directory, store, mona):
    lapsed = NOW - timedelta(seconds=directory.RESERVATION_SECONDS + 1)
    directory.reserve_imtag(store, mona, "gone@example.org", lapsed)

    directory.reserve_imtag(store, mona.upper(), "mona@example.org", NOW)
    directory.register_user(store, f"{mona}-id", "mona@example.org", mona.upper())

    assert store.user_id_for_tag(mona) == f"{mona}-id"


def test_a_tag_another_sign_up_holds_cannot_be_taken_at_confirmation(directory, store, mona):
    directory.reserve_imtag(store, mona, "mona@example.org", NOW)

    with pytest.raises(Conflict):
        directory.register_user(store, f"{mona}-other-id", "other@example.org", mona.lower())

    with pytest.raises(NotFound):
        store.user(f"{mona}-other-id")
    assert tag_item(store, mona)["reservedBy"] == "mona@example.org"


def test_a_sign_up_confirmed_after_its_tag_went_to_another_is_removed_and_told_why(directory, store, mona):
    pool = FakeUserPool()
    directory.reserve_imtag(store, mona, "slow@example.org", NOW - timedelta(days=2))
    directory.reserve_imtag(store, mona.upper(), "quick@example.org", NOW)
    directory.confirm_sign_up(store, pool, "quick-username", f"{mona}-quick", "quick@example.org", mona.upper())

    with pytest.raises(Conflict, match=f"'{mona}' was taken while this sign-up waited for its confirmation"):
        directory.confirm_sign_up(store, pool, "slow-username", f"{mona}-slow", "slow@example.org", mona)

    assert pool.deleted == ["slow-username"]  # its email may sign up again
    with pytest.raises(NotFound):
        store.user(f"{mona}-slow")
    assert store.user_id_for_tag(mona) == f"{mona}-quick"


def test_a_confirmation_repeated_removes_nothing(directory, store, mona):
    pool = FakeUserPool()
    directory.reserve_imtag(store, mona, "mona@example.org", NOW)

    for _ in range(2):
        directory.confirm_sign_up(store, pool, "mona-username", f"{mona}-id", "mona@example.org", mona)

    assert pool.deleted == [] and store.user_id_for_tag(mona) == f"{mona}-id"


# --- look-alikes (AIice beside Alice), reserved on their skeleton in the same transaction ---------------


@pytest.fixture
def unique() -> str:
    """A suffix no other test's tags share (no i, l, m, w, 0 or 1 in it, so that it is its own skeleton)."""
    return uuid.uuid4().hex.translate(str.maketrans("01", "23"))[:8]


@pytest.mark.parametrize(("taken", "look_alike"), [("Alice", "AIice"), ("Alice", "A1ice"), ("Bob", "B0b")])
def test_a_look_alike_of_a_reserved_tag_is_refused_naming_the_tag_it_resembles(
    directory, store, unique, taken, look_alike
):
    directory.reserve_imtag(store, taken + unique, f"{unique}@example.org", NOW)

    with pytest.raises(Conflict, match=f"^iMTag '{look_alike}{unique}' looks like '{taken}{unique}', which is taken"):
        directory.reserve_imtag(store, look_alike + unique, f"impostor-{unique}@example.org", NOW)
    assert store.user_id_for_tag(look_alike + unique) is None


def test_a_look_alike_of_a_claimed_tag_is_refused_and_lookups_stay_on_the_tag_typed(directory, store, unique):
    directory.reserve_imtag(store, f"Bob{unique}", f"bob-{unique}@example.org", NOW)
    directory.register_user(store, f"bob-{unique}", f"bob-{unique}@example.org", f"Bob{unique}")

    with pytest.raises(Conflict, match=f"'B0b{unique}' looks like 'Bob{unique}'"):
        directory.reserve_imtag(store, f"B0b{unique}", f"impostor-{unique}@example.org", NOW)
    with pytest.raises(Conflict, match=f"^iMTag 'BOB{unique}' is taken$"):  # a case variant is the tag itself
        directory.reserve_imtag(store, f"BOB{unique}", f"impostor-{unique}@example.org", NOW)
    assert store.user_id_for_tag(f"bob{unique}") == f"bob-{unique}"
    assert store.user_id_for_tag(f"B0b{unique}") is None  # no lookup by skeleton


def test_a_look_alike_cannot_be_claimed_at_confirmation_either(directory, store, unique):
    directory.reserve_imtag(store, f"Alice{unique}", f"alice-{unique}@example.org", NOW)

    with pytest.raises(Conflict):
        directory.register_user(store, f"impostor-{unique}", f"impostor-{unique}@example.org", f"AIice{unique}")
    assert store.user_id_for_tag(f"AIice{unique}") is None


def test_the_same_email_may_change_its_mind_between_look_alikes(directory, store, unique):
    directory.reserve_imtag(store, f"Alice{unique}", f"alice-{unique}@example.org", NOW)
    directory.reserve_imtag(store, f"A1ice{unique}", f"alice-{unique}@example.org", NOW)

    directory.register_user(store, f"alice-{unique}", f"alice-{unique}@example.org", f"A1ice{unique}")
    assert store.user_id_for_tag(f"A1ice{unique}") == f"alice-{unique}"


def test_a_refused_look_alike_writes_nothing(directory, store, unique, platform_tables):
    directory.reserve_imtag(store, f"Bob{unique}", f"bob-{unique}@example.org", NOW)
    before = store.table.scan(ConsistentRead=True)["Items"]

    with pytest.raises(Conflict):
        directory.reserve_imtag(store, f"B0b{unique}", f"impostor-{unique}@example.org", NOW)

    assert store.table.scan(ConsistentRead=True)["Items"] == before
