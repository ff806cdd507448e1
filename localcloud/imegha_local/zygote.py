"""The process every Lambda worker is forked from, with the libraries functions use imported once.

Why not multiprocessing's "forkserver": each process it starts re-imports the
parent's ``__main__`` (the CLI with all of the local cloud, or pytest) before
running anything, so every cold start would pay for those imports. A fork of
this process starts with boto3, Powertools and cryptography in memory and
nothing else.

The runtime holds a :class:`Zygote`; the zygote process runs :func:`main`. They
speak over one Unix socket, a length-prefixed pickle each way, a worker's end of
its own socketpair passed alongside (SCM_RIGHTS):

    ("start", Environment) + [fd, echo fd?]  ->  ("started", pid)
    ("stop", pid)                  ->  ("stopped", exit code)

The zygote is the only parent of the workers and the only one that reaps them,
so a pid it is asked to kill is still its own child, never a recycled number.
One zygote serves every runtime in a process (a test session starts many local
clouds, each should start in well under a second). When the process exits, its
end of the socket closes: the zygote kills what is left and exits, and so does
every worker whose connection closes.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection

from imegha_local.worker import Environment, prepare_aws_sdk, serve

PRELOAD = (
    "boto3",
    "botocore.client",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_xray_sdk.core",  # what Powertools' Tracer imports, even with tracing disabled
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.typing",
    "aws_lambda_powertools.utilities.data_classes",
    # What the crypto and service layers import.
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.hazmat.primitives.asymmetric.rsa",
    "cryptography.hazmat.primitives.kdf.hkdf",
    "cryptography.hazmat.primitives.kdf.pbkdf2",
    "jsonschema",
    "mnemonic",
)


class Zygote:
    """The runtimes' handle on the zygote process (safe to share between threads)."""

    _shared: Zygote | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> Zygote:
        """This process's zygote, started on first use (and again if it died)."""
        with cls._shared_lock:
            if cls._shared is None or cls._shared._process.poll() is not None:
                cls._shared = cls()
            return cls._shared

    def __init__(self):
        ours, theirs = socket.socketpair()
        # Started now: its imports overlap with whatever the caller does next, and
        # the first "start" simply waits until they are done.
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._channel = _Channel(ours)
        self._lock = threading.Lock()

    def start(self, environment: Environment, echo_fd: int | None) -> tuple[int, Connection]:
        """Fork a worker for ``environment``; it copies its output to ``echo_fd`` too, if given."""
        ours, theirs = socket.socketpair()
        with self._lock, theirs:
            fds = [theirs.fileno()] if echo_fd is None else [theirs.fileno(), echo_fd]
            self._channel.send(("start", environment), fds=fds)
            (_, pid), _ = self._channel.recv()
        return pid, Connection(ours.detach())

    def stop(self, pid: int) -> int:
        """Kill the worker if it still runs, and return its exit code."""
        with self._lock:
            self._channel.send(("stop", pid))
            (_, exit_code), _ = self._channel.recv()
        return exit_code


class _Channel:
    def __init__(self, sock: socket.socket):
        self._socket = sock

    def send(self, message, fds: Sequence[int] = ()) -> None:
        data = pickle.dumps(message)
        data = len(data).to_bytes(4, "big") + data
        sent = socket.send_fds(self._socket, [data], list(fds)) if fds else 0
        self._socket.sendall(data[sent:])

    def recv(self):
        # The descriptors travel with the first bytes, so they come with the header.
        header, fds, _, _ = socket.recv_fds(self._socket, 4, 2)
        if not header:
            raise EOFError
        header += self._exactly(4 - len(header))
        return pickle.loads(self._exactly(int.from_bytes(header, "big"))), fds

    def _exactly(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = self._socket.recv(size)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._socket.close()


def main(control_fd: int) -> None:
    # Ctrl-C reaches the whole process group; the runtime stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in PRELOAD:
        importlib.import_module(module)
    prepare_aws_sdk()
    # Keeps the collector from touching (and so copying) every preloaded object in each worker.
    gc.freeze()
    channel = _Channel(socket.socket(fileno=control_fd))
    children: set[int] = set()
    while True:
        try:
            (request, argument), fds = channel.recv()
        except EOFError:
            break
        if request == "start":
            pid = os.fork()
            if pid == 0:
                channel.close()
                os._exit(_run_worker(argument, *fds))
            for fd in fds:
                os.close(fd)
            children.add(pid)
            channel.send(("started", pid))
        elif request == "stop":
            channel.send(("stopped", _kill(argument)))
            children.discard(argument)
    for pid in children:
        _kill(pid)
    os._exit(0)  # nothing to flush, and a heap this size takes a while to tear down


def _run_worker(environment: Environment, fd: int, echo_fd: int | None = None) -> int:
    try:
        serve(Connection(fd), environment, echo_fd)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 1
    except BaseException:  # noqa: BLE001 - the worker's last words go to its log before it exits
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def _kill(pid: int) -> int:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # exited already; still a zombie until reaped below
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    main(int(sys.argv[1]))
