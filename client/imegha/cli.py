"""`imegha`: the command line a person uses. All crypto happens in this process or its key agent."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import sys
from typing import NoReturn
from urllib.parse import urlsplit

from .commands import INTERRUPTED, OUTCOMES, UNREACHABLE, BadInput, CommandError, Outcome, say
from .endpoints import Endpoints, EndpointsNotFound, Unreachable, endpoints_file
from .safe_text import json_shown, shown

# Each module adds its own subcommands; see imegha/commands/__init__.py for the conventions.
COMMAND_MODULES = (
    "accounts",
    "account",
    "mfa",
    "devices",
    "local",
    "cloud",
    "chat",
    "groups",
    "files",
    "sharing",
    "audit",
    "export",
    "cloud_profile",
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UsageError(BadInput):
    """What argparse refuses, raised rather than printed, so that ``main`` shows it as it shows every failure."""

    def __init__(self, prog: str, reason: str, usage: str):
        super().__init__(f"{prog}: {reason}", usage=usage)
        self.prog, self.reason, self.usage = prog, reason, usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message, self.format_usage())


def _epilog() -> str:
    statuses = "\n".join(f"  {outcome.status:<4} {outcome.meaning}" for outcome in OUTCOMES)
    codes = " | ".join(f'"{outcome.code}"' for outcome in OUTCOMES)
    return (
        f"exit status:\n  0    done\n{statuses}\n\n"
        f"With --json, a failure is one JSON document on stderr:\n"
        f'  {{"error": {codes}, "message": "...", ...}}\n'
        f'  with "url" when a server cannot be reached and "status" when one refused over HTTP.'
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="imegha",
        description="iMegha: your files and conversations, in your own cloud.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imegha {importlib.metadata.version('imegha')}")
    parser.add_argument("--profile", help="whose session to use (default: $IMEGHA_PROFILE or 'default')")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON (failures too, on stderr)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f".commands.{name}", __package__).register(subparsers)
    for subcommand in subparsers.choices.values():
        # Accepted after the command too ("imegha connections --json"); SUPPRESS keeps the global value otherwise.
        subcommand.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        subcommand.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def advice(url: str) -> str:
    """What to do about a server at ``url`` that does not answer."""
    told = (
        "is the local cloud running? start it with 'imegha local up'"
        if urlsplit(url).hostname in LOOPBACK
        else "check your network connection"
    )
    configured = endpoints_file()
    if configured is not None and url in Endpoints.from_file(configured).origins:
        told += f", or check the endpoints in {configured}"
    return told


def failure(
    error: CommandError | Unreachable | EndpointsNotFound | KeyboardInterrupt,
) -> tuple[Outcome, str, dict[str, object]]:
    """How a failure is shown: its outcome, its one-line message, and what else ``--json`` says of it."""
    if isinstance(error, Unreachable):
        return UNREACHABLE, f"{error}: {advice(error.url)}", {"url": error.url}
    if isinstance(error, EndpointsNotFound):
        return UNREACHABLE, str(error), {"url": None}
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, "interrupted", {}
    return error.outcome, str(error), error.details


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv  # until the arguments are parsed: a usage error is shown as asked, too
    try:
        args = build_parser().parse_args(argv)
        as_json = args.json
        args.handler(args)
    except (CommandError, Unreachable, EndpointsNotFound, KeyboardInterrupt) as error:
        outcome, message, details = failure(error)
        if as_json:
            document = {"error": outcome.code, "message": message} | details
            print(json_shown(json.dumps(document, ensure_ascii=False)), file=sys.stderr)
        elif isinstance(error, UsageError):
            say(f"{error.usage}{error.prog}: error: {shown(error.reason)}", file=sys.stderr)
        else:
            say(f"imegha: {shown(message)}", file=sys.stderr)
        return outcome.status
    return 0


if __name__ == "__main__":
    sys.exit(main())
