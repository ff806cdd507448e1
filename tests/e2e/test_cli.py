"""What a newcomer meets first, with the installed ``imegha`` as a shell runs it and no platform answering: the
version, a cloud that is not running, a password piped in the wrong way. One line each, never a traceback."""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

IMEGHA = Path(sys.executable).with_name("imegha")


@pytest.fixture
def nothing_running(tmp_path) -> dict[str, str]:
    """The environment of a machine whose endpoints name a local cloud that is not running (any more)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoints = tmp_path / "endpoints.json"
    endpoints.write_text(
        json.dumps(
            {
                "platform_api_url": f"http://127.0.0.1:{port + 1}/prod",
                "region": "us-east-1",
                "user_pool_id": "pool",
                "user_pool_client_id": "app",
                "aws_endpoint_url": f"http://127.0.0.1:{port}",
            }
        )
    )
    return os.environ | {"IMEGHA_HOME": str(tmp_path / "home"), "IMEGHA_ENDPOINTS": str(endpoints)}


def imegha(*argv: str, environment: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [IMEGHA, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment or os.environ,
        start_new_session=True,
    )  # no terminal to fall back on


def test_version():
    shown = imegha("--version")

    assert (shown.returncode, shown.stdout) == (0, f"imegha {importlib.metadata.version('imegha')}\n")


def test_signing_in_with_no_local_cloud_running_says_so_in_one_line(nothing_running):
    endpoints = nothing_running["IMEGHA_ENDPOINTS"]
    aws = json.loads(Path(endpoints).read_text())["aws_endpoint_url"]

    typed = imegha(
        "login",
        "emile@example.org",
        "--password-stdin",
        environment=nothing_running,
        stdin="Émile's own long password\n",
    )
    scripted = imegha(
        "--json",
        "login",
        "emile@example.org",
        "--password-stdin",
        environment=nothing_running,
        stdin="Émile's own long password\n",
    )

    assert (typed.returncode, typed.stdout) == (3, "")
    assert typed.stderr == (
        f"imegha: cannot reach {aws} (connection refused): is the local cloud running? start it "
        f"with 'imegha local up', or check the endpoints in {endpoints}\n"
    )
    assert scripted.returncode == 3
    assert json.loads(scripted.stderr) == {
        "error": "unreachable",
        "message": typed.stderr[len("imegha: ") : -1],
        "url": aws,
    }


def test_a_password_piped_into_signup_without_password_stdin_says_how_to_pipe_it(nothing_running):
    typed = imegha(
        "signup", "emile@example.org", "Emile_R", environment=nothing_running, stdin="Émile's own long password\n"
    )

    assert (typed.returncode, typed.stdout) == (2, "")
    assert typed.stderr == (
        "imegha: standard input is not a terminal: pass --password-stdin and give your password on line 1\n"
    )
