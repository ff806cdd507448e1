"""A download whose connection breaks picks up where it stopped, with a Range request, instead of starting over."""

from __future__ import annotations

import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from imegha.transfer import TransferError, fetched

OBJECT = os.urandom(5 * 1024 * 1024 + 123)


class Bucket(ThreadingHTTPServer):
    """Serves OBJECT, honouring Range; the first ``breaks`` answers are cut off after ``cut`` bytes of their body."""

    daemon_threads = True

    def __init__(self, breaks: int, cut: int = 2 * 1024 * 1024, honours_range: bool = True):
        super().__init__(("127.0.0.1", 0), _Serve)
        self.breaks, self.cut, self.honours_range = breaks, cut, honours_range
        self.asked: list[str | None] = []  # the Range header of each GET

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/files/f1?X-Amz-Signature=presigned"


class _Serve(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Bucket

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        wanted = self.headers.get("Range")
        self.server.asked.append(wanted)
        start = int(re.fullmatch(r"bytes=(\d+)-", wanted)[1]) if wanted and self.server.honours_range else 0
        body = OBJECT[start:]
        self.send_response(206 if start or (wanted and self.server.honours_range) else 200)
        if wanted and self.server.honours_range:
            self.send_header("Content-Range", f"bytes {start}-{len(OBJECT) - 1}/{len(OBJECT)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.breaks:
            self.server.breaks -= 1
            self.wfile.write(body[: self.server.cut])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # the network drops it
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def bucket():
    made: list[Bucket] = []

    def serve(**options) -> Bucket:
        served = Bucket(**options)
        threading.Thread(target=served.serve_forever, daemon=True).start()
        made.append(served)
        return served

    yield serve
    for served in made:
        served.shutdown()
        served.server_close()


def test_a_download_cut_off_twice_resumes_from_where_it_stopped_and_arrives_whole(bucket):
    served = bucket(breaks=2)
    moved: list[int] = []

    with fetched(served.url, len(OBJECT), moved.append) as body:
        received = b"".join(iter(lambda: body.read(65536), b""))

    assert received == OBJECT and sum(moved) == len(OBJECT)
    first_cut, second_cut = served.cut, 2 * served.cut
    assert served.asked == [None, f"bytes={first_cut}-", f"bytes={second_cut}-"], "each retry asks only for the rest"


def test_a_download_that_breaks_again_and_again_with_no_progress_fails_plainly(bucket):
    served = bucket(breaks=99, cut=0)
    with pytest.raises(TransferError, match="the download stopped"), fetched(served.url, len(OBJECT)) as body:
        while body.read(65536):
            pass
    assert len(served.asked) == 1 + 3


def test_a_bucket_that_answers_a_range_with_the_whole_object_is_not_taken_for_the_rest(bucket):
    served = bucket(breaks=1, honours_range=False)
    with pytest.raises(TransferError, match="would not resume"), fetched(served.url, len(OBJECT)) as body:
        while body.read(65536):
            pass
