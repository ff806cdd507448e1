"""Two-step sign-in: mfa status, enable, disable (the code an authenticator app shows, asked for at every sign-in)."""

from __future__ import annotations

import argparse
import sys

from ..mfa import Enrolment, SecondFactor
from . import Handler, SecretReader, Subparsers, emit, say, secrets_from_stdin
from .accounts import account_for, guarded

ENABLED = "Two-step sign-in is on: every sign-in, and every recovery with the 24 words, now asks for your app's code."


def register(subparsers: Subparsers) -> None:
    mfa = subparsers.add_parser(
        "mfa", help="two-step sign-in: your authenticator app's code at every sign-in, besides your password"
    )
    commands = mfa.add_subparsers(dest="mfa_command", metavar="COMMAND", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.set_defaults(handler=handler)
        return parser

    add("status", status_command, "whether sign-in asks for your authenticator app's code")
    enable = add(
        "enable",
        enable_command,
        "turn two-step sign-in on: shows a setup key for your authenticator app, then takes the code it shows "
        "(asked for on a terminal; else, or with --json, finish with --code)",
    )
    enable.add_argument("--code", help="the code your app shows now, to finish the setup 'imegha mfa enable' began")
    disable = add(
        "disable", disable_command, "turn two-step sign-in off: takes your password and the code your app shows now"
    )
    secrets_from_stdin(disable, "your password", "the code your authenticator app shows (unless --code)")
    disable.add_argument("--code", help="the code your authenticator app shows now (else asked for)")


@guarded
def status_command(args: argparse.Namespace) -> None:
    enabled = SecondFactor(account_for(args)).enabled()
    emit(
        args,
        {"enabled": enabled},
        "Two-step sign-in is on: sign-in asks for your authenticator app's code."
        if enabled
        else "Two-step sign-in is off: your password alone signs in ('imegha mfa enable' turns it on).",
    )


@guarded
def enable_command(args: argparse.Namespace) -> None:
    two_step = SecondFactor(account_for(args))
    if args.code:
        two_step.enable(args.code)
        emit(args, {"enabled": True}, ENABLED)
        return
    enrolment = two_step.begin()
    if args.json or not sys.stdin.isatty():
        emit(
            args,
            {"enabled": False, "secret": enrolment.secret, "uri": enrolment.uri},
            lambda: _setup(enrolment) + "\n\nThen run 'imegha mfa enable --code CODE' with the code your app shows.",
        )
        return
    say(_setup(enrolment) + "\n")
    two_step.enable(input("The code your app shows now: "))
    emit(args, {"enabled": True}, ENABLED)


@guarded
def disable_command(args: argparse.Namespace) -> None:
    secrets = SecretReader(args)
    two_step = SecondFactor(account_for(args))
    if two_step.enabled():
        password = secrets.read("Password: ")
        two_step.disable(password, args.code or secrets.read("Code from your authenticator app: "))
        text = "Two-step sign-in is off: your password alone signs in again."
    else:
        text = "Two-step sign-in was off already."
    emit(args, {"enabled": False}, text)


def _setup(enrolment: Enrolment) -> str:
    key = " ".join(enrolment.secret[start : start + 4] for start in range(0, len(enrolment.secret), 4))
    return (
        "Add this setup key to your authenticator app (its 'enter a setup key'), or give the app the URI:\n\n"
        f"  {key}\n  {enrolment.uri}\n\n"
        "Write the key down with your 24-word recovery phrase: it is how a new phone's app gets your codes.\n"
        "Neither the 24 words nor iMegha can turn two-step sign-in off for you."
    )
