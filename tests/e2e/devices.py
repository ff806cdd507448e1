"""People at their devices, typing ``imegha`` commands.

A :class:`Device` is one machine: an ``IMEGHA_HOME`` of its own, holding its
profiles (sessions, pins, key agents). Commands run through ``imegha.cli.main``
in this process, with the device's home, secrets on stdin as ``--password-stdin``
reads them, and stdout, stderr and the exit status captured as a person sees them.
Key agents are real processes; :meth:`Device.stop_agents` ends the ones it started.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from imegha import cli
from imegha.accounts import Account
from imegha.agent import stop_agent
from imegha.endpoints import Endpoints
from imegha.personal_cloud import LOCAL_ACCOUNT
from imegha.profile import Profile
from imegha_crypto import AccountKeys
from imegha_local.cloud import Account as AwsAccount
from tests.handed_keys import handed_keys


@dataclass(frozen=True)
class Typed:
    """What a command printed and how it ended."""

    argv: tuple[str, ...]
    status: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        assert self.status == 0, f"imegha {' '.join(self.argv)} failed ({self.status}): {self.stderr}"
        return json.loads(self.stdout)

    @property
    def error(self) -> dict:
        """What the command reported failing: with --json, one JSON document, the last line on stderr."""
        assert self.status != 0, f"imegha {' '.join(self.argv)} succeeded: {self.stdout}"
        return json.loads(self.stderr.splitlines()[-1])


class Device:
    def __init__(self, home: Path):
        self.home = home

    def imegha(self, *argv: str, stdin: str = "", human: bool = False) -> Typed:
        """``imegha --json <argv>`` on this device, ``stdin`` typed in; ``human``: without ``--json``, as a person
        reads it on their terminal."""
        arguments = argv if human else ("--json", *argv)
        stdout, stderr = io.StringIO(), io.StringIO()
        with (
            _environment(IMEGHA_HOME=str(self.home)),
            _stdin(stdin),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            try:
                status = cli.main(list(arguments))
            except SystemExit as exit_:  # argparse's refusals
                status = exit_.code
        return Typed(arguments, status, stdout.getvalue(), stderr.getvalue())

    def profile(self, name: str = "default") -> Profile:
        with _environment(IMEGHA_HOME=str(self.home)):
            return Profile.named(name)

    def account(self, profile: str = "default") -> Account:
        """The SDK the commands run on, for what no command does yet (publishing the cloud URL is issue 5's)."""
        with _environment(IMEGHA_HOME=str(self.home)):
            return Account(Profile.named(profile), Endpoints.discover())

    def keys(self, profile: str = "default") -> AccountKeys:
        """The keys this device's agent holds for ``profile``, as its sign-in handed them (the agent never gives them
        back): what the person's device has in memory."""
        return handed_keys(self.profile(profile))

    def session(self, profile: str = "default") -> dict:
        return self.profile(profile).read("session")

    def agent_sockets(self) -> list[Path]:
        return sorted(self.home.glob("profiles/*/agent.sock"))

    def stop_agents(self) -> None:
        for socket_path in self.agent_sockets():
            stop_agent(self.profile(socket_path.parent.name))


@contextlib.contextmanager
def _environment(**values: str):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _stdin(text: str):
    saved, sys.stdin = sys.stdin, io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def agent_processes(under: Path) -> list[int]:
    """Key agents running for profiles under ``under``, by pid, read from /proc (to check none is left behind)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(argument.endswith(b"agent_server.py") for argument in arguments) and str(under).encode() in b" ".join(
            arguments
        ):
            found.append(int(cmdline.parent.name))
    return found


@dataclass
class Person:
    """Someone with an account: what they chose and were shown, and the device they signed up on."""

    name: str
    email: str
    password: str
    device: Device
    user_id: str = ""
    phrase: str = ""

    @property
    def imtag(self) -> str:
        return self.name

    def sign_up(self) -> Person:
        shown = self.device.imegha(
            "signup", self.email, self.imtag, "--password-stdin", stdin=self.password + "\n"
        ).json
        self.user_id, self.phrase = shown["userId"], shown["recoveryPhrase"]
        return self

    def with_cloud(self) -> Person:
        """This person, once their own cloud is deployed (on the local cloud)."""
        assert self.device.imegha("cloud", "connect", "--local").status == 0
        assert self.device.imegha("cloud", "deploy").json["status"] == "SUCCEEDED"
        return self

    def connected_with(self, other: Person) -> Person:
        """``other``, once they accepted this person's request to connect."""
        assert self.device.imegha("connect", other.imtag).status == 0
        assert other.device.imegha("accept", self.imtag).status == 0
        return other

    def own_account(self) -> AwsAccount:
        """The AWS account of this person's cloud, with their own credentials for it (not the platform's)."""
        saved = self.device.profile().read(LOCAL_ACCOUNT)
        return AwsAccount(saved["accountId"], saved["accessKeyId"], saved["secretAccessKey"])

    def log_in(self, device: Device, password: str | None = None, *options: str) -> Typed:
        return device.imegha(
            "login", self.email, "--password-stdin", *options, stdin=(password or self.password) + "\n"
        )
