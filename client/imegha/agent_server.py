"""The key agent's own process: it holds one profile's keys in memory and acts on them for that profile's commands.

Like ssh-agent, it never hands a key out. A command asks it to open a key wrapped under the DEK or for the RSA
key, to wrap a key under the DEK, or to sign a record, and each operation keeps its purpose (:class:`KeyHolder`):
it opens and wraps only the keys of the hierarchy under the DEK (never the account's private keys, never the DEK),
each for this user's own contexts where the context names a holder, and signs only the record types the client
makes, each in this user's own name. A process of the same user can have it use the keys; none can take them away.

It reads the keys from its stdin (a pipe from :class:`imegha.agent.StartingAgent`), answers on a Unix socket only its
own user reaches (a 0600 socket in the 0700 profile directory, and the peer's uid where the platform tells it:
SO_PEERCRED on Linux), one request per connection, of at most ``MAX_REQUEST_BYTES``, which must arrive whole within
``request_seconds`` of connecting or the connection is closed. It exits ``idle_seconds`` after its last request (a
timer of its own, so a connection that sends nothing cannot keep it and its keys alive), when asked, or when its
socket is gone. Its start (importing the crypto layer) overlaps the sign-in's key derivation and requests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from types import FrameType

from imegha_crypto import (
    CHILD_KINDS,
    AlbumKey,
    ConversationKey,
    CryptoError,
    DataKey,
    ExchangePrivateKey,
    FileKey,
    FolderKey,
    GroupKey,
    IdentityPrivateKey,
    b64url_decode,
    b64url_encode,
    context_from_document,
    key_from_document,
    sign_record,
    unwrap_key,
    wrap_key,
)

MAX_REQUEST_BYTES = 256 * 1024  # a message to sign is the largest request: 64 KiB of text, sealed and in base64url
JSONObject = dict[str, object]

# What the identity key signs: the record types the client makes, each with the fields it must have and the one that
# must name this user (None: a grant names whom it is for, and the signer by its signature alone).
SIGNED_RECORDS: dict[str, tuple[frozenset[str], str | None]] = {
    "key-statement": (frozenset({"userId", "exchangeKey", "identityKey", "cloudUrl", "sequence"}), "userId"),
    "request": (frozenset({"method", "path", "bodySha256", "userId", "nonce"}), "userId"),
    "message": (frozenset({"conversationId", "sender", "sequence", "sentAt", "sealed"}), "sender"),
    "share": (frozenset({"shareId", "owner", "recipient", "target", "wrappedKey", "sharedAt"}), "owner"),
    "group-roster": (frozenset({"groupId", "version", "admin", "members", "previous"}), "admin"),
    "key-grant": (frozenset({"conversationId", "version", "member", "copy"}), None),
    "group-history": (frozenset({"groupId", "member", "throughEpoch"}), None),
    "audit-checkpoint": (frozenset({"userId", "seq", "hash", "signedAt"}), "userId"),
}
# What the RSA key opens: the keys of shared things. A conversation's or group's key is opened only as this user's
# own copy (its context names them); a shared file's, folder's or album's names its owner, the sharer.
SHARED_KINDS = {FileKey.KIND, FolderKey.KIND, AlbumKey.KIND, ConversationKey.KIND, GroupKey.KIND}
MEMBERS_COPIES = {ConversationKey.KIND, GroupKey.KIND}


class Refused(Exception):
    """A request the agent does not perform: it answers with the reason."""


class KeyHolder:
    """One account's keys, and the operations a command of its profile may ask for."""

    def __init__(self, handed: JSONObject):
        self.user_id = str(handed["userId"])
        self._data_key = DataKey(b64url_decode(str(handed["dataKey"])))
        self._exchange_key = ExchangePrivateKey(b64url_decode(str(handed["exchangeKey"])))
        self._identity_key = IdentityPrivateKey(b64url_decode(str(handed["identityKey"])))

    def answer(self, request: JSONObject) -> JSONObject:
        """The answer to one request: what the operation made, or ``{"error", "refusal"}`` saying why not."""
        operations = {
            "public-keys": self._public_keys,
            "unwrap": self._unwrap,
            "wrap": self._wrap,
            "sign": self._sign,
        }
        try:
            operation = operations.get(str(request.get("op")))
            if operation is None:
                raise Refused(f"the key agent does not do {request.get('op')!r}; it never hands out a key")
            return operation(request)
        except Refused as refusal:
            return {"error": str(refusal), "refusal": "Refused"}
        except CryptoError as error:
            return {"error": str(error), "refusal": type(error).__name__}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            return {"error": f"a malformed request: {error!r}", "refusal": "Refused"}

    def _public_keys(self, request: JSONObject) -> JSONObject:
        return {
            "userId": self.user_id,
            "exchangeKey": b64url_encode(self._exchange_key.public_key.der),
            "identityKey": b64url_encode(self._identity_key.public_key.der),
        }

    def _unwrap(self, request: JSONObject) -> JSONObject:
        kind, context = str(request["kind"]), context_from_document(_object(request, "context"))
        envelope = _object(request, "envelope")
        if request.get("by") == DataKey.KIND:
            if kind not in CHILD_KINDS:
                raise Refused(f"the DEK opens the keys under it for a command, never a {kind}")
            self._require_own(context.owner, "the DEK opens")
            key = unwrap_key(envelope, CHILD_KINDS[kind], unwrapping_key=self._data_key, context=context)
        elif request.get("by") == "RSA":
            if kind not in SHARED_KINDS:
                raise Refused(f"the RSA key opens the keys of shared things, never a {kind}")
            if kind in MEMBERS_COPIES:
                self._require_own(context.owner, "the RSA key opens")
            key = unwrap_key(envelope, CHILD_KINDS[kind], unwrapping_key=self._exchange_key, context=context)
        else:
            raise Refused("unwrap by 'DEK' or 'RSA'")
        return {"secret": b64url_encode(key.secret_bytes())}

    def _wrap(self, request: JSONObject) -> JSONObject:
        key, context = key_from_document(_object(request, "key")), context_from_document(_object(request, "context"))
        self._require_own(context.owner, "the DEK wraps")
        return {"wrapped": wrap_key(key, wrapping_key=self._data_key, context=context)}

    def _sign(self, request: JSONObject) -> JSONObject:
        record_type, body = str(request["type"]), _object(request, "body")
        if record_type not in SIGNED_RECORDS:
            raise Refused(f"the identity key signs the records the client makes, not one of type {record_type!r}")
        fields, signer_field = SIGNED_RECORDS[record_type]
        if missing := sorted(fields - body.keys()):
            raise Refused(f"a {record_type} record has {', '.join(missing)}")
        if signer_field is not None and body[signer_field] != self.user_id:
            raise Refused(f"a {record_type} record is signed in its maker's name: {signer_field} must be this user")
        if record_type == "key-statement" and (body["exchangeKey"], body["identityKey"]) != (
            b64url_encode(self._exchange_key.public_key.der),
            b64url_encode(self._identity_key.public_key.der),
        ):
            raise Refused("a key statement names this account's own public keys")
        return {"record": sign_record(self._identity_key, record_type, body)}

    def _require_own(self, owner: str, operation: str) -> None:
        if owner != self.user_id:
            raise Refused(f"{operation} keys for this user's own contexts, not {owner!r}'s")


