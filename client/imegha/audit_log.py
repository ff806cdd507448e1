"""The audit log of a person's cloud, read and checked on their device.

The cloud appends an entry for every upload, share, view, download, revoke
and delete, hash-chained. This device verifies the whole chain against the
log's head and against the head it verified last time (kept in the profile,
per cloud): an entry removed or edited is caught by the chain, a log rewritten
from scratch by whoever can write the table is caught by the checkpoint.
"""

from __future__ import annotations

from imegha_crypto import AuditHead, verify_audit_chain

from .documents import JSONObject
from .library import Library

CHECKPOINTS = "audit-checkpoints"


def read(library: Library) -> tuple[list[JSONObject], AuditHead]:
    entries, head = library.api.audit()
    return entries, AuditHead(head["seq"], head["hash"])


def verify(library: Library) -> tuple[list[JSONObject], AuditHead, AuditHead | None]:
    """The log, checked; returns its entries, the head verified now and the checkpoint it was checked against.

    Raises ``ChainError`` naming the first entry that does not hold; the
    checkpoint moves forward only after a log verified whole.
    """
    profile = library.account.profile
    checkpoints = profile.read(CHECKPOINTS) or {}
    saved = checkpoints.get(library.cloud_url)
    checkpoint = AuditHead(saved["seq"], saved["hash"]) if saved else None
    entries, head = read(library)
    verified = verify_audit_chain(entries, head, checkpoint=checkpoint)
    profile.write(CHECKPOINTS, checkpoints | {library.cloud_url: verified.as_json()})
    return entries, verified, checkpoint
