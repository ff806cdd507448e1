"""Audit: the hash-chained log of your cloud, and --verify to check it on this device."""

from __future__ import annotations

import argparse

from imegha_crypto import ChainError

from .. import audit_log
from ..documents import JSONObject
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
        help="check the chain and the last verified head: no entry removed, edited or rewritten",
    )
    audit.add_argument("--last", type=int, help="show only the last N entries")
    audit.set_defaults(handler=audit_command)


def entry_line(entry: JSONObject, names: dict[str, str]) -> str:
    subject = entry.get("subject") or {}
    what = subject.get("fileId") or subject.get("shareId") or subject.get("folderId") or subject.get("albumId") or ""
    who = names.get(entry["actor"], entry["actor"])
    extra = f" with {names.get(subject['recipientId'], subject['recipientId'])}" if subject.get("recipientId") else ""
    return f"{entry['seq']:>6}  {entry['at']}  {entry['action']:<9} {who:<20} {what}{extra}"


@files_guarded
def audit_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    if args.verify:
        try:
            entries, head, checkpoint = audit_log.verify(library)
        except ChainError as broken:
            raise CommandError(f"the audit log does NOT verify: {broken}") from None
        since = f"; it still holds entry {checkpoint.seq} as verified before" if checkpoint and checkpoint.seq else ""
        emit(
            args,
            {
                "verified": True,
                "entries": len(entries),
                "head": head.as_json(),
                "checkpoint": checkpoint.as_json() if checkpoint else None,
            },
            f"The audit log verifies: {len(entries)} entries, each chained to the one before, up to its head "
            f"{head.hash[:16]}…{since}.",
        )
        return
    entries, head = audit_log.read(library)
    shown = entries[-args.last :] if args.last else entries
    names = {library.owner: "you"} | {user_id: pin["iMTag"] for user_id, pin in library.account.pins.all().items()}
    emit(
        args,
        {"entries": shown, "head": head.as_json()},
        lambda: "\n".join(entry_line(entry, names) for entry in shown) or "The audit log is empty.",
    )
