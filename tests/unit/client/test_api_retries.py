"""The SDK's REST calls keep their connection alive, and retry what is safe to retry: an idempotent, unsigned request
throttled (429) or failed on the way (5xx), after a jittered backoff; never a POST or a signed request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from imegha import platform_api
from imegha.platform_api import ApiError, call_json
from imegha_crypto import SIGNATURE_HEADER


class Scripted(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statuses: list[int]):
        super().__init__(("127.0.0.1", 0), _Answer)
        self.statuses = statuses
        self.seen: list[tuple[str, int]] = []  # (method, the client's port): one port is one connection

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/prod"


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Scripted

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.client_address[1]))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        body = json.dumps({"ok": True} if status < 400 else {"message": f"status {status}"}).encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    made: list[Scripted] = []

    def serve(*statuses: int) -> Scripted:
        scripted = Scripted(list(statuses))
        threading.Thread(target=scripted.serve_forever, daemon=True).start()
        made.append(scripted)
        return scripted

    yield serve
    for scripted in made:
        scripted.shutdown()
        scripted.server_close()


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(platform_api, "sleep", waited.append)
    return waited


def test_a_throttled_or_failed_get_is_retried_after_a_backoff_over_the_same_connection(server, waits):
    api = server(503, 429, 502)

    assert call_json("GET", f"{api.url}/me", "token") == {"ok": True}

    assert [method for method, _ in api.seen] == ["GET"] * 4
    assert len({port for _, port in api.seen}) == 1, "one connection, kept alive"
    assert len(waits) == 3 and waits[1] == 0  # Retry-After: 0 is honoured
    assert all(0 <= wait <= platform_api.MAX_DELAY_S for wait in waits)


def test_calls_one_after_another_share_one_connection(server, waits):
    api = server()
    for _ in range(5):
        call_json("PUT", f"{api.url}/devices/phone-0001", "token", {"platform": "apns"})
    assert len({port for _, port in api.seen}) == 1 and waits == []


def test_a_failure_that_does_not_clear_is_reported_after_the_last_attempt(server, waits):
    api = server(*[503] * platform_api.ATTEMPTS)
    with pytest.raises(ApiError) as refused:
        call_json("DELETE", f"{api.url}/devices/phone-0001", "token")
    assert refused.value.status == 503 and len(api.seen) == platform_api.ATTEMPTS


@pytest.mark.parametrize(
    ("method", "headers"),
    [("POST", {}), ("PUT", {SIGNATURE_HEADER: "a signature with a nonce good for one use"})],
    ids=["a POST", "a signed request"],
)
def test_a_request_that_may_not_be_repeated_is_not_retried(server, waits, method, headers):
    api = server(503)
    with pytest.raises(ApiError) as refused:
        call_json(method, f"{api.url}/connections", "token", {"iMTag": "Bob"}, headers=headers)
    assert refused.value.status == 503 and len(api.seen) == 1 and waits == []


def test_a_refusal_is_not_retried(server, waits):
    api = server(404)
    with pytest.raises(ApiError, match="status 404"):
        call_json("GET", f"{api.url}/users/Nobody", "token")
    assert len(api.seen) == 1 and waits == []
