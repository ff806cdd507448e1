"""Group rosters and key grants: a chain the admin alone can extend, and copies only a member can vouch for."""

from __future__ import annotations

import copy

import pytest

from imegha_crypto import (
    GroupKey,
    SignatureError,
    group_key_context,
    new_group_id,
    record_digest,
    sign_history_grant,
    sign_key_grant,
    sign_record,
    sign_roster,
    verify_history_grant,
    verify_key_grant,
    verify_roster_chain,
    wrap_key,
)

GROUP = "grp-" + "0" * 32
ALICE, BOB, CAROL = ({"userId": name, "iMTag": name.title()} for name in ("alice", "bob", "carol"))


@pytest.fixture(scope="module")
def chain(alice):
    first = sign_roster(
        alice.keys.identity_key, group_id=GROUP, admin="alice", members=[ALICE, BOB, CAROL], previous=None
    )
    second = sign_roster(alice.keys.identity_key, group_id=GROUP, admin="alice", members=[ALICE, BOB], previous=first)
    return [first, second]


def verify(alice, rosters):
    return verify_roster_chain(rosters, group_id=GROUP, admin_identity=alice.keys.identity_key.public_key)


def test_a_chain_of_rosters_verifies_to_its_latest(alice, chain):
    roster = verify(alice, chain)

    assert (roster.version, roster.admin, roster.member_ids) == (2, "alice", {"alice", "bob"})


def test_a_ghost_member_slipped_into_a_roster_breaks_its_signature(alice, chain):
    forged = copy.deepcopy(chain)
    forged[1]["body"]["members"].append({"userId": "mallory", "iMTag": "Mallory"})

    with pytest.raises(SignatureError, match="altered"):
        verify(alice, forged)


def test_a_roster_signed_by_a_member_who_is_not_the_admin_is_refused(alice, bob, chain):
    usurped = sign_roster(
        bob.keys.identity_key, group_id=GROUP, admin="alice", members=[ALICE, BOB, CAROL], previous=chain[1]
    )

    with pytest.raises(SignatureError, match="not by the expected"):
        verify(alice, [*chain, usurped])


def test_a_dropped_roster_or_one_chained_to_another_breaks_the_chain(alice, chain):
    with pytest.raises(SignatureError, match="version 2"):
        verify(alice, chain[1:])
    skipping = sign_record(
        alice.keys.identity_key, "group-roster", chain[1]["body"] | {"version": 3, "previous": record_digest(chain[0])}
    )
    with pytest.raises(SignatureError, match="roster 3 does not follow roster 2"):
        verify(alice, [*chain, skipping])


def test_a_roster_of_another_group_is_refused(alice):
    other = sign_roster(alice.keys.identity_key, group_id=new_group_id(), admin="alice", members=[ALICE], previous=None)

    with pytest.raises(SignatureError, match="of group"):
        verify(alice, [other])


def test_a_roster_without_its_admin_or_with_a_member_twice_cannot_be_made():
    from imegha_crypto import IdentityPrivateKey

    key = IdentityPrivateKey.generate()
    with pytest.raises(ValueError, match="admin is a member"):
        sign_roster(key, group_id=GROUP, admin="alice", members=[BOB], previous=None)
    with pytest.raises(ValueError, match="once"):
        sign_roster(key, group_id=GROUP, admin="alice", members=[ALICE, ALICE], previous=None)


def test_a_key_grant_vouches_for_one_copy_only(alice, bob):
    key = GroupKey.generate(3)
    copy_for_bob = wrap_key(
        key, wrapping_key=bob.keys.exchange_key.public_key, context=group_key_context(GROUP, "bob", 3)
    )
    grant = sign_key_grant(alice.keys.identity_key, conversation_id=GROUP, version=3, member="bob", copy=copy_for_bob)
    check = dict(maker_identity=alice.keys.identity_key.public_key, conversation_id=GROUP, version=3, member="bob")

    verify_key_grant(grant, copy_for_bob, **check)
    planted = wrap_key(
        GroupKey.generate(3), wrapping_key=bob.keys.exchange_key.public_key, context=group_key_context(GROUP, "bob", 3)
    )
    with pytest.raises(SignatureError, match="differs in copy"):
        verify_key_grant(grant, planted, **check)
    with pytest.raises(SignatureError, match="differs in version"):
        verify_key_grant(grant, copy_for_bob, **(check | {"version": 4}))
    with pytest.raises(SignatureError, match="differs in member"):
        verify_key_grant(grant, copy_for_bob, **(check | {"member": "carol"}))
    with pytest.raises(SignatureError, match="not by the expected"):
        verify_key_grant(grant, copy_for_bob, **(check | {"maker_identity": bob.keys.identity_key.public_key}))


def test_a_history_grant_opens_the_history_to_one_member_of_one_group_only(alice, bob):
    grant = sign_history_grant(alice.keys.identity_key, group_id=GROUP, member="carol", through_epoch=2)
    check = dict(admin_identity=alice.keys.identity_key.public_key, group_id=GROUP, member="carol")

    assert verify_history_grant(grant, **check) == 2
    with pytest.raises(SignatureError, match="another group or member"):
        verify_history_grant(grant, **(check | {"member": "mallory"}))
    with pytest.raises(SignatureError, match="another group or member"):
        verify_history_grant(grant, **(check | {"group_id": new_group_id()}))
    with pytest.raises(SignatureError, match="not by the expected"):
        verify_history_grant(grant, **(check | {"admin_identity": bob.keys.identity_key.public_key}))
    stretched = copy.deepcopy(grant)
    stretched["body"]["throughEpoch"] = 9
    with pytest.raises(SignatureError):
        verify_history_grant(stretched, **check)
    key_grant = sign_key_grant(
        alice.keys.identity_key, conversation_id=GROUP, version=2, member="carol", copy={"any": "copy"}
    )
    with pytest.raises(SignatureError, match="not a 'group-history'"):
        verify_history_grant(key_grant, **check)
    nameless = sign_record(alice.keys.identity_key, "group-history", {"groupId": GROUP, "member": "carol"})
    with pytest.raises(SignatureError, match="names no epoch"):
        verify_history_grant(nameless, **check)


def removing_carol(alice, departed) -> list:
    """The first roster, and the next one without Carol recording ``departed``."""
    first = sign_roster(
        alice.keys.identity_key, group_id=GROUP, admin="alice", members=[ALICE, BOB, CAROL], previous=None
    )
    return [
        first,
        sign_roster(
            alice.keys.identity_key,
            group_id=GROUP,
            admin="alice",
            members=[ALICE, BOB],
            previous=first,
            departed=departed,
        ),
    ]


def test_a_roster_records_the_last_sequence_of_the_member_it_removes_and_of_no_one_else(alice):
    assert verify(alice, removing_carol(alice, {"carol": 7})).departed == {"carol": 7}
    for departed in ({"bob": 3}, {"bob": None}, {"carol": -1}, {"carol": True}):
        with pytest.raises(SignatureError, match="departure"):
            verify(alice, removing_carol(alice, departed))


def test_a_roster_records_that_the_last_sequence_of_the_member_it_removes_could_not_be_read(alice):
    first, without_carol = removing_carol(alice, {"carol": None})

    assert without_carol["body"]["departed"] == {"carol": "unknown"}
    assert verify(alice, [first, without_carol]).departed == {"carol": None}
    for shape in ("later", None, [7]):
        forged = sign_record(
            alice.keys.identity_key,
            "group-roster",
            without_carol["body"] | {"departed": {"carol": shape}},
        )
        with pytest.raises(SignatureError, match="departures in another shape"):
            verify(alice, [first, forged])
