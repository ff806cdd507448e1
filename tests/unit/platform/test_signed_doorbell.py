"""imegha_service.events.SignedDoorbell: a ring signed as the function's role, tried again when throttled or failed on
the way, not when refused."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from imegha_service import events
from imegha_service.events import PublishFailed, SignedDoorbell

SESSION = boto3.Session(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1")


class Doorbell(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, statuses: list[int]):
        super().__init__(("127.0.0.1", 0), _Ring)
        self.statuses, self.heard = statuses, []


class _Ring(BaseHTTPRequestHandler):
    server: Doorbell

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.heard.append((self.headers["Authorization"], json.loads(body)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        answer = json.dumps({"rung": True} if status < 300 else {"message": f"refused {status}"}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def doorbell():
    made = []

    def serve(*statuses: int) -> tuple[Doorbell, SignedDoorbell]:
        served = Doorbell(list(statuses))
        threading.Thread(target=served.serve_forever, daemon=True).start()
        made.append(served)
        waits: list[float] = []
        ringer = SignedDoorbell(f"http://127.0.0.1:{served.server_address[1]}/dev/doorbell", SESSION, waits.append)
        return served, ringer

    yield serve
    for served in made:
        served.shutdown()
        served.server_close()


def test_a_ring_is_signed_and_a_throttled_or_failed_one_tried_again(doorbell):
    served, ringer = doorbell(429, 503)

    ringer.publish("Message Posted", {"senderId": "alice"})

    assert len(served.heard) == 3
    authorization, ring = served.heard[-1]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/") and "/execute-api/" in authorization
    assert ring == {"detailType": "Message Posted", "detail": {"senderId": "alice"}}


def test_a_refused_ring_is_not_tried_again_and_says_why(doorbell):
    served, ringer = doorbell(403)
    with pytest.raises(PublishFailed, match="HTTP 403: refused 403"):
        ringer.publish("Message Posted", {"senderId": "alice"})
    assert len(served.heard) == 1


def test_a_doorbell_that_never_answers_fails_after_the_last_attempt():
    ringer = SignedDoorbell("http://127.0.0.1:9/dev/doorbell", SESSION, lambda _: None)
    with pytest.raises(PublishFailed, match="no answer"):
        ringer.publish("Message Posted", {"senderId": "alice"})
    assert events.RING_ATTEMPTS > 1


def test_a_cloud_in_another_region_signs_its_ring_for_the_platforms_region_where_the_doorbell_is():
    """API Gateway refuses a signature scoped to a region other than the API's: a cloud in eu-central-1 signs its
    ring to the platform's us-east-1 doorbell for us-east-1."""
    in_frankfurt = boto3.Session(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="s", region_name="eu-central-1")
    sent: list[dict[str, str]] = []

    class Recorded(SignedDoorbell):
        def _send(self, headers, body):
            sent.append(headers)
            return 200, {}

    url = "https://d00rbe11.execute-api.us-east-1.amazonaws.com/dev/doorbell"
    Recorded(url, in_frankfurt, region="us-east-1").publish("X", {})

    assert "/us-east-1/execute-api/aws4_request" in sent[0]["Authorization"]
