"""iMChat: chat send, chat read, chat watch, chat requests (strangers' messages), and notifications (the inbox)."""

from __future__ import annotations

import argparse
import sys
import time

from ..accounts import AccountError
from ..agent import AgentUnavailable
from ..chat import Chat, ChatError, Line
from ..documents import JSONObject
from ..group_chat import Groups
from ..inbox import Inbox, is_request
from ..safe_text import indented, shown
from ..trust import UntrustedPeer
from . import Subparsers, emit, refusals_shown, say
from .accounts import account_for, warned_unverified


def register(subparsers: Subparsers) -> None:
    chat = subparsers.add_parser("chat", help="end-to-end encrypted 1:1 conversations")
    commands = chat.add_subparsers(dest="chat_command", metavar="COMMAND", required=True)

    send = commands.add_parser("send", help="send a message: sealed here, kept in your cloud")
    send.add_argument("imtag", help="whom to send it to")
    send.add_argument("text", help="the message; '-' reads it from standard input")
    send.set_defaults(handler=send_command)

    read = commands.add_parser("read", help="the conversation with someone, both sides in order")
    read.add_argument("imtag", help="whom the conversation is with")
    read.set_defaults(handler=read_command)

    watch = commands.add_parser("watch", help="follow your inbox live, opening each message as it comes")
    watch.add_argument("--count", type=int, help="stop after this many notifications")
    watch.add_argument("--timeout", type=float, help="stop after this many seconds")
    watch.add_argument("--from-start", action="store_true", help="begin with what the inbox holds already")
    watch.set_defaults(handler=watch_command)

    requests = commands.add_parser("requests", help="messages from people you are not connected with, unopened")
    requests.set_defaults(handler=requests_command)

    notifications = subparsers.add_parser("notifications", help="your inbox: who sent or shared what, never content")
    notifications.add_argument("--after", help="only what came after this notification id")
    notifications.set_defaults(handler=notifications_command)
    for command in (send, read, watch, requests):
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


chat_guarded = refusals_shown(AccountError, UntrustedPeer, ChatError, AgentUnavailable)


def chat_for(args: argparse.Namespace) -> Chat:
    return Chat(account_for(args))


def message_text(args: argparse.Namespace) -> str:
    return sys.stdin.read() if args.text == "-" else args.text


def line_text(line: Line) -> str:
    """One message as a person reads it: "10:02:11  Alice: …", any further lines of it indented under the first, so
    that none of them can pass for a line of its own; nothing in it reaches the terminal raw."""
    when = shown(line.sent_at[11:19]) if len(line.sent_at) >= 19 else "--:--:--"
    said = f"{when}  {shown(line.sender)}: "
    if line.refused is not None:
        return f"{said}[refused: {shown(line.refused)}]"
    return said + indented(line.text or "", " " * len(said))


def conversation_text(lines: list[Line], empty: str) -> str:
    return "\n".join(map(line_text, lines)) if lines else empty


def emit_conversation(args: argparse.Namespace, lines: list[Line], unanswered: list[str], empty: str) -> None:
    """The lines read; each cloud that did not answer is named on stderr (its messages are missing, not refused)."""
    for warning in unanswered:
        say(f"imegha: warning: {shown(warning)}; its messages are not shown", file=sys.stderr)
    emit(
        args,
        {"messages": [line.as_json() for line in lines], "unanswered": unanswered},
        lambda: conversation_text(lines, empty),
    )


@chat_guarded
def send_command(args: argparse.Namespace) -> None:
    chat, text = chat_for(args), message_text(args)
    peer = chat.peer(args.imtag)
    unverified = warned_unverified([peer] if peer.user_id != chat.me else [])
    line = chat.send(args.imtag, text)
    emit(
        args,
        line.as_json() | {"unverified": unverified},
        f"Sent to {args.imtag} (sealed on this device, kept in your cloud).",
    )


@chat_guarded
def read_command(args: argparse.Namespace) -> None:
    unanswered: list[str] = []
    lines = chat_for(args).read(args.imtag, unanswered)
    emit_conversation(args, lines, unanswered, f"No messages with {args.imtag} yet.")


@chat_guarded
def watch_command(args: argparse.Namespace) -> None:
    chat = chat_for(args)
    inbox = Inbox(chat, Groups(chat))
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    seen = 0

    def keep_going() -> bool:
        return (args.count is None or seen < args.count) and (deadline is None or time.monotonic() < deadline)

    if not args.json:
        say("Watching your inbox (Ctrl-C stops)…", flush=True)
    for entry, line in inbox.follow(keep_going, from_start=args.from_start):
        seen += 1
        document = {"notification": entry} | ({"message": line.as_json()} if line else {})
        emit(args, document, line_text(line) if line else watch_text(entry))
        sys.stdout.flush()


def watch_text(entry: JSONObject) -> str:
    if is_request(entry):
        return f"a request from {shown(entry['senderTag'])}: 'imegha chat requests' to see it"
    return f"{shown(entry.get('senderTag', 'iMegha'))}: {shown(entry['kind'])}"


@chat_guarded
def requests_command(args: argparse.Namespace) -> None:
    chat = chat_for(args)
    held = Inbox(chat, Groups(chat)).requests()

    def text() -> str:
        if not held:
            return "No requests."
        return "\n".join(
            f"{shown(entry['createdAt'])}  {tag} sent you a message ('imegha chat read {tag}' opens it; "
            f"'imegha connect {tag}' lets them ring)"
            for entry in held
            for tag in [shown(entry["senderTag"])]
        )

    emit(args, {"requests": held}, text)


@chat_guarded
def notifications_command(args: argparse.Namespace) -> None:
    chat = chat_for(args)
    entries, after = Inbox(chat, Groups(chat)).entries(args.after)

    def text() -> str:
        if not entries:
            return "Nothing new."
        return "\n".join(f"{shown(entry['createdAt'])}  {shown(_described(entry))}" for entry in entries)

    emit(args, {"notifications": entries, "next": after}, text)


def _described(entry: JSONObject) -> str:
    if entry["kind"] == "message" and is_request(entry):
        return f"{entry['senderTag']} sent you a message request ({entry['conversationId']}): 'imegha chat requests'"
    if entry["kind"] == "message":
        where = "in a group" if entry["conversationId"].startswith("grp-") else "to you"
        return f"{entry['senderTag']} sent a message {where} ({entry['conversationId']}, #{entry['messageId']})"
    if entry["kind"] == "share":
        return f"{entry['senderTag']} shared something with you ({entry['shareId']})"
    if entry["kind"] == "cloud":
        done = {"deploy": "deployed", "destroy": "deleted"}[entry["action"]]
        return (
            f"your cloud was {done}"
            if entry["status"] == "SUCCEEDED"
            else f"your cloud could not be {done}: 'imegha cloud status' says why"
        ) + f" ({entry['deploymentId']})"
    return f"group {entry['conversationId']} has a new key (epoch {entry['epoch']})"
