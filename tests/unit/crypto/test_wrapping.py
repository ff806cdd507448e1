"""Wrapping keys for their owner and for recipients: what opens, and everything that must not."""

import pytest

from imegha_crypto import (
    AIConversationKey,
    AlbumKey,
    ConversationKey,
    DataKey,
    DecryptionError,
    ExchangePrivateKey,
    FileKey,
    FolderKey,
    FormatError,
    GroupKey,
    IdentityPrivateKey,
    unwrap_key,
    validate_envelope,
    wrap_key,
)

OWNER_KEYS = [
    FileKey.generate(),
    ConversationKey.generate(),
    FolderKey.generate(),
    AlbumKey.generate(),
    AIConversationKey.generate(),
    GroupKey.generate(epoch=4),
]
SHARED_KEYS = [
    FileKey.generate(),
    FolderKey.generate(),
    AlbumKey.generate(),
    ConversationKey.generate(),
    GroupKey.generate(epoch=9),
]


def _ids(keys):
    return [key.KIND for key in keys]


@pytest.mark.parametrize("key", OWNER_KEYS, ids=_ids(OWNER_KEYS))
def test_every_kind_round_trips_under_the_owners_data_key(alice, context, key):
    envelope = wrap_key(key, wrapping_key=alice.keys.data_key, context=context)
    validate_envelope("wrapped-key", envelope)
    assert envelope["kind"] == key.KIND and envelope["wrappedBy"] == "DEK"
    assert unwrap_key(envelope, type(key), unwrapping_key=alice.keys.data_key, context=context) == key


def test_a_group_key_keeps_its_epoch(alice, context):
    envelope = wrap_key(GroupKey.generate(epoch=4), wrapping_key=alice.keys.data_key, context=context)
    assert envelope["epoch"] == 4
    assert unwrap_key(envelope, GroupKey, unwrapping_key=alice.keys.data_key, context=context).epoch == 4


@pytest.mark.parametrize(
    ("container", "key"),
    [
        (FolderKey.generate(), FileKey.generate()),
        (FolderKey.generate(), FolderKey.generate()),
        (AlbumKey.generate(), FileKey.generate()),
    ],
    ids=["FK holds FEK", "FK holds FK", "AK holds FEK"],
)
def test_shared_folders_and_albums_hold_the_keys_inside_them(context, container, key):
    envelope = wrap_key(key, wrapping_key=container, context=context)
    assert envelope["wrappedBy"] == container.KIND
    assert unwrap_key(envelope, type(key), unwrapping_key=container, context=context) == key


@pytest.mark.parametrize("key", SHARED_KEYS, ids=_ids(SHARED_KEYS))
def test_shared_kinds_round_trip_to_a_recipient(alice, bob, context, key):
    envelope = wrap_key(key, wrapping_key=bob.keys.exchange_key.public_key, context=context)
    validate_envelope("recipient-wrapped-key", envelope)
    assert envelope["recipient"] == bob.keys.exchange_key.public_key.fingerprint.hex
    assert unwrap_key(envelope, type(key), unwrapping_key=bob.keys.exchange_key, context=context) == key


def test_a_key_wrapped_for_bob_does_not_open_for_carol(bob, carol, context):
    envelope = wrap_key(FileKey.generate(), wrapping_key=bob.keys.exchange_key.public_key, context=context)
    with pytest.raises(DecryptionError, match="wrapped for the public key"):
        unwrap_key(envelope, FileKey, unwrapping_key=carol.keys.exchange_key, context=context)


def test_a_wrapped_key_does_not_open_under_another_data_key(alice, bob, context):
    envelope = wrap_key(FileKey.generate(), wrapping_key=alice.keys.data_key, context=context)
    with pytest.raises(DecryptionError, match="wrong key"):
        unwrap_key(envelope, FileKey, unwrapping_key=bob.keys.data_key, context=context)


# --- A CK never comes out as an FEK ------------------------------------------


def test_a_conversation_key_refuses_to_unwrap_as_a_file_key(alice, context):
    envelope = wrap_key(ConversationKey.generate(), wrapping_key=alice.keys.data_key, context=context)
    with pytest.raises(DecryptionError, match="holds a key of kind CK, not FEK"):
        unwrap_key(envelope, FileKey, unwrapping_key=alice.keys.data_key, context=context)


def test_relabelling_a_conversation_key_as_a_file_key_does_not_help(alice, context):
    envelope = wrap_key(ConversationKey.generate(), wrapping_key=alice.keys.data_key, context=context)
    with pytest.raises(DecryptionError, match="does not open"):
        unwrap_key(dict(envelope, kind="FEK"), FileKey, unwrapping_key=alice.keys.data_key, context=context)


def test_relabelling_a_recipients_conversation_key_as_a_file_key_does_not_help(bob, context):
    envelope = wrap_key(ConversationKey.generate(), wrapping_key=bob.keys.exchange_key.public_key, context=context)
    with pytest.raises(DecryptionError, match="holds a key of kind CK, not FEK"):
        unwrap_key(envelope, FileKey, unwrapping_key=bob.keys.exchange_key, context=context)
    with pytest.raises(DecryptionError, match="does not open"):
        unwrap_key(dict(envelope, kind="FEK"), FileKey, unwrapping_key=bob.keys.exchange_key, context=context)


# --- Moved to another record --------------------------------------------------


def test_a_wrapped_key_moved_to_another_record_does_not_open(alice, context, elsewhere):
    envelope = wrap_key(FileKey.generate(), wrapping_key=alice.keys.data_key, context=context)
    with pytest.raises(DecryptionError, match="moved from another owner, object or version"):
        unwrap_key(envelope, FileKey, unwrapping_key=alice.keys.data_key, context=elsewhere)


