"""Sharing: share add|ls|revoke (what you share), shared [ls|get] (what your connections share with you)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..library import Collection, FilesError, StoredFile, download_path, refuse_existing
from ..progress import ProgressBar
from ..safe_text import file_name, shown
from ..sharing import Sharing
from . import BadInput, Subparsers, emit, say
from .accounts import account_for, warned_unverified
from .files import FORCE, Argument, files_guarded, subcommands

KINDS = ("file", "folder", "album")
KIND: Argument = (("--kind",), {"choices": KINDS, "default": "file", "help": "what NAME is (default: a file)"})
FROM: dict[str, Any] = {"dest": "owner", "metavar": "IMTAG", "help": "only what this connection shares"}
# Accepted after the command too ("imegha shared get X --from Bob"); SUPPRESS keeps a value given before it.
FROM_AFTER: Argument = (("--from",), FROM | {"default": argparse.SUPPRESS})
SHARE = {"metavar": "SHARE", "help": "a share's id, or the name of what is shared"}


def register(subparsers: Subparsers) -> None:
    share = subparsers.add_parser(
        "share",
        help="share a file, folder or album with a connection; list and revoke your shares",
        description="Share a file, folder or album with a connection: only its key travels, wrapped for them; "
        "the bytes stay in your cloud.",
    )
    subcommands(
        share,
        "share_command",
        [
            (
                "add",
                add_command,
                "share a file, folder or album with a connection",
                [
                    (
                        ("name",),
                        {"metavar": "NAME", "help": "the file's name or id (or the folder's or album's, with --kind)"},
                    ),
                    (("--with",), {"dest": "imtag", "required": True, "help": "the connection to share with"}),
                    KIND,
                ],
            ),
            ("ls", ls_command, "what you share, and with whom", []),
            (
                "revoke",
                revoke_command,
                "take a share back: the recipient's next request is refused",
                [
                    (
                        ("name",),
                        {"nargs": "?", "metavar": "NAME", "help": "what you shared (with --with); none with --id"},
                    ),
                    (("--with",), {"dest": "imtag", "help": "the connection to revoke it from"}),
                    (("--id",), {"dest": "share_id", "help": "the share's id instead ('imegha share ls' lists them)"}),
                    KIND,
                    (
                        ("--rotate",),
                        {
                            "action": "store_true",
                            "help": "then seal the file again under a new key, so a key kept from before opens nothing",
                        },
                    ),
                ],
            ),
        ],
    )

    shared = subparsers.add_parser(
        "shared",
        help="what your connections share with you; 'shared ls SHARE', 'shared get SHARE'",
        description="What your connections share with you; with a command, the files in a share or the files "
        "themselves.",
    )
    shared.add_argument("--from", **FROM)
    shared.set_defaults(handler=received_command, share=None)
    subcommands(
        shared,
        "shared_command",
        [
            (
                "ls",
                received_command,
                "the files in something shared with you (without SHARE: what is shared with you)",
                [
                    (("share",), {"nargs": "?"} | SHARE),
                    FROM_AFTER,
                ],
            ),
            (
                "get",
                get_command,
                "fetch what is shared with you and open it here",
                [
                    (("share",), SHARE),
                    FROM_AFTER,
                    (("--file",), {"help": "which file of a shared folder or album (default: all of them)"}),
                    (
                        ("-o", "--output"),
                        {
                            "type": Path,
                            "default": Path("."),
                            "help": "where to write (default: here, under the name listed made a plain one)",
                        },
                    ),
                    FORCE,
                ],
            ),
        ],
        required=False,
    )


def _target(sharing: Sharing, kind: str, name: str) -> StoredFile | Collection:
    library = sharing.library
    return library.find(name) if kind == "file" else library.collection(kind, name)


@files_guarded
def add_command(args: argparse.Namespace) -> None:
    sharing = Sharing(account_for(args))
    target = _target(sharing, args.kind, args.name)
    recipient = sharing.recipient(args.imtag)
    unverified = warned_unverified([recipient])
    shared = sharing.share(target, recipient) | {"unverified": unverified}
    trust = (
        "verified"
        if shared["verified"]
        else "not yet verified: compare safety codes with 'imegha verify " + shared["with"] + "'"
    )
    emit(
        args,
        shared,
        f"Shared {args.kind} {args.name} with {shared['with']} (share {shared['shareId']}). Their key "
        f"{shared['recipientKey']} is {trust}."
        + ("" if shared["notified"] else " (The platform could not notify them yet.)"),
    )


@files_guarded
def ls_command(args: argparse.Namespace) -> None:
    listed = Sharing(account_for(args)).shares()
    emit(
        args,
        {"shares": listed},
        lambda: (
            "\n".join(shown(f"{s['kind']:<7} {s['id']:<24} with {s['with']:<20} {s['shareId']}") for s in listed)
            or "You share nothing."
        ),
    )


@files_guarded
def revoke_command(args: argparse.Namespace) -> None:
    if (args.share_id is None) == (args.name is None) or (args.name is None) != (args.imtag is None):
        raise BadInput("imegha share revoke NAME --with IMTAG, or imegha share revoke --id SHARE_ID")
    if args.rotate and (args.share_id or args.kind != "file"):
        raise BadInput("--rotate seals a file again: name the file and --with, not a share id")
    sharing = Sharing(account_for(args))
    target = None
    if args.share_id:
        revoked = [sharing.revoke(args.share_id)["shareId"]]
    else:
        target = _target(sharing, args.kind, args.name)
        target_id = target.file_id if isinstance(target, StoredFile) else target.collection_id
        revoked = sharing.revoke_with(target_id, args.imtag)
    rotated = None
    if args.rotate and isinstance(target, StoredFile):  # --rotate names a file (checked above)
        with ProgressBar(f"Sealing {target.name} again", target.ciphertext_size) as bar:
            rotated = sharing.library.rotate(target, progress=bar)
    emit(
        args,
        {"revoked": revoked, "rotatedToVersion": rotated and rotated.version},
        f"Revoked {', '.join(revoked)}: the recipient's next request is refused."
        + (f" The file is sealed under a new key as version {rotated.version}." if rotated else ""),
    )


@files_guarded
def received_command(args: argparse.Namespace) -> None:
    """What is shared with this person; with a SHARE, the files in it."""
    sharing = Sharing(account_for(args))
    if args.share is None:
        shares, warnings = sharing.received(args.owner)
        for warning in warnings:
            say(f"imegha: {shown(warning)}", file=sys.stderr)
        emit(
            args,
            {"shares": [s.as_json() for s in shares], "warnings": warnings},
            lambda: (
                "\n".join(shown(f"{s.kind:<7} {s.name:<32} from {s.owner.imtag:<20} {s.share_id}") for s in shares)
                or "Nothing is shared with you."
            ),
        )
        return
    share = sharing.find(args.share, args.owner)
    files = sharing.files_in(share)
    emit(
        args,
        {"share": share.as_json(), "files": [f.as_json() for f in files]},
        lambda: (
            "\n".join(shown(f"{f.name:<32} {f.size:>12,} B  {f.file_id}") for f in files)
            or f"{shown(share.name)} is empty."
        ),
    )


@files_guarded
def get_command(args: argparse.Namespace) -> None:
    sharing = Sharing(account_for(args))
    share = sharing.find(args.share, args.owner)
    chosen = [f for f in sharing.files_in(share) if args.file in (None, f.name, f.file_id)]
    if not chosen:
        raise FilesError(f"{share.name} holds no file named {args.file!r}")
    into_folder = len(chosen) > 1 or share.kind != "file" and args.file is None
    destination = download_path(args.output, share.name) if into_folder else args.output
    targets = [destination / file_name(f.name) if into_folder else download_path(destination, f.name) for f in chosen]
    if len(set(targets)) < len(targets):
        raise FilesError(
            f"{share.name} holds files whose names would be written as one: fetch them one at a time "
            "(--file ID -o PATH)"
        )
    if not args.force:
        refuse_existing(targets)  # before anything is fetched or made: all of it, or nothing
    if into_folder:
        try:
            destination.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise FilesError(f"{destination} is a file: -o names the directory {share.name}'s files go in") from None
    written = []
    for stored in chosen:
        with ProgressBar(f"Fetching {stored.name} from {share.owner.imtag}", stored.ciphertext_size) as bar:
            written.append(str(sharing.get(share, stored, destination, progress=bar, replace=args.force)))
    emit(
        args,
        {"share": share.as_json(), "written": written},
        "\n".join(shown(f"Opened {path} (shared by {share.owner.imtag}).") for path in written),
    )
