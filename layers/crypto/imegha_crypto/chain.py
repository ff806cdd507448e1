"""The audit log's hash chain: each entry commits to the one before it, so none can be removed or edited unseen.

An entry is a JSON object with ``seq`` (1, 2, 3, …), ``prev`` (the ``hash`` of
entry ``seq - 1``, or ``AUDIT_GENESIS`` for the first) and whatever it records;
its ``hash`` is

    SHA-256("imegha audit entry" || 0x00 || canonical JSON of the entry without "hash")

as 64 lowercase hex digits. The log's head names the last entry's ``seq`` and
``hash``, so removing entries from the end is seen too.

A chain alone cannot stop whoever can write the whole table from rewriting
every hash after an edit, or from showing two devices two histories. So the
owner's device signs each head it verifies as an ``audit-checkpoint`` record
(their identity key, a purpose of its own) and keeps it in the cloud, where any
of their devices, a new one too, checks the log against every checkpoint: the
log must hold each at its position, and two that cannot both be in one log are
a fork.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .canonical import JSONObject, canonical_json
from .errors import ChainError, FormatError, SignatureError
from .held import IdentitySigner
from .keys import IdentityPublicKey
from .signing import sign_record, verify_record

AUDIT_GENESIS = "0" * 64
AUDIT_CHECKPOINT = "audit-checkpoint"
_PREFIX = b"imegha audit entry\x00"
_HASH = re.compile(r"[0-9a-f]{64}")
_MAX_SEQ = 2**53 - 1


def audit_digest(entry: JSONObject) -> str:
    """The ``hash`` of an audit entry: every field of it but ``hash`` itself."""
    unhashed = {name: value for name, value in entry.items() if name != "hash"}
    return hashlib.sha256(_PREFIX + canonical_json(unhashed)).hexdigest()


@dataclass(frozen=True)
class AuditHead:
    """The last entry of a log, by number and hash."""

    seq: int
    hash: str

    def as_json(self) -> JSONObject:
        return {"seq": self.seq, "hash": self.hash}


EMPTY_LOG = AuditHead(0, AUDIT_GENESIS)


@dataclass(frozen=True)
class AuditCheckpoint:
    """A head the owner's device verified and signed, and when."""

    head: AuditHead
    signed_at: str

    def as_json(self) -> JSONObject:
        return self.head.as_json() | {"signedAt": self.signed_at}


def sign_audit_checkpoint(identity_key: IdentitySigner, *, user_id: str, head: AuditHead, signed_at: str) -> JSONObject:
    """Sign ``head``, just verified on this device, as a checkpoint of ``user_id``'s log; an ``audit-checkpoint``
    record, which no other kind of record can pass for."""
    if head.seq < 1:
        raise ValueError("an empty log has no head to sign")
    body = {"userId": user_id, "seq": head.seq, "hash": head.hash, "signedAt": signed_at}
    return sign_record(identity_key, AUDIT_CHECKPOINT, body)


def verify_audit_checkpoint(record: JSONObject, *, user_id: str, identity: IdentityPublicKey) -> AuditCheckpoint:
    """The checkpoint ``record`` holds, if ``identity`` (the owner's own identity key) signed it as a checkpoint of
    ``user_id``'s log; ``SignatureError`` if not, ``FormatError`` if its body is not a checkpoint's."""
    body = verify_record(record, AUDIT_CHECKPOINT, identity)
    if set(body) != {"userId", "seq", "hash", "signedAt"}:
        raise FormatError(f"{AUDIT_CHECKPOINT}: body: holds {sorted(body)}; expected userId, seq, hash, signedAt")
    seq, digest = body["seq"], body["hash"]
    if type(seq) is not int or not 1 <= seq <= _MAX_SEQ:
        raise FormatError(f"{AUDIT_CHECKPOINT}: body.seq: {seq!r} is not an entry number")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise FormatError(f"{AUDIT_CHECKPOINT}: body.hash: not 64 lowercase hex digits")
    if not isinstance(body["signedAt"], str):
        raise FormatError(f"{AUDIT_CHECKPOINT}: body.signedAt: not a date-time")
    if body["userId"] != user_id:
        raise SignatureError(f"this checkpoint is of {body['userId']}'s audit log, not {user_id}'s")
    return AuditCheckpoint(AuditHead(seq, digest), body["signedAt"])


def verify_audit_chain(
    entries: Iterable[JSONObject], head: AuditHead, *, checkpoints: Iterable[AuditHead] = ()
) -> AuditHead:
    """Check a whole log, oldest entry first, against its ``head``; returns the head verified.

    ``checkpoints`` are heads verified earlier, on this device or (signed) on
    another of the owner's: the log must still hold each of them unchanged. Raises
    ``ChainError`` naming the first entry that does not hold, or the fork when two
    checkpoints cannot both be of one log.
    """
    expected = _one_history(checkpoints)
    last = EMPTY_LOG
    seen: dict[int, str] = {}
    for entry in entries:
        seq = entry.get("seq")
        if type(seq) is not int or seq <= last.seq:
            raise ChainError(f"audit entry {seq!r} is out of order after entry {last.seq}")
        if seq != last.seq + 1:
            raise ChainError(
                f"audit {_entries(last.seq + 1, seq - 1)} removed: the log goes from entry {last.seq} to {seq}"
            )
        if entry.get("prev") != last.hash:
            raise ChainError(f"audit entry {seq} does not follow entry {last.seq}: one of them was replaced")
        if entry.get("hash") != audit_digest(entry):
            raise ChainError(f"audit entry {seq} was edited: its hash does not match what it says")
        last = AuditHead(seq, entry["hash"])
        if seq in expected:
            seen[seq] = last.hash
    if last.seq < head.seq:
        raise ChainError(f"audit {_entries(last.seq + 1, head.seq)} removed: the log ends before its head")
    if last != head:
        raise ChainError(f"the audit log's head (entry {head.seq}) does not match its last entry {last.seq}")
    _holds(expected, seen, last)
    return last


def _one_history(checkpoints: Iterable[AuditHead]) -> dict[int, str]:
    """The checkpoints by entry number; two at one entry that name different heads are a fork."""
    expected: dict[int, str] = {}
    for checkpoint in checkpoints:
        if checkpoint.seq < 1:
            continue  # the empty log's head holds in every log
        known = expected.setdefault(checkpoint.seq, checkpoint.hash)
        if known != checkpoint.hash:
            low, high = sorted((known, checkpoint.hash))
            raise ChainError(
                f"the audit log forked: two checkpoints at entry {checkpoint.seq} name different heads "
                f"({low[:16]}… and {high[:16]}…): your devices were shown different histories"
            )
    return expected


def _holds(expected: dict[int, str], seen: dict[int, str], last: AuditHead) -> None:
    """Check the log against each checkpoint, the latest first: not holding the latest is a rewrite (or a log cut
    back), holding it but not an earlier one a fork between the histories the two were signed on."""
    latest = max(expected, default=0)
    for seq in sorted(expected, reverse=True):
        if seq > last.seq:
            raise ChainError(
                f"audit {_entries(last.seq + 1, seq)} removed: a device verified the log up to entry {seq}"
            )
        if seen[seq] == expected[seq]:
            continue
        if seq == latest:
            raise ChainError(f"audit entry {seq} is not the one verified before: the log was rewritten since")
        raise ChainError(
            f"the audit log forked: it holds the checkpoint at entry {latest} but not the one at entry {seq} "
            f"({expected[seq][:16]}…, here {seen[seq][:16]}…): your devices were shown different histories"
        )


def _entries(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"
