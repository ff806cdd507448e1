"""``imegha profile``: your display name, bio, phone and picture, kept in your own cloud and shared with your
connections, never on the platform (imegha/cloud_profile.py)."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

from ..cloud_profile import CloudProfile, ProfileError, described, summary
from ..library import FilesError
from . import Subparsers, emit, refusals_shown
from .accounts import account_for

guarded = refusals_shown(ProfileError, FilesError, api_refusal="refused: {message} (HTTP {status})")


def register(subparsers: Subparsers) -> None:
    profile = subparsers.add_parser(
        "profile", help="your profile (name, bio, phone, picture): in your cloud, for your connections only"
    )
    commands = profile.add_subparsers(dest="profile_command", metavar="COMMAND", required=True)
    change = commands.add_parser(
        "set",
        help="change your profile ('' clears a field); it is sealed in your cloud and shared with your connections",
    )
    change.add_argument("--display-name", help="the name your connections see (at most 64 characters)")
    change.add_argument("--bio", help="a few words about you (at most 500 characters)")
    change.add_argument("--phone", help="a phone number for your connections (at most 32 characters)")
    change.add_argument("--picture", type=Path, help="a .png, .jpg or .webp of at most 256 KiB")
    change.set_defaults(handler=set_command)
    show = commands.add_parser("show", help="your profile, as your cloud keeps it")
    show.add_argument("--save-picture", type=Path, help="also write the picture to this file")
    show.set_defaults(handler=show_command)
    for command in (change, show):
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


@guarded
def set_command(args: argparse.Namespace) -> None:
    document = CloudProfile(account_for(args)).set(
        display_name=args.display_name, bio=args.bio, phone=args.phone, picture=args.picture
    )
    emit(args, summary(document), f"Profile kept in your cloud, for your connections: {described(document)}")


@guarded
def show_command(args: argparse.Namespace) -> None:
    document = CloudProfile(account_for(args)).mine()
    if document and args.save_picture and "picture" in document:
        args.save_picture.write_bytes(base64.b64decode(document["picture"]["data"]))
    emit(args, summary(document) if document else None, described(document))
