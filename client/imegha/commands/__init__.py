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
import functools
from collections.abc import Callable

from ..platform_api import ApiError


class CommandError(Exception):
    """A refusal to show the person: one line, non-zero exit."""


def refusals_shown(*refusals: type[Exception], api_refusal: str = "refused: {message} (HTTP {status})"):
    """A decorator for command handlers: the SDK's ``refusals`` become their own message as a one-line CLI error,
    an API's refusal becomes ``api_refusal`` (with its ``message`` and ``status``)."""

    def guard(handler: Callable[[argparse.Namespace], None]) -> Callable[[argparse.Namespace], None]:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> None:
            try:
                handler(args)
            except refusals as error:
                raise CommandError(str(error)) from None
            except ApiError as error:
                raise CommandError(api_refusal.format(message=error.message, status=error.status)) from None

        return run

    return guard


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
