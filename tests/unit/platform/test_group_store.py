"""The group store's removal: the roster, the membership and the next epoch's key become the group's together or not
at all, on the platform's own tables."""

from __future__ import annotations

import pytest

from imegha_service.errors import Conflict

GROUP = "grp-" + "cd" * 16
ADMIN, STAYS, LEAVES, JOINS = "admin", "stays", "leaves", "joins"
AT = "2026-11-23T09:00:00.000+00:00"


def copy_of(epoch: int, label: str) -> dict:
    """A stand-in key copy: the store files what it is given, the domain checks it."""
    return {"wrappedKey": {"epoch": epoch, "label": label}, "grant": {"label": label}, "maker": ADMIN}


@pytest.fixture
def groups(platform_tables):
    from dal.groups import GroupStore
    from logic.groups import new_group_state

    store = GroupStore(platform_tables["ConnectionsTable"])
    members = [ADMIN, STAYS, LEAVES]
    store.create(
        new_group_state(GROUP, ADMIN, members, AT),
        {"roster": 1},
        {"epoch": 0, "maker": ADMIN, "sealedName": {"name": 0}},
        {member: copy_of(0, "first") for member in members},
        AT,
    )
    return store


def removal(epoch: int, label: str):
    from dal.groups import Removal

    return Removal(
        LEAVES,
        epoch,
        {"epoch": epoch, "maker": ADMIN, "sealedName": {"name": epoch}},
        {member: copy_of(epoch, label) for member in (ADMIN, STAYS)},
    )


def served(groups, member: str) -> dict[int, str]:
    return {copy["epoch"]: copy["grant"]["label"] for copy in groups.copies(member, GROUP, groups.epoch_records(GROUP))}


def test_a_removal_that_does_not_commit_leaves_key_copies_nobody_is_served(groups):
    with pytest.raises(Conflict):  # another change came first: the roster is no longer version 1
        groups.change_members(GROUP, 2, {"roster": 3}, [ADMIN, STAYS], AT, removed=removal(1, "lost"))

    assert served(groups, STAYS) == {0: "first"}
    assert groups.group(GROUP)["epoch"] == 0 and groups.membership(LEAVES, GROUP) is not None

    groups.change_members(GROUP, 1, {"roster": 2}, [ADMIN, STAYS], AT, removed=removal(1, "committed"))

    state = groups.group(GROUP)
    assert (state["members"], state["rosterVersion"], state["epoch"], state["needsNewKey"]) == (
        [ADMIN, STAYS],
        2,
        1,
        False,
    )
    assert [started["epoch"] for started in state["epochs"]] == [0, 1]
    assert served(groups, STAYS) == {0: "first", 1: "committed"}
    assert served(groups, LEAVES) == {0: "first"} and groups.membership(LEAVES, GROUP) is None
    assert groups.rosters(GROUP) == [{"roster": 1}, {"roster": 2}]


def test_a_removal_starts_the_epoch_after_the_current_one_only(groups):
    with pytest.raises(Conflict):
        groups.change_members(GROUP, 1, {"roster": 2}, [ADMIN, STAYS], AT, removed=removal(2, "skips one"))
    assert groups.group(GROUP)["epoch"] == 0 and groups.rosters(GROUP) == [{"roster": 1}]


def test_a_member_added_after_a_removal_is_served_the_copy_filed_under_the_epochs_key_id(groups):
    from dal.groups import NewMember

    groups.change_members(GROUP, 1, {"roster": 2}, [ADMIN, STAYS], AT, removed=removal(1, "committed"))
    groups.change_members(
        GROUP,
        2,
        {"roster": 3},
        [ADMIN, STAYS, JOINS],
        AT,
        added=NewMember(JOINS, {1: copy_of(1, "for the newcomer")}),
    )

    assert served(groups, JOINS) == {1: "for the newcomer"}
    assert groups.revoke_copies(STAYS, GROUP) == 2