def _object(request: JSONObject, name: str) -> JSONObject:
    value = request[name]
    if not isinstance(value, dict):
        raise Refused(f"{name} must be a JSON object")
    return value


class _Idle(BaseException):
    """The agent's idle time ran out: raised by its timer into whatever it was doing (a BaseException, so that
    nothing on the way mistakes it for an error to handle)."""


class _Oversize(Exception):
    pass


def serve(socket_path: Path, idle_seconds: float, request_seconds: float) -> None:
    handed = sys.stdin.readline()
    if not handed:  # started ahead of a sign-in that did not succeed
        return
    holder = KeyHolder(json.loads(handed))
    socket_path.unlink(missing_ok=True)
    previous_umask = os.umask(0o177)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(socket_path))
    os.umask(previous_umask)
    bound = socket_path.stat().st_ino
    server.listen(8)
    signal.signal(signal.SIGALRM, _idle)
    signal.setitimer(signal.ITIMER_REAL, idle_seconds)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdout.close()
    try:
        while _still_ours(socket_path, bound):
            connection, _ = server.accept()
            with connection:
                if not _same_user(connection):
                    continue
                try:
                    request = _request(connection, request_seconds)
                except _Oversize:
                    oversize: JSONObject = {
                        "error": f"a request is at most {MAX_REQUEST_BYTES} bytes",
                        "refusal": "Refused",
                    }
                    _reply(connection, oversize, request_seconds)
                    _discard_the_rest(connection, request_seconds)
                    continue
                except (OSError, ValueError, RecursionError):  # silent, cut short or not JSON: closed, unanswered
                    continue
                signal.setitimer(signal.ITIMER_REAL, idle_seconds)
                if request.get("op") == "stop":
                    # Gone before the reply, so no request after "stopped" can reach this agent.
                    server.close()
                    socket_path.unlink(missing_ok=True)
                    _reply(connection, {}, request_seconds)
                    return
                _reply(connection, holder.answer(request), request_seconds)
    except _Idle:
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        server.close()
        # The next agent of the profile may have bound the path since this one was told to stop: leave its socket.
        if _still_ours(socket_path, bound):
            socket_path.unlink(missing_ok=True)


def _idle(signum: int, frame: FrameType | None) -> None:
    raise _Idle


def _same_user(connection: socket.socket) -> bool:
    """Whether the peer runs as this agent's user, where the platform says (SO_PEERCRED); elsewhere the socket's
    0600 mode in the 0700 directory is what keeps others out."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    uid: int = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    return uid == os.getuid()


def _request(connection: socket.socket, seconds: float) -> JSONObject:
    """The one line a connection sends, whole within ``seconds`` of its start, as a JSON object."""
    deadline = time.monotonic() + seconds
    received = bytearray()
    while b"\n" not in received:
        if len(received) > MAX_REQUEST_BYTES:
            raise _Oversize
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = connection.recv(64 * 1024)
        if not chunk:
            raise ConnectionAbortedError("closed before its request was whole")
        received += chunk
    line = received[: received.index(b"\n")]
    if len(line) > MAX_REQUEST_BYTES:
        raise _Oversize
    request = json.loads(line)
    if not isinstance(request, dict):
        raise ValueError("a request is a JSON object")
    return request


def _discard_the_rest(connection: socket.socket, seconds: float) -> None:
    """Read what the asker still sends, for ``seconds`` at most: a socket closed with unread bytes resets, and the
    asker would lose the answer."""
    connection.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            if not connection.recv(64 * 1024):
                return
    except OSError:
        return


def _reply(connection: socket.socket, answer: JSONObject, seconds: float) -> None:
    """Send ``answer``, or give up after ``seconds`` on an asker that does not read it."""
    connection.settimeout(seconds)
    try:
        connection.sendall(json.dumps(answer).encode() + b"\n")
    except OSError:
        pass  # the asker left without its answer


def _still_ours(socket_path: Path, bound: int) -> bool:
    """Whether the socket at ``socket_path`` is the one this agent bound (not removed, not another agent's)."""
    try:
        return socket_path.stat().st_ino == bound
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    serve(Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
