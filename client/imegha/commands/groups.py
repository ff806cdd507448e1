"""Group chats: group create, add, remove, ls, send, read."""

from __future__ import annotations

import argparse

from ..group_chat import Groups, GroupView
from ..safe_text import shown
from . import Handler, Subparsers, emit
from .accounts import warned_unverified
from .chat import chat_for, chat_guarded, emit_conversation, message_text


def register(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("group", help="end-to-end encrypted group chats")
    commands = group.add_subparsers(dest="group_command", metavar="COMMAND", required=True)

    def add(name: str, handler: Handler, help_text: str, *arguments: tuple[str, str]) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        for argument, argument_help in arguments:
            parser.add_argument(argument, help=argument_help)
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.set_defaults(handler=handler)
        return parser

    GROUP = ("group", "the group's name or id")
    create = add("create", create_command, "make a group: its key is made on this device", ("name", "the group's name"))
    create.add_argument("--members", required=True, help="their iMTags, separated by commas")
    add(
        "add",
        add_command,
        "add a member (admin): they get the current key, not the history",
        GROUP,
        ("imtag", "who joins"),
    ).add_argument(
        "--with-history", action="store_true", help="also give them the earlier keys you hold, so they read the history"
    )
    add(
        "remove",
        remove_command,
        "remove a member (admin): the group moves to a new key",
        GROUP,
        ("imtag", "who leaves"),
    )
    add("accept", accept_command, "accept a group you were added to: its messages ring you from now on", GROUP)
    add("ls", list_command, "your groups")
    add(
        "send",
        send_command,
        "send to the group: sealed here, kept in your cloud",
        GROUP,
        ("text", "the message; '-' reads it from standard input"),
    )
    add("read", read_command, "the group's messages you may read, in order", GROUP)


def _described(view: GroupView) -> str:
    """A group on one line; its name and tags are others' text, shown escaped."""
    key = f"epoch {view.epoch}" + (", awaiting its key" if view.needs_new_key else "")
    departed = view.summary()["departed"]
    gone = f"; left iMegha: {', '.join(departed)} (the admin's next message removes them)" if departed else ""
    return shown(
        f"{view.name or '(name not readable)'}  [{view.group_id}]  admin {view.tags.get(view.admin, view.admin)}, "
        f"{len(view.members)} members: {', '.join(sorted(view.tags[m] for m in view.members))}; {key}{gone}"
    )


@chat_guarded
def create_command(args: argparse.Namespace) -> None:
    tags = [tag.strip() for tag in args.members.split(",") if tag.strip()]
    chat = chat_for(args)
    # The group's key is wrapped for each member's key: said first, for each never verified.
    unverified = warned_unverified(peer for peer in map(chat.peer, dict.fromkeys(tags)) if peer.user_id != chat.me)
    view = Groups(chat).create(args.name, tags)
    emit(args, view.summary() | {"unverified": unverified}, f"Group created: {_described(view)}")


@chat_guarded
def add_command(args: argparse.Namespace) -> None:
    chat = chat_for(args)
    unverified = warned_unverified([chat.peer(args.imtag)])
    view = Groups(chat).add(args.group, args.imtag, with_history=args.with_history)
    history = " with the history" if args.with_history else ""
    emit(
        args,
        view.summary() | {"added": args.imtag, "withHistory": args.with_history, "unverified": unverified},
        f"{args.imtag} added{history}: {_described(view)}",
    )


@chat_guarded
def remove_command(args: argparse.Namespace) -> None:
    view = Groups(chat_for(args)).remove(args.group, args.imtag)
    emit(
        args,
        view.summary() | {"removed": args.imtag},
        f"{args.imtag} removed, with a new key they do not have: {_described(view)}",
    )


@chat_guarded
def accept_command(args: argparse.Namespace) -> None:
    view = Groups(chat_for(args)).accept(args.group)
    emit(args, view.summary() | {"invited": False}, f"Accepted: {_described(view)}")


@chat_guarded
def list_command(args: argparse.Namespace) -> None:
    groups = Groups(chat_for(args))
    views, invited = groups.list(), groups.invitations()

    def described(view: GroupView) -> str:
        return _described(view) + (" (an invitation: 'imegha group accept')" if view.group_id in invited else "")

    emit(
        args,
        {"groups": [view.summary() | {"invited": view.group_id in invited} for view in views]},
        lambda: "\n".join(map(described, views)) if views else "No groups yet: 'imegha group create'.",
    )


@chat_guarded
def send_command(args: argparse.Namespace) -> None:
    line = Groups(chat_for(args)).send(args.group, message_text(args))
    emit(args, line.as_json(), f"Sent to the group (epoch {line.epoch}).")


@chat_guarded
def read_command(args: argparse.Namespace) -> None:
    unanswered: list[str] = []
    lines = Groups(chat_for(args)).read(args.group, unanswered)
    emit_conversation(args, lines, unanswered, "No messages you may read yet.")
