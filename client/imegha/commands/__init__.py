"""The `imegha` CLI's command groups. Each module adds its subcommands with ``register(subparsers)``.

Conventions every command follows: ``--profile`` (or IMEGHA_PROFILE) picks the
person, ``--json`` prints one JSON document instead of prose, a refusal is a
``CommandError`` printed as one line on stderr with exit status 1, and secrets
come from a hidden prompt or, with ``--password-stdin``, from standard input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable


class CommandError(Exception):
    """A refusal to show the person: one line, non-zero exit."""


def emit(args: argparse.Namespace, data: object, text: str | Callable[[], str]) -> None:
    if args.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(text() if callable(text) else text)


class SecretReader:
    """Reads secrets in order: hidden prompts on a terminal, or lines of stdin with ``--password-stdin``."""

    def __init__(self, args: argparse.Namespace, *, from_stdin: bool | None = None):
        self.from_stdin = getattr(args, "password_stdin", False) if from_stdin is None else from_stdin

    def read(self, prompt: str, *, confirm: bool = False) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise CommandError(f"standard input ended before: {prompt.rstrip(': ')}")
            return line.rstrip("\n")
        secret = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != secret:
            raise CommandError("the two entries differ")
        return secret