def test_a_key_sent_to_a_recipient_moved_to_another_record_does_not_open(bob, context, elsewhere):
    envelope = wrap_key(FileKey.generate(), wrapping_key=bob.keys.exchange_key.public_key, context=context)
    with pytest.raises(DecryptionError, match="moved from another owner, object or version"):
        unwrap_key(envelope, FileKey, unwrapping_key=bob.keys.exchange_key, context=elsewhere)


# --- Every field tampered -----------------------------------------------------


def _expected_error(field):
    # A group key relabelled as another kind still carries an epoch, which the schema refuses.
    return FormatError if field in ("v", "alg", "kind") else DecryptionError


@pytest.mark.parametrize("field", ["v", "alg", "kind", "wrappedBy", "epoch", "iv", "ct"])
def test_every_field_of_a_wrapped_key_is_protected(alice, context, tamper, field):
    envelope = wrap_key(GroupKey.generate(epoch=4), wrapping_key=alice.keys.data_key, context=context)
    assert set(envelope) == {"v", "alg", "kind", "wrappedBy", "epoch", "iv", "ct"}
    with pytest.raises(_expected_error(field)):
        unwrap_key(tamper(envelope, field), GroupKey, unwrapping_key=alice.keys.data_key, context=context)


@pytest.mark.parametrize("field", ["v", "alg", "kind", "epoch", "recipient", "ct"])
def test_every_field_of_a_recipient_wrapped_key_is_protected(bob, context, tamper, field):
    envelope = wrap_key(GroupKey.generate(epoch=9), wrapping_key=bob.keys.exchange_key.public_key, context=context)
    assert set(envelope) == {"v", "alg", "kind", "epoch", "recipient", "ct"}
    with pytest.raises(_expected_error(field)):
        unwrap_key(tamper(envelope, field), GroupKey, unwrapping_key=bob.keys.exchange_key, context=context)


# --- Fresh randomness ---------------------------------------------------------


def test_wrapping_the_same_key_twice_gives_different_ciphertexts(alice, bob, context):
    key = FileKey.generate()
    first, second = (wrap_key(key, wrapping_key=alice.keys.data_key, context=context) for _ in range(2))
    assert first["iv"] != second["iv"] and first["ct"] != second["ct"]
    for_bob = [wrap_key(key, wrapping_key=bob.keys.exchange_key.public_key, context=context) for _ in range(2)]
    assert for_bob[0]["ct"] != for_bob[1]["ct"]


# --- The hierarchy, enforced --------------------------------------------------


@pytest.mark.parametrize(
    ("key", "wrapping_key"),
    [
        (DataKey.generate(), DataKey.generate()),
        (ConversationKey.generate(), AlbumKey.generate()),
        (FolderKey.generate(), AlbumKey.generate()),
        (FileKey.generate(), FileKey.generate()),
        (FileKey.generate(), ConversationKey.generate()),
    ],
    ids=["DEK under DEK", "CK under AK", "FK under AK", "FEK under FEK", "FEK under CK"],
)
def test_keys_wrap_only_what_the_hierarchy_allows(context, key, wrapping_key):
    with pytest.raises(TypeError, match="does not wrap"):
        wrap_key(key, wrapping_key=wrapping_key, context=context)


@pytest.mark.parametrize(
    "key",
    [DataKey.generate(), AIConversationKey.generate()],
    ids=["DEK", "AIK"],
)
def test_private_kinds_are_never_sent_to_a_recipient(bob, context, key):
    with pytest.raises(TypeError, match="are never wrapped for another user"):
        wrap_key(key, wrapping_key=bob.keys.exchange_key.public_key, context=context)


def test_private_keys_are_never_sent_to_a_recipient(alice, bob, context):
    for private_key in (alice.keys.exchange_key, alice.keys.identity_key):
        with pytest.raises(TypeError, match="are never wrapped for another user"):
            wrap_key(private_key, wrapping_key=bob.keys.exchange_key.public_key, context=context)


def test_asking_to_unwrap_what_a_key_cannot_hold_is_refused_before_opening(alice, context):
    envelope = wrap_key(FileKey.generate(), wrapping_key=alice.keys.data_key, context=context)
    with pytest.raises(TypeError, match="kind AK does not wrap one of kind DEK"):
        unwrap_key(envelope, DataKey, unwrapping_key=AlbumKey.generate(), context=context)


def test_private_keys_round_trip_under_the_data_key(alice, context):
    for private_key in (alice.keys.exchange_key, alice.keys.identity_key):
        envelope = wrap_key(private_key, wrapping_key=alice.keys.data_key, context=context)
        opened = unwrap_key(envelope, type(private_key), unwrapping_key=alice.keys.data_key, context=context)
        assert opened == private_key and opened.public_key == private_key.public_key


# --- Key sizes ----------------------------------------------------------------


def test_a_3072_bit_recipient_needs_no_format_change(context):
    recipient = ExchangePrivateKey.generate(3072)
    key = FolderKey.generate()
    envelope = wrap_key(key, wrapping_key=recipient.public_key, context=context)
    validate_envelope("recipient-wrapped-key", envelope)
    assert set(envelope) == {"v", "alg", "kind", "recipient", "ct"}
    assert unwrap_key(envelope, FolderKey, unwrapping_key=recipient, context=context) == key


def test_rsa_keys_smaller_than_2048_bits_are_not_made():
    with pytest.raises(ValueError, match="2048 to 4096"):
        ExchangePrivateKey.generate(1024)


def test_an_identity_key_is_not_an_exchange_key():
    with pytest.raises(FormatError, match="not an RSA public key"):
        ExchangePrivateKey(IdentityPrivateKey.generate().secret_bytes())
