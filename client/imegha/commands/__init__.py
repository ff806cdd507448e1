"""The `imegha` CLI's command groups. Each module adds its subcommands with ``register(subparsers)``.

Conventions every command follows: ``--profile`` (or IMEGHA_PROFILE) picks the
person, ``--json`` prints one JSON document instead of prose, prose goes through
``say`` (text from others cannot reach the terminal raw), a failure is one
line on stderr (with ``--json``, one JSON document) and one of the exit statuses
in ``OUTCOMES``: a refusal is a ``CommandError``, input the command cannot take
a ``BadInput``. Secrets come from a hidden prompt on a terminal or, with
``--password-stdin``, from the lines of standard input the command names.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from ..platform_api import ApiError
from ..safe_text import json_shown, screened

type Handler = Callable[[argparse.Namespace], None]
"""What runs a command, given its parsed arguments."""
type Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
"""Where each command module adds its commands (``register``)."""


@dataclass(frozen=True)
class Outcome:
    """How a command ended: its exit status and the stable code ``--json`` names a failure by."""

    code: str
    status: int
    meaning: str


REFUSED = Outcome("refused", 1, "refused: the platform, a cloud or Cognito said no, or a check on this device failed")
BAD_INPUT = Outcome("bad_input", 2, "bad input: a usage error, or input the command cannot take")
UNREACHABLE = Outcome("unreachable", 3, "cannot reach the server: no local cloud running, a wrong endpoint, no network")
INTERRUPTED = Outcome("interrupted", 130, "interrupted (Ctrl-C)")
OUTCOMES = (REFUSED, BAD_INPUT, UNREACHABLE, INTERRUPTED)


class CommandError(Exception):
    """A refusal to show the person: one line, exit status 1; ``details`` go into the ``--json`` document."""

    outcome = REFUSED

    def __init__(self, message: str, **details: object):
        super().__init__(message)
        self.details = details


class BadInput(CommandError):
    """The person's own input is what is wrong (a malformed value, options that do not go together, a missing line):
    exit status 2, as for argparse's usage errors."""

    outcome = BAD_INPUT


def refusals_shown(
    *refusals: type[Exception], api_refusal: str = "refused: {message} (HTTP {status})"
) -> Callable[[Handler], Handler]:
    """A decorator for command handlers: the SDK's ``refusals`` become their own message as a one-line CLI error (bad
    input if the refusal is also a ``ValueError``: the value given was wrong), an API's refusal becomes
    ``api_refusal`` (with its ``message`` and ``status``)."""

    def guard(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> None:
            try:
                handler(args)
            except refusals as error:
                raise (BadInput if isinstance(error, ValueError) else CommandError)(str(error)) from None
            except ApiError as error:
                message = api_refusal.format(message=error.message, status=error.status)
                raise CommandError(message, status=error.status) from None

        return run

    return guard


def emit(args: argparse.Namespace, data: object, text: str | Callable[[], str]) -> None:
    """The command's output: ``data`` as JSON with ``--json`` (exact), else ``text`` for a person (:func:`say`)."""
    if args.json:
        print(json_shown(json.dumps(data, indent=2, ensure_ascii=False)))
    else:
        say(text() if callable(text) else text)


def say(text: str, *, file: TextIO | None = None, flush: bool = False) -> None:
    """Print human output: every control, escape sequence and bidi control in it shown as an escape, whatever part
    of it came from someone else (a value that must stay on its line is :func:`~imegha.safe_text.shown` first)."""
    print(screened(text), file=file or sys.stdout, flush=flush)


def secrets_from_stdin(parser: argparse.ArgumentParser, *lines: str) -> None:
    """Give a command ``--password-stdin``, reading ``lines`` (what each line holds, in order) from standard input."""
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the secrets from standard input, not a terminal: {_on_lines(lines)}",
    )
    parser.set_defaults(secret_lines=lines)


def _on_lines(lines: tuple[str, ...]) -> str:
    return " and ".join(f"{line} on line {number}" for number, line in enumerate(lines, 1))


class SecretReader:
    """Reads secrets in order: hidden prompts on a terminal, or lines of stdin with ``--password-stdin``.

    Without ``--password-stdin``, standard input must be a terminal: a secret piped in would otherwise be read, or
    not, depending on whether the process still has a terminal to prompt on."""

    def __init__(self, args: argparse.Namespace):
        self.from_stdin = args.password_stdin
        if not self.from_stdin and not sys.stdin.isatty():
            raise BadInput(
                "standard input is not a terminal: pass --password-stdin and give " + _on_lines(args.secret_lines)
            )

    def read(self, prompt: str, *, confirm: bool = False, optional: bool = False) -> str:
        """The next secret; an ``optional`` one (asked for only in some cases) is '' where standard input ended."""
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line and not optional:
                raise BadInput(f"standard input ended before: {prompt.rstrip(': ')}")
            return line.rstrip("\n")
        secret = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != secret:
            raise BadInput("the two entries differ")
        return secret
