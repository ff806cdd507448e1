"""Signed audit checkpoints: the head an owner's device verified, under their identity key and for that purpose
only; and the chain checked against every checkpoint, so a rewrite, a log cut back or a fork is named."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from imegha_crypto import (
    AuditHead,
    ChainError,
    FormatError,
    IdentityPrivateKey,
    IdentityPublicKey,
    SignatureError,
    b64url_decode,
    sign_audit_checkpoint,
    sign_record,
    verify_audit_chain,
    verify_audit_checkpoint,
    verify_key_statement,
    verify_record,
)
from imegha_crypto.canonical import canonical_json
from imegha_crypto.primitives import ed25519_verify
from tests.unit.crypto.test_chain import chain, head_of, rehashed

VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "imegha-audit-checkpoint.json").read_text())
SIGNED_AT = "2026-12-05T02:40:00+00:00"
HEAD = AuditHead(7, "ab" * 32)


@pytest.fixture(scope="module")
def mallory() -> IdentityPrivateKey:
    return IdentityPrivateKey.generate()


@pytest.fixture(scope="module")
def checkpoint(alice) -> dict:
    return sign_audit_checkpoint(alice.keys.identity_key, user_id="alice", head=HEAD, signed_at=SIGNED_AT)


def test_a_checkpoint_is_the_canonical_record_of_its_own_type_signed_under_the_record_prefix(alice, checkpoint):
    public = alice.keys.identity_key.public_key
    # Built from the README's description alone, not through the layer's own helpers.
    unsigned = {
        "v": 1,
        "alg": "Ed25519",
        "type": "audit-checkpoint",
        "signer": hashlib.sha256(public.der).hexdigest(),
        "body": {"userId": "alice", "seq": 7, "hash": "ab" * 32, "signedAt": SIGNED_AT},
    }

    assert {name: value for name, value in checkpoint.items() if name != "sig"} == unsigned
    assert ed25519_verify(
        public.der, b64url_decode(checkpoint["sig"]), b"imegha signed record\x00" + canonical_json(unsigned)
    )


def test_the_vector_is_the_checkpoint_the_layer_makes_and_verifies():
    key = IdentityPrivateKey(bytes.fromhex(VECTOR["identityKeyPkcs8"]))
    head = AuditHead(VECTOR["seq"], VECTOR["hash"])

    made = sign_audit_checkpoint(key, user_id=VECTOR["userId"], head=head, signed_at=VECTOR["signedAt"])

    assert made == VECTOR["record"]
    assert (
        canonical_json({name: value for name, value in made.items() if name != "sig"}).decode()
        == VECTOR["signedRecord"]
    )
    public = IdentityPublicKey(b64url_decode(VECTOR["identityKeySpki"]))
    assert verify_audit_checkpoint(VECTOR["record"], user_id=VECTOR["userId"], identity=public).head == head


def test_a_checkpoint_verifies_for_its_owner_and_says_what_and_when(alice, checkpoint):
    verified = verify_audit_checkpoint(checkpoint, user_id="alice", identity=alice.keys.identity_key.public_key)

    assert (verified.head, verified.signed_at) == (HEAD, SIGNED_AT)


def test_a_checkpoint_signed_by_another_key_is_refused(alice, mallory):
    forged = sign_audit_checkpoint(mallory, user_id="alice", head=HEAD, signed_at=SIGNED_AT)
    relabelled = forged | {"signer": alice.keys.identity_key.public_key.fingerprint.hex}

    with pytest.raises(SignatureError, match="not by the expected"):
        verify_audit_checkpoint(forged, user_id="alice", identity=alice.keys.identity_key.public_key)
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_audit_checkpoint(relabelled, user_id="alice", identity=alice.keys.identity_key.public_key)


@pytest.mark.parametrize(
    ("field", "value"), [("seq", 8), ("hash", "cd" * 32), ("signedAt", "2026-12-06T00:00:00+00:00")]
)
def test_a_checkpoint_moved_to_another_head_or_time_is_refused(alice, checkpoint, field, value):
    moved = copy.deepcopy(checkpoint)
    moved["body"][field] = value

    with pytest.raises(SignatureError, match="altered after signing"):
        verify_audit_checkpoint(moved, user_id="alice", identity=alice.keys.identity_key.public_key)


def test_alices_checkpoint_is_not_one_for_bobs_log(alice, checkpoint):
    with pytest.raises(SignatureError, match="of alice's audit log, not bob's"):
        verify_audit_checkpoint(checkpoint, user_id="bob", identity=alice.keys.identity_key.public_key)


def test_a_signature_made_for_another_purpose_is_no_checkpoint(alice):
    """The same body signed as a share, a message or a request does not pass as a checkpoint, nor the reverse."""
    body = {"userId": "alice", "seq": 7, "hash": "ab" * 32, "signedAt": SIGNED_AT}
    identity = alice.keys.identity_key.public_key
    for other_purpose in ("share", "message", "request", "group-roster"):
        signed = sign_record(alice.keys.identity_key, other_purpose, body)
        with pytest.raises(SignatureError, match=f"a '{other_purpose}' record, not a 'audit-checkpoint'"):
            verify_audit_checkpoint(signed, user_id="alice", identity=identity)
        with pytest.raises(SignatureError, match="altered after signing"):
            verify_audit_checkpoint(signed | {"type": "audit-checkpoint"}, user_id="alice", identity=identity)

    checkpoint = sign_audit_checkpoint(alice.keys.identity_key, user_id="alice", head=HEAD, signed_at=SIGNED_AT)
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_record(checkpoint | {"type": "share"}, "share", identity)
    with pytest.raises(FormatError):
        verify_key_statement(checkpoint | {"type": "key-statement"}, user_id="alice", pinned_identity=identity)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"userId": "alice", "seq": 0, "hash": "ab" * 32, "signedAt": SIGNED_AT}, "seq"),
        ({"userId": "alice", "seq": True, "hash": "ab" * 32, "signedAt": SIGNED_AT}, "seq"),
        ({"userId": "alice", "seq": 7, "hash": "AB" * 32, "signedAt": SIGNED_AT}, "hash"),
        ({"userId": "alice", "seq": 7, "hash": "ab" * 32}, "signedAt"),
        ({"userId": "alice", "seq": 7, "hash": "ab" * 32, "signedAt": 1795000000}, "signedAt"),
        ({"userId": "alice", "seq": 7, "hash": "ab" * 32, "signedAt": SIGNED_AT, "extra": 1}, "extra"),
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_refused(alice, body, reason):
    record = sign_record(alice.keys.identity_key, "audit-checkpoint", body)

    with pytest.raises(FormatError, match=reason):
        verify_audit_checkpoint(record, user_id="alice", identity=alice.keys.identity_key.public_key)


def test_there_is_no_checkpoint_of_an_empty_log(alice):
    with pytest.raises(ValueError, match="an empty log"):
        sign_audit_checkpoint(
            alice.keys.identity_key, user_id="alice", head=AuditHead(0, "0" * 64), signed_at=SIGNED_AT
        )


# --- the chain against every checkpoint ------------------------------------------------------------------------


def test_a_log_holding_every_checkpoint_verifies():
    entries = chain(6)
    checkpoints = [head_of(entries[:2]), head_of(entries[:5]), head_of(entries[:5])]  # two devices, one head

    assert verify_audit_chain(entries, head_of(entries), checkpoints=checkpoints) == head_of(entries)


def test_a_log_rewritten_after_the_latest_checkpoint_is_named():
    entries = chain(6)
    rewritten = rehashed(entries[:1] + entries[2:])

    with pytest.raises(ChainError, match="entry 4 is not the one verified before: the log was rewritten since"):
        verify_audit_chain(rewritten, head_of(rewritten), checkpoints=[head_of(entries[:4])])


def test_a_log_cut_back_behind_a_checkpoint_is_named():
    entries = chain(6)

    with pytest.raises(ChainError, match="entries 5 to 6 removed: a device verified the log up to entry 6"):
        verify_audit_chain(entries[:4], head_of(entries[:4]), checkpoints=[head_of(entries)])


def test_two_checkpoints_at_one_entry_with_different_heads_are_a_fork():
    entries, other = chain(4), rehashed(chain(4)[1:] + chain(5)[4:])

    with pytest.raises(ChainError, match="the audit log forked: two checkpoints at entry 4 name different heads"):
        verify_audit_chain(entries, head_of(entries), checkpoints=[head_of(entries), head_of(other)])


def test_a_log_holding_the_latest_checkpoint_but_not_an_earlier_one_is_a_fork():
    entries = chain(6)
    edited = copy.deepcopy(entries[:3])
    edited[1]["action"] = "view"
    earlier = head_of(rehashed(edited))  # a device once verified another entry 2 and 3

    with pytest.raises(ChainError, match="the audit log forked: it holds the checkpoint at entry 6 but not the one at"):
        verify_audit_chain(entries, head_of(entries), checkpoints=[earlier, head_of(entries)])
