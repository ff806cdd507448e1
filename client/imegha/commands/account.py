"""The account itself: ``imegha account delete``, leaving iMegha."""

from __future__ import annotations

import argparse
import sys

from ..personal_cloud import PersonalCloud
from ..safe_text import shown
from . import BadInput, CommandError, Subparsers, emit, say
from .accounts import account_for, guarded


def register(subparsers: Subparsers) -> None:
    account = subparsers.add_parser("account", help="your account on the platform: leave iMegha")
    commands = account.add_subparsers(dest="account_command", metavar="COMMAND", required=True)
    text = (
        "delete your account: the platform forgets you (directory entry, connections, group memberships, inbox, "
        "devices, deployment records, sign-in); your iMTag is held 30 days, then free; your own cloud stays in your "
        "AWS account (run 'imegha cloud destroy' first to remove it). Signed by your identity key"
    )
    delete = commands.add_parser("delete", help=text, description=text)
    delete.add_argument(
        "--confirm", metavar="IMTAG", help="your iMTag, typed exactly, to confirm without a prompt (for scripts)"
    )
    delete.add_argument(
        "--destroy-cloud",
        action="store_true",
        help="first delete your cloud from your AWS account, with every file and message in it (as 'imegha cloud "
        "destroy --yes'), then your account; without it your cloud stays yours",
    )
    delete.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    delete.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    delete.set_defaults(handler=delete_command)


@guarded
def delete_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    session = account.session
    cloud_url = account.platform().me().get("cloudUrl")
    typed = args.confirm
    if typed is None:
        if not sys.stdin.isatty():
            raise BadInput("standard input is not a terminal: confirm with --confirm YOUR_IMTAG")
        say(
            f"This deletes the account {shown(session.imtag)} ({shown(session.email)}) on the iMegha platform for "
            "good: your connections and groups lose you, and no device can sign in to it again."
            + (
                f"\nYour cloud ({shown(cloud_url)}) "
                + ("is deleted first, with everything in it." if args.destroy_cloud else "stays in your AWS account.")
                if cloud_url
                else ""
            )
        )
        typed = input(f"Type your iMTag ({shown(session.imtag)}) to delete your account: ").strip()
    if typed != session.imtag:
        raise CommandError(f"{typed!r} is not your iMTag ({session.imtag}): nothing was deleted")
    destroyed_cloud = bool(args.destroy_cloud and cloud_url)
    if destroyed_cloud:
        cloud = PersonalCloud(account)
        destroyed = cloud.follow(cloud.request("destroy")["deploymentId"])
        if destroyed["status"] != "SUCCEEDED":
            raise CommandError(
                f"your cloud could not be deleted ({destroyed.get('error') or destroyed['status']}): your account "
                "is not deleted either; 'imegha cloud status' says more"
            )
        cloud_url = None
    deleted = account.delete(typed)
    stays = (
        f" Your cloud stays in your own AWS account, with everything in it: keep it, or delete its CloudFormation "
        f"stack to remove it ({shown(cloud_url)})."
        if cloud_url
        else ""
    )
    emit(
        args,
        deleted | {"cloudUrl": cloud_url, "cloudDestroyed": destroyed_cloud},
        f"Account {shown(session.imtag)} deleted: the platform holds nothing of you now, and the iMTag is held until "
        f"{deleted['iMTagHeldUntil']}, then free for anyone." + stays,
    )
