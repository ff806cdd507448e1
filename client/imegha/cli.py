"""`imegha`: the command line a person uses. All crypto happens in this process or its key agent."""

from __future__ import annotations

import argparse
import importlib
import sys

from .commands import CommandError

# Each module adds its own subcommands; see imegha/commands/__init__.py for the conventions.
COMMAND_MODULES = ("accounts", "devices", "local", "cloud", "chat", "groups", "files", "sharing", "audit")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imegha", description="iMegha: your files and conversations, in your own cloud.")
    parser.add_argument("--profile", help="whose session to use (default: $IMEGHA_PROFILE or 'default')")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f".commands.{name}", __package__).register(subparsers)
    for subcommand in subparsers.choices.values():
        # Accepted after the command too ("imegha connections --json"); SUPPRESS keeps the global value otherwise.
        subcommand.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        subcommand.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CommandError as error:
        print(f"imegha: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("imegha: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
