"""The audit log of a person's cloud, read and checked on their device.

The cloud appends an entry for every upload, share, view, download, revoke
and delete, hash-chained. A chain alone cannot show a log rewritten whole by
whoever can write the table, nor one shown differently to each device; so once
a device has verified the log, it signs the head with the person's identity key
as a checkpoint and stores it in the cloud, where every checkpoint is kept.

Verifying checks the whole chain against the log's head and against every
checkpoint: those in the cloud, each refused unless the identity key this
device signed in with signed it as a checkpoint of this person's log, and the
one this device verified against last (kept in the profile, per cloud, so a
cloud that drops checkpoints does not make it forget). The log must hold each
at its position; two that cannot be in one log are a fork. A device that never
saw the log, a new one too, is thus held to every head any of the person's
devices verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from imegha_crypto import (
    AuditCheckpoint,
    AuditHead,
    ChainError,
    CryptoError,
    IdentityPublicKey,
    b64url_decode,
    sign_audit_checkpoint,
    verify_audit_chain,
    verify_audit_checkpoint,
)

from .documents import JSONObject
from .library import Library
from .platform_api import ApiError

LAST_CHECKPOINT = "audit-checkpoint"
"""The profile document: per cloud URL, the checkpoint record this device last verified the log against."""


@dataclass(frozen=True)
class Verification:
    """What ``imegha audit --verify`` found."""

    entries: list[JSONObject]
    head: AuditHead
    """The log's head: every entry up to it is chained to the one before."""
    checkpoint: AuditCheckpoint | None
    """The latest checkpoint signed before this verification, which the log holds; None if there was none."""
    checkpoints: int
    """How many signed checkpoints the log was checked against."""
    signed: AuditCheckpoint | None
    """The head this device signed and stored now; None if it was signed already (or the log is empty)."""


def read(library: Library) -> tuple[list[JSONObject], AuditHead]:
    entries, head = library.api.audit()
    return entries, AuditHead(head["seq"], head["hash"])


def verify(library: Library) -> Verification:
    """The log, checked against every signed checkpoint; its head then signed as one, unless it is already.

    Raises ``ChainError`` naming the first entry that does not hold, the fork,
    or a checkpoint the person's identity key did not sign.
    """
    profile = library.account.profile
    remembered = profile.read(LAST_CHECKPOINT) or {}
    records = library.api.audit_checkpoints()
    mine = remembered.get(library.cloud_url)
    if mine is not None and mine not in records:
        records.append(mine)  # a checkpoint the cloud no longer shows still holds here
    checkpoints = [_checked(library, record) for record in records]
    entries, head = read(library)
    verified = verify_audit_chain(entries, head, checkpoints=[checkpoint.head for checkpoint in checkpoints])
    latest = max(checkpoints, key=lambda checkpoint: checkpoint.head.seq, default=None)
    latest_record = records[checkpoints.index(latest)] if latest else None
    signed = None
    if verified.seq > 0 and verified not in {checkpoint.head for checkpoint in checkpoints}:
        signed_record = _sign(library, verified)
        if signed_record is not None:
            signed, latest_record = _checked(library, signed_record), signed_record
    if latest_record is not None:
        profile.write(LAST_CHECKPOINT, remembered | {library.cloud_url: latest_record})
    return Verification(entries, verified, latest, len(checkpoints), signed)


def _checked(library: Library, record: JSONObject) -> AuditCheckpoint:
    identity = IdentityPublicKey(b64url_decode(library.account.session.identity_key))
    try:
        return verify_audit_checkpoint(record, user_id=library.owner, identity=identity)
    except CryptoError as forged:
        raise ChainError(
            f"a checkpoint in your cloud is not signed by your identity key as one of your log ({forged}): refused. "
            "Only your devices sign checkpoints, so someone who is not you wrote it there"
        ) from None


def _sign(library: Library, head: AuditHead) -> JSONObject | None:
    """The checkpoint of ``head``, signed and stored in the cloud; None if the cloud holds a later one already
    (another device verified a longer log meanwhile)."""
    record = sign_audit_checkpoint(
        library.keys.identity_key,
        user_id=library.owner,
        head=head,
        signed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    try:
        library.api.store_audit_checkpoint(record)
    except ApiError as refused:
        if refused.status != 409:
            raise
        return None
    return record
