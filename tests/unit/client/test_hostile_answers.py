"""A platform or cloud that answers with bytes meant to break the device's parser: each is a MalformedAnswer (an
ApiError, as every command shows it) naming the place and the reason, never a traceback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from imegha.platform_api import ApiError, MalformedAnswer, call_json


@pytest.fixture
def hostile() -> Iterator[tuple[str, dict]]:
    """A server that answers each request with ``answer["status"]`` and ``answer["body"]``."""
    answer: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer["body"])))
            self.end_headers()
            self.wfile.write(answer["body"])

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answer
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 200_000 + b"]" * 200_000, "nested deeper than 64 levels"),
        (b"{not json", "not valid JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (b'{"n": ' + b"1" * 5000 + b"}", "not valid JSON (a number of 5000 digits, more than 100)"),
        (b'["an", "array"]', "a JSON object was expected, not list"),
        (b'"' + b"x" * (6 * 1024 * 1024) + b'"', "6291457 bytes, more than the 6291456 allowed"),
    ],
    ids=["deep", "broken", "long number", "not an object", "too large"],
)
def test_an_answer_that_would_break_the_parser_is_a_malformed_answer(hostile, body, reason):
    url, answer = hostile
    answer.update(status=200, body=body)

    with pytest.raises(MalformedAnswer) as refused:
        call_json("GET", f"{url}/prod/me?X-Amz-Signature=secret", "token")

    assert refused.value.status == 502
    assert refused.value.message == f"the answer from {url} is not well-formed: {reason}"


@pytest.mark.parametrize(
    "body", [b"[" * 200_000, b'["message"]', b'{"message": ["not", "text"], "field": 7}', b"plain words"]
)
def test_a_refusal_whose_body_is_not_the_usual_json_keeps_its_status_and_shows_its_text(hostile, body):
    url, answer = hostile
    answer.update(status=403, body=body)

    with pytest.raises(ApiError) as refused:
        call_json("GET", f"{url}/me", "token")

    assert refused.value.status == 403 and refused.value.field is None
    assert refused.value.message in (body[:500].decode(), "Forbidden")
