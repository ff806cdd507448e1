"""The platform's REST API, as a device calls it with its Cognito id token; what cannot be undone, also signed by the
person's identity key (layers/crypto/README.md, 'request')."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from imegha_crypto import SIGNATURE_HEADER, FormatError, IdentitySigner, parse_json, sign_request

from .documents import JSONObject
from .endpoints import Unreachable, origin

# An answer through API Gateway is at most what a Lambda may return (6 MB); more is not an iMegha API's answer.
MAX_ANSWER_BYTES = 6 * 1024 * 1024


class ApiError(Exception):
    """A 4xx/5xx from an iMegha API, with the reason it gave.

    >>> try:  # doctest: +SKIP
    ...     Sharing(alice).revoke("no-such-share")
    ... except ApiError as refusal:
    ...     print(refusal.status, refusal.message)
    """

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(f"{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.field = field


class MalformedAnswer(ApiError):
    """An answer that is not what an iMegha API gives (not JSON, too large, nested too deep, not an object): a
    hostile or broken platform or cloud. A 502, as a gateway says of an upstream's invalid answer."""

    def __init__(self, url: str, reason: str):
        super().__init__(502, f"the answer from {origin(url)} is not well-formed: {reason}")


def _answer(url: str, payload: bytes) -> object:
    try:
        return parse_json(payload, max_bytes=MAX_ANSWER_BYTES)
    except FormatError as error:
        raise MalformedAnswer(url, str(error)) from None


# Retried, for a request that changes nothing if repeated: throttled (429) or a failure on the way (5xx), and a
# connection that failed before any answer. A signed request is not retried: its nonce is good for one use.
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE"}
RETRIED_STATUSES = {429, 500, 502, 503, 504}
ATTEMPTS = 4
BASE_DELAY_S = 0.2
MAX_DELAY_S = 5.0

sleep: Callable[[float], None] = time.sleep
"""How the retries wait; tests replace it."""


class _Connections(threading.local):
    """Each thread's open connections, one per origin, kept alive between requests (API Gateway keeps them open)."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def get(self, scheme: str, netloc: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        """The origin's connection, and whether it was open already (a reused one may have been closed since)."""
        connection = self.open.get((scheme, netloc))
        if connection is not None:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
            return connection, True
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = kind(netloc, timeout=timeout)
        self.open[(scheme, netloc)] = connection
        return connection, False

    def drop(self, scheme: str, netloc: str) -> None:
        connection = self.open.pop((scheme, netloc), None)
        if connection is not None:
            connection.close()


_connections = _Connections()


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Full jitter up to ``BASE_DELAY_S * 2**attempt`` (at most ``MAX_DELAY_S``), or what ``Retry-After`` asks."""
    if retry_after and retry_after.isdigit():
        return min(MAX_DELAY_S, float(retry_after))
    return random.uniform(0, min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt))


def _exchange(
    method: str, url: str, headers: dict[str, str], data: bytes | None, timeout: float
) -> tuple[int, str, dict[str, str], bytes]:
    """One request over the origin's kept-alive connection: (status, reason, headers, at most the answer's limit
    and one byte). A connection the server closed since its last use is opened again once."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise urllib.error.URLError(f"unknown url type: {parts.scheme or url.partition(':')[0]}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    while True:
        connection, reused = _connections.get(parts.scheme, parts.netloc, timeout)
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read(MAX_ANSWER_BYTES + 1)
            if response.will_close or len(payload) > MAX_ANSWER_BYTES:
                _connections.drop(parts.scheme, parts.netloc)
            return response.status, response.reason, dict(response.getheaders()), payload
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            _connections.drop(parts.scheme, parts.netloc)
            if not reused:
                raise
        except BaseException:
            _connections.drop(parts.scheme, parts.netloc)
            raise


