"""The key agent: where a signed-in profile's unwrapped keys live, in memory only, and are used, never handed out.

Each CLI command is a new process, yet the DEK must never be written to disk in
the clear. As ssh-agent does for SSH keys, ``imegha login`` starts one agent per
profile that holds the keys in memory and performs, for the profile's own
commands, what they need the keys for: open a key wrapped under the DEK or for
the RSA key, wrap a key under the DEK, sign a record. It never gives out the DEK
or a private key, even to a process of the same user. Its Unix socket sits in
the 0700 profile directory, is itself 0600, and the agent also checks the
peer's uid (SO_PEERCRED, where the platform has it). The agent exits after
``IMEGHA_AGENT_IDLE_SECONDS`` (default 1800) without a request, whatever
connections are open, on ``imegha logout``, or when its profile directory
disappears.

This module is the profile's side: :func:`agent_keys` gives the keys as
``imegha_crypto`` takes them (:class:`AgentKeys`), each operation one request.
The agent's own process runs :mod:`imegha.agent_server`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from imegha_crypto import (
    AccountKeys,
    ChildKey,
    Context,
    CryptoError,
    DecryptionError,
    ExchangePublicKey,
    FormatError,
    HeldDataKey,
    HeldExchangeKey,
    HeldIdentityKey,
    IdentityPublicKey,
    SignatureError,
    b64url_decode,
    b64url_encode,
    key_document,
)

from .documents import JSONObject
from .profile import Profile

DEFAULT_IDLE_SECONDS = 1800
# How long a connection has to send its whole request before the agent closes it: a command sends at once.
REQUEST_SECONDS = 3.0
AGENT_SERVER = Path(__file__).with_name("agent_server.py")
# What the agent's refusals become here: the crypto layer's own errors, as if the keys were in this process.
_CRYPTO_ERRORS: dict[str, type[CryptoError]] = {
    error.__name__: error for error in (CryptoError, DecryptionError, FormatError, SignatureError)
}


class AgentUnavailable(Exception):
    pass


class AgentRefused(Exception):
    """The agent would not perform what it was asked (a key, a record of a kind the client never signs)."""


class StartingAgent:
    """A key agent for ``profile``, started before its keys exist, so that its start overlaps the sign-in's work.

    Use it as a context manager: :meth:`hand_over` gives it the keys (through a
    pipe, never a file); leaving the block without that ends it unused.
    """

    def __init__(self, profile: Profile):
        self.profile = profile
        idle = os.environ.get("IMEGHA_AGENT_IDLE_SECONDS", str(DEFAULT_IDLE_SECONDS))
        self._process = subprocess.Popen(
            # Isolated (-I): no environment variable or current directory decides what it imports.
            [sys.executable, "-I", str(AGENT_SERVER), str(profile.agent_socket), idle, str(REQUEST_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._keys_in, self._ready_out = _pipe(self._process.stdin), _pipe(self._process.stdout)

    def hand_over(self, keys: AccountKeys, user_id: str) -> None:
        """Give the agent ``user_id``'s ``keys``, replacing any agent the profile had, and wait until it answers on
        the socket."""
        stop_agent(self.profile)
        self._keys_in.write(json.dumps(_handed(keys, user_id)).encode() + b"\n")
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


@dataclass(frozen=True)
class AgentKeys:
    """A signed-in profile's keys as its commands have them: the agent's, each operation asked of it."""

    data_key: AgentDataKey
    exchange_key: AgentExchangeKey
    identity_key: AgentIdentityKey


def agent_keys(profile: Profile) -> AgentKeys:
    """The keys the profile's agent holds, to use through it; :class:`AgentUnavailable` if it is not signed in."""
    public = _ask(profile, {"op": "public-keys"})
    return AgentKeys(
        AgentDataKey(profile),
        AgentExchangeKey(profile, ExchangePublicKey(b64url_decode(public["exchangeKey"]))),
        AgentIdentityKey(profile, IdentityPublicKey(b64url_decode(public["identityKey"]))),
    )


class AgentDataKey(HeldDataKey):
    def __init__(self, profile: Profile):
        self.profile = profile

    def wrap(self, key: ChildKey, context: Context) -> JSONObject:
        wrapped: JSONObject = _ask(
            self.profile, {"op": "wrap", "key": key_document(key), "context": context.as_json()}
        )["wrapped"]
        return wrapped

    def unwrap_secret(self, envelope: JSONObject, kind: str, context: Context) -> bytes:
        return _unwrapped(self.profile, "DEK", envelope, kind, context)


class AgentExchangeKey(HeldExchangeKey):
    def __init__(self, profile: Profile, public_key: ExchangePublicKey):
        self.profile, self.public_key = profile, public_key

    def unwrap_secret(self, envelope: JSONObject, kind: str, context: Context) -> bytes:
        return _unwrapped(self.profile, "RSA", envelope, kind, context)


class AgentIdentityKey(HeldIdentityKey):
    def __init__(self, profile: Profile, public_key: IdentityPublicKey):
        self.profile, self.public_key = profile, public_key

    def sign(self, record_type: str, body: JSONObject) -> JSONObject:
        record: JSONObject = _ask(self.profile, {"op": "sign", "type": record_type, "body": body})["record"]
        return record


def _unwrapped(profile: Profile, by: str, envelope: JSONObject, kind: str, context: Context) -> bytes:
    request = {"op": "unwrap", "by": by, "envelope": envelope, "kind": kind, "context": context.as_json()}
    return b64url_decode(_ask(profile, request)["secret"])


def stop_agent(profile: Profile) -> bool:
    try:
        _ask(profile, {"op": "stop"})
    except AgentUnavailable:
        return False
    return True


def _ask(profile: Profile, request: JSONObject) -> JSONObject:
    """The agent's answer to ``request``; its refusal raised as the crypto layer's error, or :class:`AgentRefused`."""
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
    if "error" in answer:
        raise _CRYPTO_ERRORS.get(answer.get("refusal", ""), AgentRefused)(answer["error"])
    return answer


def _handed(keys: AccountKeys, user_id: str) -> dict[str, str]:
    """What the agent is given, once, through its stdin."""
    return {
        "userId": user_id,
        "dataKey": b64url_encode(keys.data_key.secret_bytes()),
        "exchangeKey": b64url_encode(keys.exchange_key.secret_bytes()),
        "identityKey": b64url_encode(keys.identity_key.secret_bytes()),
    }
