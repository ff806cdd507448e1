"""The audit log's hash chain: each entry commits to the one before it, so none can be removed or edited unseen.

An entry is a JSON object with ``seq`` (1, 2, 3, …), ``prev`` (the ``hash`` of
entry ``seq - 1``, or ``AUDIT_GENESIS`` for the first) and whatever it records;
its ``hash`` is

    SHA-256("imegha audit entry" || 0x00 || canonical JSON of the entry without "hash")

as 64 lowercase hex digits. The log's head names the last entry's ``seq`` and
``hash``, so removing entries from the end is seen too. A chain alone cannot
stop whoever can write the whole table from rewriting every hash after an
edit; a reader therefore keeps the head it last verified (a checkpoint) and
checks that the log still holds it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from .canonical import JSONObject, canonical_json
from .errors import ChainError

AUDIT_GENESIS = "0" * 64
_PREFIX = b"imegha audit entry\x00"


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


def verify_audit_chain(
    entries: Iterable[JSONObject], head: AuditHead, *, checkpoint: AuditHead | None = None
) -> AuditHead:
    """Check a whole log, oldest entry first, against its ``head``; returns the head verified.

    ``checkpoint`` is a head verified earlier: the log must still hold that
    entry unchanged. Raises ``ChainError`` naming the first entry that does not
    hold.
    """
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
        if checkpoint is not None and seq == checkpoint.seq:
            seen[seq] = last.hash
    if last.seq < head.seq:
        raise ChainError(f"audit {_entries(last.seq + 1, head.seq)} removed: the log ends before its head")
    if last != head:
        raise ChainError(f"the audit log's head (entry {head.seq}) does not match its last entry {last.seq}")
    if checkpoint is not None and checkpoint.seq > 0 and seen.get(checkpoint.seq) != checkpoint.hash:
        raise ChainError(f"audit entry {checkpoint.seq} is not the one verified before: the log was rewritten since")
    return last


def _entries(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"
