"""The key agent: where a signed-in profile's unwrapped keys live, in memory only.

Each CLI command is a new process, yet the DEK must never be written to disk in
the clear. As ssh-agent does for SSH keys, ``imegha login`` starts one agent per
profile that holds the keys in memory and hands them to the profile's own
commands over a Unix socket: the socket sits in the 0700 profile directory,
is itself 0600, and the agent also checks the peer's uid (SO_PEERCRED). The
agent exits after ``IMEGHA_AGENT_IDLE_SECONDS`` (default 1800) without a
request, on ``imegha logout``, or when its profile directory disappears.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

from imegha_crypto import AccountKeys, DataKey, ExchangePrivateKey, IdentityPrivateKey, b64url_decode, b64url_encode

from .profile import Profile

DEFAULT_IDLE_SECONDS = 1800


class AgentUnavailable(Exception):
    pass


def start_agent(profile: Profile, keys: AccountKeys) -> None:
    """Hand ``keys`` to a fresh agent for ``profile`` (replacing any running one) through a pipe, never a file."""
    stop_agent(profile)
    idle = os.environ.get("IMEGHA_AGENT_IDLE_SECONDS", str(DEFAULT_IDLE_SECONDS))
    agent = subprocess.Popen(
        [sys.executable, "-m", "imegha.agent", str(profile.agent_socket), idle],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    agent.stdin.write(json.dumps(_serialize(keys)).encode() + b"\n")
    agent.stdin.close()
    if agent.stdout.readline().strip() != b"ready":
        raise AgentUnavailable("the key agent did not start")
    agent.stdout.close()


def agent_keys(profile: Profile) -> AccountKeys:
    reply = _ask(profile, {"op": "keys"})
    return _deserialize(reply)


def stop_agent(profile: Profile) -> bool:
    try:
        _ask(profile, {"op": "stop"})
    except AgentUnavailable:
        return False
    return True


def _ask(profile: Profile, request: dict) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(profile.agent_socket))
        except (FileNotFoundError, ConnectionRefusedError):
            raise AgentUnavailable(f"profile {profile.name!r} is not signed in on this device: run 'imegha login'") from None
        connection.sendall(json.dumps(request).encode() + b"\n")
        reply = connection.makefile("rb").readline()
    if not reply:
        raise AgentUnavailable(f"profile {profile.name!r} is not signed in on this device: run 'imegha login'")
    return json.loads(reply)


def _serialize(keys: AccountKeys) -> dict:
    return {
        "dataKey": b64url_encode(keys.data_key.secret_bytes()),
        "exchangeKey": b64url_encode(keys.exchange_key.secret_bytes()),
        "identityKey": b64url_encode(keys.identity_key.secret_bytes()),
    }


def _deserialize(document: dict) -> AccountKeys:
    return AccountKeys(
        DataKey(b64url_decode(document["dataKey"])),
        ExchangePrivateKey(b64url_decode(document["exchangeKey"])),
        IdentityPrivateKey(b64url_decode(document["identityKey"])),
    )


def _serve(socket_path: Path, idle_seconds: float) -> None:
    keys = json.loads(sys.stdin.readline())
    socket_path.unlink(missing_ok=True)
    previous_umask = os.umask(0o177)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    os.umask(previous_umask)
    server.listen(8)
    server.settimeout(idle_seconds)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdout.close()
    try:
        while socket_path.exists():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                return
            with connection:
                uid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
                if uid != os.getuid():
                    continue
                request = json.loads(connection.makefile("rb").readline() or b"{}")
                if request.get("op") == "keys":
                    connection.sendall(json.dumps(keys).encode() + b"\n")
                elif request.get("op") == "stop":
                    # Gone before the reply, so no request after "stopped" can reach this agent.
                    server.close()
                    socket_path.unlink(missing_ok=True)
                    connection.sendall(b"{}\n")
                    return
    finally:
        server.close()
        socket_path.unlink(missing_ok=True)


if __name__ == "__main__":
    _serve(Path(sys.argv[1]), float(sys.argv[2]))
