"""Properties of envelopes over generated keys, contents and contexts (README: "Envelopes").

An envelope is stored and read back as JSON text: whatever the spacing, it must
open to what was sealed, and no single byte of it changed may open at all.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from imegha_crypto import (
    AIConversationKey,
    AlbumKey,
    Context,
    ConversationKey,
    CryptoError,
    DataKey,
    FileKey,
    FolderKey,
    GroupKey,
    b64url_decode,
    open_data,
    seal_data,
    unwrap_key,
    validate_envelope,
    wrap_key,
)
from imegha_crypto.canonical import canonical_json

MAX_SAFE_INTEGER = 2**53 - 1

# Few examples each, so that the whole file takes seconds.
quick = settings(max_examples=60, deadline=None)

ids = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
contexts = st.builds(Context, owner=ids, object_id=ids, version=st.integers(0, MAX_SAFE_INTEGER))
key_bytes = st.binary(min_size=32, max_size=32)
content_keys = st.one_of(
    st.builds(
        lambda kind, secret: kind(secret),
        st.sampled_from([FileKey, ConversationKey, FolderKey, AlbumKey, AIConversationKey]),
        key_bytes,
    ),
    st.builds(GroupKey, key_bytes, st.integers(0, MAX_SAFE_INTEGER)),
)


def stored_and_read_back(envelope: dict[str, Any], indent: int | None) -> dict[str, Any]:
    """``envelope`` as a database or an HTTP body would give it back: JSON text, parsed."""
    read: dict[str, Any] = json.loads(json.dumps(envelope, indent=indent))
    return read


@quick
@given(content_keys, st.binary(max_size=2048), contexts, st.sampled_from([None, 2]))
def test_sealed_data_read_back_from_json_opens_to_what_was_sealed(key, plaintext, context, indent):
    envelope = seal_data(key, plaintext, context)
    read = stored_and_read_back(envelope, indent)
    validate_envelope("sealed-data", read)
    assert canonical_json(read) == canonical_json(envelope)
    assert len(b64url_decode(read["iv"])) == 12
    assert len(b64url_decode(read["ct"])) == len(plaintext) + 16
    assert open_data(key, read, context) == plaintext


wrappings = st.one_of(
    st.tuples(st.builds(DataKey, key_bytes), content_keys),
    st.tuples(st.builds(FolderKey, key_bytes), st.builds(FileKey, key_bytes) | st.builds(FolderKey, key_bytes)),
    st.tuples(st.builds(AlbumKey, key_bytes), st.builds(FileKey, key_bytes)),
)


@quick
@given(wrappings, contexts, st.sampled_from([None, 2]))
def test_a_wrapped_key_read_back_from_json_unwraps_to_the_same_key(wrapping, context, indent):
    wrapping_key, key = wrapping
    read = stored_and_read_back(wrap_key(key, wrapping_key=wrapping_key, context=context), indent)
    validate_envelope("wrapped-key", read)
    assert unwrap_key(read, type(key), unwrapping_key=wrapping_key, context=context) == key


TAMPER_CONTEXT = Context(owner="alice", object_id="file-7", version=3)
# Bytes that may stand in a JSON string as they are.
JSON_STRING_BYTES = bytes(byte for byte in range(0x20, 0x7F) if byte not in b'"\\')


@pytest.fixture(scope="module")
def sealed_envelopes(bob):
    """Per envelope type: a sealed envelope as canonical JSON text (every byte of it meaningful), how to open it,
    and what it holds."""
    file_key, group_key = FileKey(bytes(range(32))), GroupKey(bytes(range(32, 64)), epoch=12)
    data_key = DataKey(bytes(range(64, 96)))
    where = TAMPER_CONTEXT
    return {
        "sealed-data": (
            canonical_json(seal_data(group_key, b"the minutes of the meeting", where)),
            lambda envelope: open_data(group_key, envelope, where),
            b"the minutes of the meeting",
        ),
        "wrapped-key": (
            canonical_json(wrap_key(file_key, wrapping_key=data_key, context=where)),
            lambda envelope: unwrap_key(envelope, FileKey, unwrapping_key=data_key, context=where),
            file_key,
        ),
        "recipient-wrapped-key": (
            canonical_json(wrap_key(file_key, wrapping_key=bob.keys.exchange_key.public_key, context=where)),
            lambda envelope: unwrap_key(envelope, FileKey, unwrapping_key=bob.keys.exchange_key, context=where),
            file_key,
        ),
    }


@pytest.mark.parametrize("envelope_type", ["sealed-data", "wrapped-key", "recipient-wrapped-key"])
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_single_byte_changed_in_a_sealed_envelope_fails_to_open(sealed_envelopes, envelope_type, data):
    text, open_envelope, sealed_inside = sealed_envelopes[envelope_type]
    assert open_envelope(json.loads(text)) == sealed_inside  # untouched, it opens
    position = data.draw(st.sampled_from(range(len(text))), label="position")
    # Any byte, or half the time one that leaves the text JSON, to reach the checks past parsing as often.
    replacement = data.draw(
        (st.sampled_from(JSON_STRING_BYTES) | st.sampled_from(range(256))).filter(lambda byte: byte != text[position]),
        label="replacement",
    )
    altered = text[:position] + bytes([replacement]) + text[position + 1 :]
    try:
        envelope = json.loads(altered.decode("utf-8"))
    except ValueError:
        event("no longer JSON")
        return
    with pytest.raises(CryptoError) as refusal:
        open_envelope(envelope)
    event(f"refused: {type(refusal.value).__name__}")
