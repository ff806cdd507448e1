"""The platform's REST API, as a device calls it with its Cognito id token."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

from .documents import JSONObject
from .endpoints import Unreachable


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


def call_json(
    method: str,
    url: str,
    authorization: str | None,
    body: JSONObject | None = None,
    timeout: float = 30,
    headers: dict[str, str] | None = None,
) -> JSONObject | None:
    """One JSON request; ``authorization`` is the header's whole value (REST Cognito authorizers take the bare token).
    A refusal raises :class:`ApiError`; no answer at all, :class:`Unreachable`."""
    data = None if body is None else json.dumps(body).encode()
    try:
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if authorization:
            request.add_header("Authorization", authorization)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            detail = json.loads(raw)
        except ValueError:
            detail = {"message": raw.decode(errors="replace") or error.reason}
        raise ApiError(error.code, detail.get("message", error.reason), detail.get("field")) from None
    except (OSError, http.client.HTTPException, ValueError) as error:  # URLError and timeouts are OSErrors;
        # a ValueError is a URL with no scheme (a typo in the endpoints)
        raise Unreachable(url, error) from None
    if not payload:
        return None
    answer: JSONObject = json.loads(payload)
    return answer


@dataclass
class PlatformApi:
    base_url: str
    id_token: str

    def _call(self, method: str, path: str, body: JSONObject | None = None) -> JSONObject:
        """The route's answer; one with no body is an empty object."""
        return call_json(method, self.base_url.rstrip("/") + path, self.id_token, body) or {}

    def me(self) -> JSONObject:
        return self._call("GET", "/me")

    def upload_keys(self, expected_version: int, keys: JSONObject, first_statement: JSONObject | None = None) -> int:
        body: JSONObject = {"expectedVersion": expected_version, "keys": keys}
        if first_statement is not None:
            body["statement"] = first_statement
        version: int = self._call("PUT", "/me/keys", body)["keysVersion"]
        return version

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
        return self._call("PUT", "/cloud/connection", {"roleArn": role_arn})

    def cloud(self) -> JSONObject:
        return self._call("GET", "/cloud")

    def request_deployment(self, action: str) -> JSONObject:
        return self._call("POST", "/deployments", {"action": action})

    def deployment(self, deployment_id: str) -> JSONObject:
        return self._call("GET", f"/deployments/{quote(deployment_id, safe='')}")
