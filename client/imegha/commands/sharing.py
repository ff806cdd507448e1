"""Sharing: share <file> --with <iMTag>, share ls, share revoke; shared (what others share with you), shared ls|get."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..library import FilesError, local_name
from ..progress import ProgressBar
from ..sharing import Sharing
from . import CommandError, emit
from .accounts import account_for
from .files import files_guarded

KINDS = ("file", "folder", "album")


def register(subparsers: argparse._SubParsersAction) -> None:
    share = subparsers.add_parser(
        "share", help="share a file, folder or album with a connection; 'share ls', 'share revoke'",
        description="imegha share <name> --with <iMTag> [--kind folder|album]; imegha share ls; "
                    "imegha share revoke <name> --with <iMTag> [--rotate] (or --id <shareId>). "
                    "A file named 'ls' or 'revoke' is shared by its id.")
    share.add_argument("words", nargs="+", metavar="NAME | ls | revoke NAME")
    share.add_argument("--with", dest="imtag", help="the connection to share with, or to revoke from")
    share.add_argument("--kind", choices=KINDS, default="file", help="what NAME is (default: a file)")
    share.add_argument("--id", dest="share_id", help="revoke: the share's id")
    share.add_argument("--rotate", action="store_true",
                       help="revoke: then seal the file again under a new key, so a key kept from before opens nothing")
    share.set_defaults(handler=share_command)

    shared = subparsers.add_parser(
        "shared", help="what your connections share with you; 'shared ls <share>', 'shared get <share>'",
        description="imegha shared; imegha shared ls <share>; imegha shared get <share> [--file NAME] [-o PATH]. "
                    "<share> is a share id or the shared thing's name.")
    shared.add_argument("words", nargs="*", metavar="ls|get SHARE")
    shared.add_argument("--from", dest="owner", help="only what this connection shares")
    shared.add_argument("--file", help="get: which file of a shared folder or album (default: all of them)")
    shared.add_argument("-o", "--output", type=Path, default=Path("."), help="get: where to write (default: here)")
    shared.set_defaults(handler=shared_command)


@files_guarded
def share_command(args: argparse.Namespace) -> None:
    action, rest = args.words[0], args.words[1:]
    sharing = Sharing(account_for(args))
    if action == "ls" and not rest:
        listed = sharing.shares()
        emit(args, {"shares": listed}, lambda: "\n".join(
            f"{s['kind']:<7} {s['id']:<24} with {s['with']:<20} {s['shareId']}" for s in listed) or "You share nothing.")
        return
    if action == "revoke":
        _revoke(args, sharing, rest)
        return
    if rest or not args.imtag:
        raise CommandError("imegha share <name> --with <iMTag> (one name at a time)")
    target = _target(sharing, args.kind, action)
    shared = sharing.share(target, args.imtag)
    trust = ("verified" if shared["verified"] else
             "not yet verified: compare safety codes with 'imegha verify " + shared["with"] + "'")
    emit(args, shared, f"Shared {args.kind} {action} with {shared['with']} (share {shared['shareId']}). Their key "
                       f"{shared['recipientKey']} is {trust}." + ("" if shared["notified"] else
                                                                 " (The platform could not notify them yet.)"))


def _target(sharing: Sharing, kind: str, name: str):
    library = sharing.library
    return library.find(name) if kind == "file" else library.collection(kind, name)


def _revoke(args: argparse.Namespace, sharing: Sharing, rest: list[str]) -> None:
    if args.share_id:
        revoked = [sharing.revoke(args.share_id)["shareId"]]
        target = None
    elif len(rest) == 1 and args.imtag:
        target = _target(sharing, args.kind, rest[0])
        revoked = sharing.revoke_with(getattr(target, "file_id", None) or target.collection_id, args.imtag)
    else:
        raise CommandError("imegha share revoke <name> --with <iMTag>, or imegha share revoke --id <shareId>")
    rotated = None
    if args.rotate:
        if args.kind != "file" or target is None:
            raise CommandError("--rotate seals a file again: name the file and --with, not a share id")
        with ProgressBar(f"Sealing {target.name} again", target.ciphertext_size) as bar:
            rotated = sharing.library.rotate(target, progress=bar)
    emit(args, {"revoked": revoked, "rotatedToVersion": rotated and rotated.version},
         f"Revoked {', '.join(revoked)}: the recipient's next request is refused."
         + (f" The file is sealed under a new key as version {rotated.version}." if rotated else ""))


@files_guarded
def shared_command(args: argparse.Namespace) -> None:
    sharing = Sharing(account_for(args))
    action, rest = (args.words[0], args.words[1:]) if args.words else ("list", [])
    if action == "list" or (action == "ls" and not rest):
        shares, warnings = sharing.received(args.owner)
        for warning in warnings:
            print(f"imegha: {warning}", file=sys.stderr)
        emit(args, {"shares": [s.as_json() for s in shares], "warnings": warnings}, lambda: "\n".join(
            f"{s.kind:<7} {s.name:<32} from {s.owner.imtag:<20} {s.share_id}" for s in shares)
            or "Nothing is shared with you.")
        return
    if action not in ("ls", "get") or len(rest) != 1:
        raise CommandError("imegha shared [ls|get <share>]")
    share = sharing.find(rest[0], args.owner)
    files = sharing.files_in(share)
    if action == "ls":
        emit(args, {"share": share.as_json(), "files": [f.as_json() for f in files]}, lambda: "\n".join(
            f"{f.name:<32} {f.size:>12,} B  {f.file_id}" for f in files) or f"{share.name} is empty.")
        return
    chosen = [f for f in files if args.file in (None, f.name, f.file_id)]
    if not chosen:
        raise FilesError(f"{share.name} holds no file named {args.file!r}")
    destination = args.output
    if len(chosen) > 1 or share.kind != "file" and args.file is None:
        destination = args.output / local_name(share.name) if args.output.is_dir() else args.output
        destination.mkdir(parents=True, exist_ok=True)
    written = []
    for stored in chosen:
        with ProgressBar(f"Fetching {stored.name} from {share.owner.imtag}", stored.ciphertext_size) as bar:
            written.append(str(sharing.get(share, stored, destination, progress=bar)))
    emit(args, {"share": share.as_json(), "written": written},
         "\n".join(f"Opened {path} (shared by {share.owner.imtag})." for path in written))
