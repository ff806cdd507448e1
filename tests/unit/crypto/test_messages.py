"""Chat messages: what round-trips, and every way a stored message can be moved, altered or forged."""

from __future__ import annotations

import copy

import pytest

from imegha_crypto import (
    MESSAGE_MAX_BYTES,
    ConversationKey,
    DecryptionError,
    FileKey,
    FormatError,
    GroupKey,
    SignatureError,
    open_message,
    seal_message,
    sign_record,
    validate_envelope,
)

SENT_AT = "2025-11-23T10:00:00Z"


@pytest.fixture(scope="module")
def key() -> ConversationKey:
    return ConversationKey.generate()


def sealed(alice, key, text="Blood pressure is down to 130/85.", *, conversation="dm-1", sequence=1) -> dict:
    return seal_message(
        key,
        alice.keys.identity_key,
        conversation_id=conversation,
        sender="alice",
        sequence=sequence,
        text=text,
        sent_at=SENT_AT,
    )


def opened(alice, key, record, *, conversation="dm-1", sender="alice"):
    return open_message(
        record, key, sender_identity=alice.keys.identity_key.public_key, conversation_id=conversation, sender=sender
    )


@pytest.mark.parametrize(
    "text",
    ["", "Thursday?", "🩺 dosage ✔️ naïve 日本語", "x" * MESSAGE_MAX_BYTES],
    ids=["empty", "short", "emoji", "64 KiB"],
)
def test_a_message_round_trips(alice, key, text):
    record = sealed(alice, key, text, sequence=7)

    message = opened(alice, key, record)

    assert (message.text, message.sequence, message.sender, message.sent_at, message.epoch) == (
        text,
        7,
        "alice",
        SENT_AT,
        None,
    )
    validate_envelope("signed-record", record)


def test_the_record_holds_no_plaintext(alice, key):
    record = sealed(alice, key, "Patient 4711")

    assert "4711" not in str(record)


def test_a_message_one_byte_too_long_is_refused_before_anything_is_sealed(alice, key):
    with pytest.raises(FormatError, match=r"65,537 bytes; a message holds at most 65,536"):
        sealed(alice, key, "x" * (MESSAGE_MAX_BYTES + 1))


def test_a_group_message_carries_its_epoch_and_opens_only_with_that_epochs_key(alice):
    epoch_2 = GroupKey.generate(2)
    record = sealed(alice, epoch_2, "to the group", conversation="grp-1")

    assert opened(alice, epoch_2, record, conversation="grp-1").epoch == 2
    with pytest.raises(DecryptionError, match="epoch 2"):
        opened(alice, GroupKey.generate(3), record, conversation="grp-1")


def test_a_message_replayed_into_another_conversation_fails_to_open(alice, key):
    record = sealed(alice, key, conversation="dm-1")

    with pytest.raises(DecryptionError, match="belongs to conversation 'dm-1', not 'dm-2'"):
        opened(alice, key, record, conversation="dm-2")


def test_relabelling_the_conversation_breaks_the_signature(alice, key):
    record = sealed(alice, key, conversation="dm-1")
    moved = copy.deepcopy(record)
    moved["body"]["conversationId"] = "dm-2"

    with pytest.raises(SignatureError, match="altered"):
        opened(alice, key, moved, conversation="dm-2")


def test_a_message_re_signed_elsewhere_by_its_sender_still_does_not_open_there(alice, key):
    # Even the sender's own key cannot move the sealed text: its context is where it was sealed.
    record = sealed(alice, key, conversation="dm-1", sequence=3)
    body = copy.deepcopy(record["body"]) | {"conversationId": "dm-2", "sequence": 4}
    resigned = sign_record(alice.keys.identity_key, "message", body)

    with pytest.raises(DecryptionError):
        opened(alice, key, resigned, conversation="dm-2")


def test_a_message_signed_by_someone_else_is_refused(alice, bob, key):
    forged = seal_message(
        key,
        bob.keys.identity_key,
        conversation_id="dm-1",
        sender="alice",
        sequence=1,
        text="I am Alice",
        sent_at=SENT_AT,
    )

    with pytest.raises(SignatureError, match="not by the expected"):
        opened(alice, key, forged)


def test_a_message_claimed_by_another_sender_is_refused(alice, key):
    with pytest.raises(DecryptionError, match="from 'alice', not from 'bob'"):
        opened(alice, key, sealed(alice, key), sender="bob")


def test_a_message_under_the_wrong_key_does_not_open(alice, key):
    with pytest.raises(DecryptionError):
        opened(alice, ConversationKey.generate(), sealed(alice, key))


def test_a_body_with_extra_fields_is_refused(alice, key):
    body = copy.deepcopy(sealed(alice, key)["body"]) | {"preview": "Blood pressure"}
    record = sign_record(alice.keys.identity_key, "message", body)

    with pytest.raises(FormatError, match="the body has fields"):
        opened(alice, key, record)


def test_only_conversation_and_group_keys_seal_messages(alice):
    with pytest.raises(TypeError, match="ConversationKey or a GroupKey"):
        sealed(alice, FileKey.generate())


def test_both_users_derive_the_same_direct_conversation_id_and_no_one_else_does():
    from imegha_crypto import direct_conversation_id

    assert direct_conversation_id("alice", "bob") == direct_conversation_id("bob", "alice")
    assert direct_conversation_id("alice", "bob") != direct_conversation_id("alice", "carol")
    assert direct_conversation_id("a", "b\x00c") != direct_conversation_id("a\x00b", "c")
    assert (
        direct_conversation_id("alice", "bob").startswith("dm-") and len(direct_conversation_id("alice", "bob")) == 35
    )
    with pytest.raises(ValueError):
        direct_conversation_id("alice", "alice")