def call_json(
    method: str,
    url: str,
    authorization: str | None,
    body: JSONObject | bytes | None = None,
    timeout: float = 30,
    headers: dict[str, str] | None = None,
) -> JSONObject | None:
    """One JSON request; ``authorization`` is the header's whole value (REST Cognito authorizers take the bare token);
    a ``body`` already encoded is sent as it is. A refusal raises :class:`ApiError`; no answer at all,
    :class:`Unreachable`. The connection to each origin is kept alive between calls (per thread); an idempotent,
    unsigned request (GET, PUT, DELETE) that is throttled (429), fails on the way (5xx) or gets no answer is tried
    again, up to ``ATTEMPTS`` times, after a jittered exponential backoff (or the ``Retry-After`` asked for)."""
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    sent = {"Accept": "application/json"}
    if data is not None:
        sent["Content-Type"] = "application/json"
    if authorization:
        sent["Authorization"] = authorization
    sent |= headers or {}
    retried = method in IDEMPOTENT and SIGNATURE_HEADER not in sent
    status, reason, payload = 0, "", b""
    answered_headers: dict[str, str] = {}
    for attempt in range(ATTEMPTS if retried else 1):
        if attempt:
            sleep(_backoff(attempt - 1, answered_headers.get("Retry-After")))
        answered_headers = {}
        try:
            status, reason, answered_headers, payload = _exchange(method, url, sent, data, timeout)
        except (OSError, http.client.HTTPException, ValueError) as error:  # URLError and timeouts are OSErrors;
            # a ValueError is a URL the connection cannot take (a typo in the endpoints)
            if not retried or attempt == ATTEMPTS - 1 or isinstance(error, urllib.error.URLError):
                raise Unreachable(url, error) from None
            continue
        if status < 400 or status not in RETRIED_STATUSES or not retried or attempt == ATTEMPTS - 1:
            break
    if status >= 400:
        try:
            detail = _answer(url, payload[:MAX_ANSWER_BYTES])
        except MalformedAnswer:
            detail = None
        if not isinstance(detail, dict):
            detail = {"message": payload[:500].decode(errors="replace") or reason}
        message, field = detail.get("message"), detail.get("field")
        raise ApiError(
            status,
            message if isinstance(message, str) else reason,
            field if isinstance(field, str) else None,
        ) from None
    if not payload:
        return None
    answer = _answer(url, payload)
    if not isinstance(answer, dict):
        raise MalformedAnswer(url, f"a JSON object was expected, not {type(answer).__name__}")
    return answer


@dataclass(frozen=True)
class RequestSigner:
    """Who signs what cannot be undone: the person's user id, and their identity key, fetched only when a request
    needs it (from the key agent, or as a recovery has just opened it)."""

    user_id: str
    identity_key: Callable[[], IdentitySigner]


