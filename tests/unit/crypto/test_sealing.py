"""Sealing files and small payloads: round trips, context binding, tampering, fresh IVs."""

import io

import pytest

from imegha_crypto import (
    SEALED_DATA_MAX_BYTES,
    AIConversationKey,
    AlbumKey,
    ConversationKey,
    DataKey,
    DecryptionError,
    FileKey,
    FolderKey,
    FormatError,
    GroupKey,
    open_data,
    open_file,
    seal_data,
    seal_file,
    validate_envelope,
)

SEALING_KEYS = [
    FileKey.generate(),
    ConversationKey.generate(),
    FolderKey.generate(),
    AlbumKey.generate(),
    AIConversationKey.generate(),
    GroupKey.generate(epoch=2),
]


# --- Small payloads -----------------------------------------------------------


@pytest.mark.parametrize("key", SEALING_KEYS, ids=[key.KIND for key in SEALING_KEYS])
@pytest.mark.parametrize(
    "plaintext", [b"", "caf\u00e9 \U0001f600".encode(), bytes(SEALED_DATA_MAX_BYTES)], ids=["empty", "text", "largest"]
)
def test_sealed_data_round_trips(context, key, plaintext):
    envelope = seal_data(key, plaintext, context)
    validate_envelope("sealed-data", envelope)
    assert envelope["kind"] == key.KIND
    assert open_data(key, envelope, context) == plaintext


def test_more_than_sealed_data_holds_is_refused(context):
    with pytest.raises(FormatError, match="131,073 bytes is more than sealed data holds"):
        seal_data(ConversationKey.generate(), bytes(SEALED_DATA_MAX_BYTES + 1), context)


def test_sealing_the_same_plaintext_twice_gives_different_ciphertexts(context):
    key = ConversationKey.generate()
    first, second = seal_data(key, b"same words", context), seal_data(key, b"same words", context)
    assert first["iv"] != second["iv"] and first["ct"] != second["ct"]


def test_sealed_data_moved_to_another_record_does_not_open(context, elsewhere):
    key = FileKey.generate()
    with pytest.raises(DecryptionError, match="moved from another owner, object or version"):
        open_data(key, seal_data(key, b"name: tax-2025.pdf", context), elsewhere)


def test_sealed_data_does_not_open_under_another_key_of_the_same_kind(context):
    envelope = seal_data(ConversationKey.generate(), b"hi", context)
    with pytest.raises(DecryptionError, match="wrong key"):
        open_data(ConversationKey.generate(), envelope, context)


def test_data_sealed_under_one_kind_is_not_opened_with_another(context):
    envelope = seal_data(ConversationKey.generate(), b"hi", context)
    with pytest.raises(DecryptionError, match="sealed with a key of kind CK, not with a key of kind FEK"):
        open_data(FileKey.generate(), envelope, context)


def test_a_group_message_of_an_old_epoch_names_the_epochs(context):
    envelope = seal_data(GroupKey.generate(epoch=2), b"hi", context)
    with pytest.raises(DecryptionError, match="kind GK, epoch 2, not with a key of kind GK, epoch 3"):
        open_data(GroupKey.generate(epoch=3), envelope, context)


@pytest.mark.parametrize("field", ["v", "alg", "kind", "iv", "ct"])
def test_every_field_of_sealed_data_is_protected(context, tamper, field):
    key = ConversationKey.generate()
    envelope = seal_data(key, b"meet at noon", context)
    assert set(envelope) == {"v", "alg", "kind", "iv", "ct"}
    with pytest.raises(FormatError if field in ("v", "alg") else DecryptionError):
        open_data(key, tamper(envelope, field), context)


def test_the_epoch_of_a_group_message_is_protected(context, tamper):
    key = GroupKey.generate(epoch=2)
    envelope = tamper(seal_data(key, b"hi", context), "epoch")
    with pytest.raises(DecryptionError):
        open_data(key, envelope, context)


def test_the_data_key_seals_nothing(context):
    with pytest.raises(TypeError, match="content key"):
        seal_data(DataKey.generate(), b"hi", context)


# --- Files --------------------------------------------------------------------


def _seal(key, plaintext, context):
    sealed = io.BytesIO()
    seal_file(key, io.BytesIO(plaintext), sealed, context)
    return sealed.getvalue()


def _open(key, sealed, context):
    opened = io.BytesIO()
    open_file(key, io.BytesIO(sealed), opened, context)
    return opened.getvalue()


@pytest.mark.parametrize("size", [0, 1, 16 * 1024, 40_000])
def test_a_file_round_trips(context, size):
    key = FileKey.generate()
    plaintext = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert _open(key, _seal(key, plaintext, context), context) == plaintext


def test_sealing_a_file_twice_gives_different_ciphertexts(context):
    key = FileKey.generate()
    assert _seal(key, b"same file", context) != _seal(key, b"same file", context)


def test_a_file_moved_to_another_owner_object_or_version_does_not_open(context, elsewhere):
    key = FileKey.generate()
    sealed = _seal(key, b"quarterly report", context)
    with pytest.raises(DecryptionError):
        _open(key, sealed, elsewhere)


def test_a_file_does_not_open_under_another_file_key(context):
    sealed = _seal(FileKey.generate(), b"quarterly report", context)
    with pytest.raises(DecryptionError):
        _open(FileKey.generate(), sealed, context)


def test_only_a_file_key_seals_a_file(context):
    with pytest.raises(TypeError, match="FileKey"):
        seal_file(ConversationKey.generate(), io.BytesIO(b"x"), io.BytesIO(), context)
    with pytest.raises(TypeError, match="FileKey"):
        open_file(FolderKey.generate(), io.BytesIO(b"x"), io.BytesIO(), context)
