"""Requests to the gateway as any program could send them, valid tokens and all: what attackers (and sloppy
clients) do, beside what people type."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def http(
    method: str, url: str, token: str | None, body: bytes | dict | None = None, headers: dict | None = None
) -> tuple[int, dict]:
    """One request to the gateway; the status and the JSON it answered."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
