"""Files: files put|ls|get|rm|rotate, folders create|ls|rm, albums create|ls|rm|add|remove."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from imegha_crypto import CryptoError, sealed_file_size

from ..accounts import AccountError
from ..agent import AgentUnavailable
from ..library import Collection, FilesError, Library, StoredFile
from ..progress import ProgressBar
from ..safe_text import shown
from ..transfer import TransferError
from ..trust import UntrustedPeer
from . import Handler, Subparsers, emit, refusals_shown
from .accounts import account_for

type Argument = tuple[tuple[str, ...], dict[str, Any]]
"""An argument as ``add_argument`` takes it: its name or flags, and its options."""
type Subcommand = tuple[str, Handler, str, list[Argument]]
"""A subcommand: its name, handler, help, and arguments."""


def subcommands(parser: argparse.ArgumentParser, dest: str, specs: list[Subcommand], required: bool = True) -> None:
    """Add ``(name, handler, help, [(argument, options), …])`` subcommands, each taking --json and --profile too."""
    commands = parser.add_subparsers(dest=dest, metavar="COMMAND" if required else "[COMMAND]", required=required)
    for name, handler, help_text, arguments in specs:
        command = commands.add_parser(name, help=help_text, description=help_text)
        for flags, options in arguments:
            command.add_argument(*flags, **options)
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.set_defaults(handler=handler)


FILE: Argument = (("file",), {"help": "a file's name, or its id (or the start of it)"})
FORCE: Argument = (
    ("--force",),
    {"action": "store_true", "help": "replace a file already there (without it, a download never replaces one)"},
)
FOLDER_OPTION: Argument = (("--folder",), {"help": "the folder (by name or id)"})


def register(subparsers: Subparsers) -> None:
    files = subparsers.add_parser("files", help="your files: sealed on this device, kept in your own cloud")
    subcommands(
        files,
        "files_command",
        [
            (
                "put",
                put_command,
                "upload a file, or resume its interrupted upload",
                [
                    (("path",), {"type": Path, "help": "the file on this device"}),
                    FOLDER_OPTION,
                    (("--name",), {"help": "store it under this name (default: the file's own)"}),
                    (("--replace",), {"action": "store_true", "help": "upload a new version of the file of that name"}),
                    (
                        ("--abort",),
                        {"action": "store_true", "help": "give up the interrupted upload of this path instead"},
                    ),
                ],
            ),
            ("ls", ls_command, "list your files", [FOLDER_OPTION]),
            (
                "get",
                get_command,
                "download and open a file",
                [
                    FILE,
                    FOLDER_OPTION,
                    (
                        ("-o", "--output"),
                        {
                            "type": Path,
                            "default": Path("."),
                            "help": "where to write it (default: here, under its name made a plain one)",
                        },
                    ),
                    FORCE,
                    (
                        ("--version",),
                        {
                            "type": int,
                            "metavar": "N",
                            "help": "that version of the file ('imegha files versions' lists them); an older one "
                            "lands as 'name (vN).ext'",
                        },
                    ),
                ],
            ),
            (
                "versions",
                versions_command,
                "list the versions of a file you can still open: the current one, and each one replaced in the "
                "last 30 days",
                [FILE, FOLDER_OPTION],
            ),
            ("rm", rm_command, "delete a file: its shares are revoked, its ciphertext and records removed", [FILE]),
            ("rotate", rotate_command, "seal a file again under a new key (after revoking a share)", [FILE]),
        ],
    )
    for kind, plural in (("folder", "folders"), ("album", "albums")):
        parser = subparsers.add_parser(plural, help=f"{plural}: shared as a whole by sharing one key")
        new_name: Argument = (("name",), {"help": f"the new {kind}'s name"})
        name: Argument = (("name",), {"help": f"the {kind}'s name or id"})
        specs: list[Subcommand] = [
            ("create", collection_command("create", kind), f"make a {kind}", [new_name]),
            ("ls", collection_command("ls", kind), f"list your {plural}", []),
            (
                "rm",
                collection_command("rm", kind),
                f"delete a {kind}" + (" (once empty)" if kind == "folder" else " (its files stay)"),
                [name]
                + (
                    [(("--with-files",), {"action": "store_true", "help": "delete the files in it too"})]
                    if kind == "folder"
                    else []
                ),
            ),
        ]
        if kind == "album":
            specs += [
                ("add", collection_command("add", kind), "put a file in an album", [name, FILE]),
                ("remove", collection_command("remove", kind), "take a file out of an album", [name, FILE]),
            ]
        subcommands(parser, f"{plural}_command", specs)


files_guarded = refusals_shown(FilesError, AccountError, UntrustedPeer, AgentUnavailable, TransferError, CryptoError)


def library_for(args: argparse.Namespace) -> Library:
    return Library(account_for(args))


def _size(count: int) -> str:
    return (
        f"{count:,} B"
        if count < 10_000
        else f"{count / 1024**2:,.1f} MiB"
        if count >= 1024**2
        else f"{count / 1024:,.1f} KiB"
    )


def file_lines(files: list[StoredFile], folders: dict[str, str]) -> str:
    if not files:
        return "No files yet: 'imegha files put <path>'."
    return "\n".join(
        shown(
            f"{f.name:<32} {_size(f.size) if f.size >= 0 else '?':>12}  v{f.version:<3} "
            f"{folders.get(f.folder_id, '') if f.folder_id else '':<16} {f.file_id}"
        )
        + (f"\n  WARNING: {shown(f.problem)}" if f.problem else "")
        for f in sorted(files, key=lambda f: (f.name.casefold(), f.file_id))
    )


@files_guarded
def put_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    if args.abort:
        aborted = library.abort(args.path)
        emit(
            args,
            {"path": str(args.path), "aborted": aborted},
            f"Gave up the upload of {args.path}; nothing of it is left."
            if aborted
            else f"No interrupted upload of {args.path}.",
        )
        return
    folder = library.collection("folder", args.folder) if args.folder else None
    replaced = library.find(args.name or args.path.name, folder) if args.replace else None
    size = args.path.stat().st_size if args.path.is_file() else 0
    resumed: list[int] = []
    with ProgressBar(f"Sealing and sending {args.path.name}", sealed_file_size(size)) as bar:
        stored = library.put(
            args.path,
            name=args.name,
            folder=folder,
            replace=replaced,
            progress=bar,
            on_resume=lambda done, total: resumed.append(done),
        )
    note = f" (resumed after {_size(resumed[0])} already in your cloud)" if resumed else ""
    emit(
        args,
        stored.as_json() | {"resumedAt": resumed[0] if resumed else None},
        f"Stored {stored.name} ({_size(stored.size)}), version {stored.version}, id {stored.file_id}{note}.",
    )


@files_guarded
def ls_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    folder = library.collection("folder", args.folder) if args.folder else None
    files = library.files(folder)
    folders = {c.collection_id: c.name for c in library.collections("folder")}
    emit(
        args,
        {"files": [f.as_json() | {"folder": folders.get(f.folder_id) if f.folder_id else None} for f in files]},
        lambda: file_lines(files, folders),
    )


def _find(library: Library, args: argparse.Namespace) -> StoredFile:
    folder = library.collection("folder", args.folder) if getattr(args, "folder", None) else None
    return library.find(args.file, folder)


@files_guarded
def get_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    stored = _find(library, args)
    with ProgressBar(f"Fetching and opening {stored.name}", stored.ciphertext_size) as bar:
        written = library.get(stored, args.output, progress=bar, replace=args.force, version=args.version)
    version = args.version or stored.version
    emit(
        args,
        stored.as_json() | {"version": version, "current": version == stored.version, "path": str(written)},
        f"Opened {stored.name}" + (f", version {version}," if args.version else "") + f" into {written}.",
    )


@files_guarded
def versions_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    versions = library.versions(_find(library, args))
    emit(args, {"versions": [v.as_json() for v in versions]}, lambda: version_lines(versions))


def version_lines(versions: list[StoredFile]) -> str:
    return "\n".join(
        shown(
            f"v{v.version:<4} {_size(v.size) if v.size >= 0 else '?':>12}  {v.updated_at or '':<26} "
            + ("current" if v.kept_until is None else f"kept until {v.as_json()['keptUntil']}")
            + f"  {v.name}"
        )
        + (f"\n  WARNING: {shown(v.problem)}" if v.problem else "")
        for v in versions
    )


@files_guarded
def rm_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    stored = _find(library, args)
    deleted = library.delete(stored)
    revoked = len(deleted["revokedShares"])
    emit(
        args,
        deleted | {"name": stored.name},
        f"Deleted {stored.name}: its ciphertext ({deleted['objectVersionsRemoved']} object versions) and records are "
        f"gone" + (f", and {revoked} share{'s' if revoked != 1 else ''} revoked." if revoked else "."),
    )


@files_guarded
def rotate_command(args: argparse.Namespace) -> None:
    library = library_for(args)
    stored = _find(library, args)
    with ProgressBar(f"Sealing {stored.name} again", stored.ciphertext_size) as bar:
        rotated = library.rotate(stored, progress=bar)
    emit(
        args,
        rotated.as_json(),
        f"{stored.name} is sealed under a new key as version {rotated.version}; "
        "a key kept from before opens nothing new.",
    )


def collection_command(action: str, kind: str) -> Handler:
    @files_guarded
    def run(args: argparse.Namespace) -> None:
        library = library_for(args)
        if action == "create":
            created = library.create(kind, args.name)
            emit(args, created.as_json(), f"Made the {kind} {created.name} ({created.collection_id}).")
            return
        if action == "ls":
            listed = library.collections(kind)
            emit(
                args,
                {f"{kind}s": [c.as_json() for c in listed]},
                lambda: "\n".join(shown(f"{c.name:<32} {c.collection_id}") for c in listed) or f"No {kind}s yet.",
            )
            return
        collection: Collection = library.collection(kind, args.name)
        if action == "rm":
            removed = library.remove(collection, with_files=getattr(args, "with_files", False))
            emit(args, removed | {"name": collection.name}, f"Deleted the {kind} {collection.name}.")
            return
        stored = library.find(args.file)
        if action == "add":
            library.add_to_album(collection, stored)
            emit(args, {"album": collection.name, "fileId": stored.file_id}, f"{stored.name} is in {collection.name}.")
        else:
            library.remove_from_album(collection, stored)
            emit(
                args,
                {"album": collection.name, "fileId": stored.file_id, "removed": True},
                f"{stored.name} is out of {collection.name}.",
            )

    return run