@dataclass
class PlatformApi:
    base_url: str
    id_token: str
    signer: RequestSigner | None = None

    def _call(self, method: str, path: str, body: JSONObject | None = None) -> JSONObject:
        """The route's answer; one with no body is an empty object."""
        return call_json(method, self.base_url.rstrip("/") + path, self.id_token, body) or {}

    def _signed_call(self, method: str, path: str, body: JSONObject) -> JSONObject:
        """A request that cannot be undone: sent with the identity key's signature of it, under a nonce the
        platform issues for it just before."""
        if self.signer is None:
            raise TypeError(f"{method} {path} cannot be undone: it needs a PlatformApi with a signer")
        nonce: str = self._call("POST", "/me/nonces")["nonce"]
        data = json.dumps(body).encode()
        signature = sign_request(
            self.signer.identity_key(), method=method, path=path, body=data, user_id=self.signer.user_id, nonce=nonce
        )
        url = self.base_url.rstrip("/") + path
        return call_json(method, url, self.id_token, data, headers={SIGNATURE_HEADER: signature}) or {}

    def me(self) -> JSONObject:
        return self._call("GET", "/me")

    def upload_keys(
        self,
        expected_version: int,
        keys: JSONObject,
        first_statement: JSONObject | None = None,
        recovery_verifier: str | None = None,
    ) -> int:
        """Keys re-wrapped or replaced are signed; the first upload, which brings the identity key and the first
        statement naming it, has nothing to sign with yet. ``recovery_verifier``: see :class:`RecoveryApi`."""
        body: JSONObject = {"expectedVersion": expected_version, "keys": keys}
        if recovery_verifier is not None:
            body["recoveryVerifier"] = recovery_verifier
        if first_statement is not None:
            body["statement"] = first_statement
            answer = self._call("PUT", "/me/keys", body)
        else:
            answer = self._signed_call("PUT", "/me/keys", body)
        version: int = answer["keysVersion"]
        return version

    def delete_account(self, imtag: str) -> JSONObject:
        """Leave iMegha: the platform forgets this account (signed; ``imtag`` typed by the person to confirm)."""
        return self._signed_call("DELETE", "/me", {"iMTag": imtag})

    def publish_statement(self, statement: JSONObject) -> None:
        self._call("PUT", "/me/statement", {"statement": statement})

    def lookup(self, imtag: str) -> JSONObject:
        return self._call("GET", f"/users/{quote(imtag, safe='')}")

    def connections(self) -> list[JSONObject]:
        listed: list[JSONObject] = self._call("GET", "/connections")["connections"]
        return listed

    def request_connection(self, imtag: str) -> JSONObject:
        return self._call("POST", "/connections", {"iMTag": imtag})

    def accept(self, peer_id: str) -> JSONObject:
        return self._call("POST", f"/connections/{quote(peer_id, safe='')}/accept")

    def decline(self, peer_id: str) -> None:
        self._call("POST", f"/connections/{quote(peer_id, safe='')}/decline")

    def remove(self, peer_id: str) -> None:
        self._call("DELETE", f"/connections/{quote(peer_id, safe='')}")

    def register_device(self, device_id: str, platform: str, token: str) -> JSONObject:
        return self._call("PUT", f"/devices/{quote(device_id, safe='')}", {"platform": platform, "token": token})

    def unregister_device(self, device_id: str) -> None:
        self._call("DELETE", f"/devices/{quote(device_id, safe='')}")

    # --- the user's cloud ---------------------------------------------------------

    def connect_cloud(self) -> JSONObject:
        return self._call("POST", "/cloud/connection")

    def record_deployment_role(self, role_arn: str) -> JSONObject:
        return self._signed_call("PUT", "/cloud/connection", {"roleArn": role_arn})

    def cloud(self) -> JSONObject:
        return self._call("GET", "/cloud")

    def request_deployment(self, action: str, alarm_email: str | None = None, region: str | None = None) -> JSONObject:
        asked = {"action": action, "alarmEmail": alarm_email, "region": region}
        return self._signed_call("POST", "/deployments", {key: value for key, value in asked.items() if value})

    def deployment(self, deployment_id: str) -> JSONObject:
        return self._call("GET", f"/deployments/{quote(deployment_id, safe='')}")


@dataclass
class RecoveryApi:
    """The two routes a recovery calls before it has a token: the recovery phrase's lookup (``recovery_lookup``)
    says whose account it is, checked against the verifier the device uploaded with its first keys."""

    base_url: str

    def open(self, email: str, lookup: str) -> JSONObject:
        """The account's ``userId``, ``keysVersion`` and wrapped ``keys``; a 403 if the phrase is not its."""
        return self._call("POST", "/recovery", {"email": email, "recoveryLookup": lookup})

    def hold_new_password(self, email: str, lookup: str, expected_version: int, wrapped: JSONObject) -> None:
        """Keep the DEK under the new password beside the stored keys until a device signed in with it uploads."""
        body = {"email": email, "recoveryLookup": lookup, "expectedVersion": expected_version}
        self._call("PUT", "/recovery/password", body | {"passwordWrappedDek": wrapped})

    def _call(self, method: str, path: str, body: JSONObject) -> JSONObject:
        return call_json(method, self.base_url.rstrip("/") + path, None, body) or {}
