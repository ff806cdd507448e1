"""The command line as a newcomer meets it: --version, exit statuses the help documents, failures as one line (or one
JSON document with --json), help for every argument, and secrets that say which lines of stdin they read."""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json

import pytest

from imegha import cli
from imegha.commands import OUTCOMES, BadInput, CommandError, refusals_shown
from imegha.commands import accounts as account_commands
from imegha.endpoints import Unreachable
from imegha.platform_api import ApiError

# What --password-stdin reads after the other secrets, where two-step sign-in may ask for a code.
TWO_STEP = " and the code your authenticator app shows (if two-step sign-in is on) on line"


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def failing_whoami(monkeypatch, error: BaseException) -> None:
    def whoami(args: argparse.Namespace) -> None:
        raise error

    monkeypatch.setattr(account_commands, "whoami_command", whoami)


def parsers(parser: argparse.ArgumentParser):
    """The parser and every subcommand's, however deep."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from parsers(child)


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"imegha {importlib.metadata.version('imegha')}\n"


def test_the_help_documents_each_exit_status_and_its_json_code(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out

    assert len({outcome.status for outcome in OUTCOMES} | {0}) == len(OUTCOMES) + 1
    for outcome in OUTCOMES:
        assert f"  {outcome.status:<4} {outcome.meaning}" in shown
        assert f'"{outcome.code}"' in shown


@pytest.mark.parametrize(
    ("error", "status", "document"),
    [
        (
            CommandError("the platform refused: no such device", status=404),
            1,
            {"error": "refused", "message": "the platform refused: no such device", "status": 404},
        ),
        (
            BadInput("a password has at least 12 characters"),
            2,
            {"error": "bad_input", "message": "a password has at least 12 characters"},
        ),
        (KeyboardInterrupt(), 130, {"error": "interrupted", "message": "interrupted"}),
    ],
)
def test_each_failure_ends_with_its_status_as_one_line_or_one_json_document(
    capsys, monkeypatch, error, status, document
):
    failing_whoami(monkeypatch, error)

    assert run(capsys, "whoami") == (status, "", f"imegha: {document['message']}\n")
    assert run(capsys, "whoami", "--json") == (status, "", json.dumps(document) + "\n")


def test_a_refusal_carrying_someone_elses_text_is_one_line_escaped_and_exact_in_json(capsys, monkeypatch):
    message = "nothing named 'ok\nimegha: done' \x1b]0;retitled\x07 \u202egnp.exe"
    failing_whoami(monkeypatch, CommandError(message))

    status, out, err = run(capsys, "whoami")
    _, _, document = run(capsys, "whoami", "--json")

    assert (status, out) == (1, "")
    assert err == "imegha: nothing named 'ok\\nimegha: done' \\x1b]0;retitled\\x07 \\u202egnp.exe\n"
    assert json.loads(document)["message"] == message and not {"\x1b", "\x07", "\u202e"} & set(document)


def test_a_server_that_does_not_answer_is_named_with_what_to_do(capsys, monkeypatch, tmp_path):
    endpoints = tmp_path / "endpoints.json"
    endpoints.write_text(
        json.dumps(
            {
                "platform_api_url": "http://127.0.0.1:9/prod",
                "region": "us-east-1",
                "user_pool_id": "pool",
                "user_pool_client_id": "app",
            }
        )
    )
    monkeypatch.setenv("IMEGHA_ENDPOINTS", str(endpoints))
    failing_whoami(monkeypatch, Unreachable("http://127.0.0.1:9/prod/me?x=1", ConnectionRefusedError()))

    status, _, shown = run(capsys, "whoami")
    _, _, document = run(capsys, "--json", "whoami")

    assert (status, shown) == (
        3,
        "imegha: cannot reach http://127.0.0.1:9 (connection refused): is the local cloud "
        f"running? start it with 'imegha local up', or check the endpoints in {endpoints}\n",
    )
    assert json.loads(document) == {
        "error": "unreachable",
        "message": shown[len("imegha: ") : -1],
        "url": "http://127.0.0.1:9",
    }


def test_no_platform_configured_is_unreachable_too(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("IMEGHA_HOME", str(tmp_path))
    monkeypatch.delenv("IMEGHA_ENDPOINTS", raising=False)

    status, _, shown = run(capsys, "--json", "connections")

    assert status == 3
    assert json.loads(shown) | {"message": ""} == {"error": "unreachable", "message": "", "url": None}


def test_a_usage_error_is_bad_input_shown_as_argparse_does_or_as_json_wherever_json_is_given(capsys):
    status, _, shown = run(capsys, "files", "put")
    assert status == 2
    assert shown.startswith("usage: imegha files put") and shown.endswith(
        "imegha files put: error: the following arguments are required: path\n"
    )

    for argv in (("--json", "files", "put"), ("files", "put", "--json")):
        status, _, shown = run(capsys, *argv)
        document = json.loads(shown)
        assert (status, document["error"]) == (2, "bad_input")
        assert document["message"] == "imegha files put: the following arguments are required: path"
        assert document["usage"].startswith("usage: imegha files put")


def test_an_sdk_refusal_of_the_value_given_is_bad_input_and_an_api_refusal_keeps_its_status():
    class NameRefused(Exception):
        pass

    class BadName(NameRefused, ValueError):
        pass

    def failing(error: Exception):
        @refusals_shown(NameRefused)
        def handler(args: argparse.Namespace) -> None:
            raise error

        with pytest.raises(CommandError) as raised:
            handler(argparse.Namespace())
        return raised.value

    assert type(failing(NameRefused("no file named 'x'"))) is CommandError
    assert type(failing(BadName("'..' cannot be a file name"))) is BadInput
    refused = failing(ApiError(403, "not yours"))
    assert (str(refused), refused.details) == ("refused: not yours (HTTP 403)", {"status": 403})


def test_every_positional_argument_says_what_it_is():
    unexplained = [
        f"{parser.prog} {action.dest}"
        for parser in parsers(cli.build_parser())
        for action in parser._positionals._group_actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]

    assert unexplained == []


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        ("signup", "your password on line 1"),
        ("login", "your password on line 1" + TWO_STEP + " 2"),
        ("passwd", "your current password on line 1 and the new password on line 2"),
        ("recover", "your recovery phrase (24 words) on line 1 and the new password on line 2" + TWO_STEP + " 3"),
        ("mfa disable", "your password on line 1 and the code your authenticator app shows (unless --code) on line 2"),
    ],
)
def test_password_stdin_says_which_line_holds_what(command, lines):
    parser = next(parser for parser in parsers(cli.build_parser()) if parser.prog == f"imegha {command}")
    option = next(action for action in parser._actions if action.dest == "password_stdin")

    assert option.help.endswith(lines)


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (("signup", "emile@example.org", "Emile"), "your password on line 1"),
        (
            ("recover", "emile@example.org"),
            "your recovery phrase (24 words) on line 1 and the new password on line 2" + TWO_STEP + " 3",
        ),
        (("passwd",), "your current password on line 1 and the new password on line 2"),
    ],
)
def test_a_secret_piped_in_without_password_stdin_is_refused_with_the_lines_to_give(capsys, monkeypatch, argv, lines):
    status, out, shown = run(capsys, *argv, stdin="a long enough password\n", monkeypatch=monkeypatch)

    assert (status, out) == (2, "")
    assert shown == f"imegha: standard input is not a terminal: pass --password-stdin and give {lines}\n"


def test_a_deployment_role_of_another_region_than_the_one_chosen_is_refused_before_anything_is_sent(capsys):
    role = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"

    status, _, err = run(capsys, "cloud", "connect", "--role-arn", role, "--region", "eu-central-1")

    assert status == 2
    assert "that role is not for eu-central-1: launch the bootstrap stack in eu-central-1" in err
