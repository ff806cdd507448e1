"""The key agent's own process: it holds one profile's keys in memory and hands them to that profile's commands.

It reads the keys from its stdin (a pipe from :class:`imegha.agent.StartingAgent`),
answers on a Unix socket only its own user (0600 socket in the 0700 profile
directory, and SO_PEERCRED), and exits when idle, when asked, or when its
socket is gone. It imports the standard library only: it starts on every sign-in
and sign-up, and importing the crypto layer would cost more than everything
else those do besides deriving keys from the password.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
from pathlib import Path


def serve(socket_path: Path, idle_seconds: float) -> None:
    handed = sys.stdin.readline()
    if not handed:  # started ahead of a sign-in that did not succeed
        return
    keys = json.loads(handed)
    socket_path.unlink(missing_ok=True)
    previous_umask = os.umask(0o177)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    os.umask(previous_umask)
    bound = socket_path.stat().st_ino
    server.listen(8)
    server.settimeout(idle_seconds)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdout.close()
    try:
        while _still_ours(socket_path, bound):
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
        # The next agent of the profile may have bound the path since this one was told to stop: leave its socket.
        if _still_ours(socket_path, bound):
            socket_path.unlink(missing_ok=True)


def _still_ours(socket_path: Path, bound: int) -> bool:
    """Whether the socket at ``socket_path`` is the one this agent bound (not removed, not another agent's)."""
    try:
        return socket_path.stat().st_ino == bound
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(sys.argv[2]))
