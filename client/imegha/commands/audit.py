"""Audit: the hash-chained log of your cloud, and --verify to check it on this device."""

from __future__ import annotations

import argparse

from imegha_crypto import ChainError

from .. import audit_log
from ..documents import JSONObject
from ..safe_text import shown
from . import CommandError, Subparsers, emit
from .files import files_guarded, library_for


def register(subparsers: Subparsers) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="who uploaded, shared, viewed, downloaded, revoked or deleted what",
        description="The audit log your cloud keeps of every upload, share, view, download, "
        "revoke and delete, hash-chained.",
    )
    audit.add_argument(
        "--verify",
        action="store_true",
        help="check the chain against every head your devices verified and signed (a new device too): no entry "
        "removed, edited or rewritten, no device shown another history; then sign this head",
    )
    audit.add_argument("--last", type=int, help="show only the last N entries")
    audit.set_defaults(handler=audit_command)


def entry_line(entry: JSONObject, names: dict[str, str]) -> str:
    subject = entry.get("subject") or {}
    what = subject.get("fileId") or subject.get("shareId") or subject.get("folderId") or subject.get("albumId") or ""
    who = names.get(entry["actor"], entry["actor"])
    extra = f" with {names.get(subject['recipientId'], subject['recipientId'])}" if subject.get("recipientId") else ""
    return shown(f"{entry['seq']:>6}  {entry['at']}  {entry['action']:<9} {who:<20} {what}{extra}")


def verified_json(verification: audit_log.Verification) -> JSONObject:
    return {
        "verified": True,
        "entries": len(verification.entries),
        "head": verification.head.as_json(),
        "checkpoint": verification.checkpoint.as_json() if verification.checkpoint else None,
        "checkpoints": verification.checkpoints,
        "signed": verification.signed.as_json() if verification.signed else None,
    }


def verified_text(verification: audit_log.Verification) -> str:
    head, checkpoint = verification.head, verification.checkpoint
    chained = (
        f"The audit log verifies up to entry {head.seq} (head {head.hash[:16]}…): every entry chained to the one before"
        if head.seq
        else "The audit log is empty"
    )
    against = (
        f", and it holds entry {checkpoint.head.seq} as your devices signed it ({checkpoint.signed_at}), the latest of "
        f"{verification.checkpoints} signed checkpoints"
        if checkpoint
        else ", checked against itself only: no device of yours had signed a checkpoint of it"
    )
    signed = (
        f"\nThis device signed entry {head.seq} as a checkpoint; your other devices, and new ones, are held to it."
        if verification.signed
        else ""
    )
    return f"{chained}{against}.{signed}"


@files_guarded
def audit_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    if args.verify:
        try:
            verification = audit_log.verify(library)
        except ChainError as broken:
            raise CommandError(f"the audit log does NOT verify: {broken}") from None
        emit(args, verified_json(verification), verified_text(verification))
        return
    entries, head = audit_log.read(library)
    listed = entries[-args.last :] if args.last else entries
    names = {library.owner: "you"} | {user_id: pin["iMTag"] for user_id, pin in library.account.pins.all().items()}
    emit(
        args,
        {"entries": listed, "head": head.as_json()},
        lambda: "\n".join(entry_line(entry, names) for entry in listed) or "The audit log is empty.",
    )
