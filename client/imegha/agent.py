"""The key agent: where a signed-in profile's unwrapped keys live, in memory only.

Each CLI command is a new process, yet the DEK must never be written to disk in
the clear. As ssh-agent does for SSH keys, ``imegha login`` starts one agent per
profile that holds the keys in memory and hands them to the profile's own
commands over a Unix socket: the socket sits in the 0700 profile directory,
is itself 0600, and the agent also checks the peer's uid (SO_PEERCRED). The
agent exits after ``IMEGHA_AGENT_IDLE_SECONDS`` (default 1800) without a
request, on ``imegha logout``, or when its profile directory disappears.

This module is the profile's side; the agent's own process runs
:mod:`imegha.agent_server`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import IO

from imegha_crypto import AccountKeys, DataKey, ExchangePrivateKey, IdentityPrivateKey, b64url_decode, b64url_encode

from .documents import JSONObject
from .profile import Profile

DEFAULT_IDLE_SECONDS = 1800
AGENT_SERVER = Path(__file__).with_name("agent_server.py")


class AgentUnavailable(Exception):
    pass


class StartingAgent:
    """A key agent for ``profile``, started before its keys exist, so that its start overlaps the sign-in's work.

    Use it as a context manager: :meth:`hand_over` gives it the keys (through a
    pipe, never a file); leaving the block without that ends it unused.
    """

    def __init__(self, profile: Profile):
        self.profile = profile
        idle = os.environ.get("IMEGHA_AGENT_IDLE_SECONDS", str(DEFAULT_IDLE_SECONDS))
        self._process = subprocess.Popen(
            # Isolated (-I) and without site-packages (-S): it needs the standard library only.
            [sys.executable, "-I", "-S", str(AGENT_SERVER), str(profile.agent_socket), idle],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._keys_in, self._ready_out = _pipe(self._process.stdin), _pipe(self._process.stdout)

    def hand_over(self, keys: AccountKeys) -> None:
        """Give the agent ``keys``, replacing any agent the profile had, and wait until it answers on the socket."""
        stop_agent(self.profile)
        self._keys_in.write(json.dumps(_serialize(keys)).encode() + b"\n")
        self._keys_in.close()
        ready = self._ready_out.readline().strip() == b"ready"
        self._ready_out.close()
        if not ready:
            raise AgentUnavailable("the key agent did not start")

    def __enter__(self) -> StartingAgent:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._keys_in.closed:  # never handed any keys: its stdin ends, and so does it
            self._keys_in.close()
            self._ready_out.close()
            self._process.wait(timeout=10)


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """A pipe to or from the agent, which ``Popen`` opens when asked for one (``subprocess.PIPE``)."""
    if stream is None:
        raise AgentUnavailable("the key agent was started without its pipes")
    return stream


def agent_keys(profile: Profile) -> AccountKeys:
    reply = _ask(profile, {"op": "keys"})
    return _deserialize(reply)


def stop_agent(profile: Profile) -> bool:
    try:
        _ask(profile, {"op": "stop"})
    except AgentUnavailable:
        return False
    return True


def _ask(profile: Profile, request: JSONObject) -> JSONObject:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(profile.agent_socket))
        except (FileNotFoundError, ConnectionRefusedError):
            raise AgentUnavailable(
                f"profile {profile.name!r} is not signed in on this device: run 'imegha login'"
            ) from None
        connection.sendall(json.dumps(request).encode() + b"\n")
        reply = connection.makefile("rb").readline()
    if not reply:
        raise AgentUnavailable(f"profile {profile.name!r} is not signed in on this device: run 'imegha login'")
    answer: JSONObject = json.loads(reply)
    return answer


def _serialize(keys: AccountKeys) -> dict[str, str]:
    return {
        "dataKey": b64url_encode(keys.data_key.secret_bytes()),
        "exchangeKey": b64url_encode(keys.exchange_key.secret_bytes()),
        "identityKey": b64url_encode(keys.identity_key.secret_bytes()),
    }


def _deserialize(document: JSONObject) -> AccountKeys:
    return AccountKeys(
        DataKey(b64url_decode(document["dataKey"])),
        ExchangePrivateKey(b64url_decode(document["exchangeKey"])),
        IdentityPrivateKey(b64url_decode(document["identityKey"])),
    )
