"""The local cloud's HTTP servers (the gateway, the web app, moto's) stop as servers do: nothing answers after."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from imegha_local.serving import BackgroundServer


class _KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(BackgroundServer):
    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAlive)
        self._server.daemon_threads = True


def test_a_stopped_server_hangs_up_on_its_kept_alive_connections():
    server = _Server()
    server.start()
    connection = http.client.HTTPConnection(*server._server.server_address[:2], timeout=5)
    connection.request("GET", "/")
    assert connection.getresponse().read() == b"ok"

    server.stop()

    # Before, the connection's handler thread outlived the server and went on answering (a reset cloud's old
    # gateway answering 404 for every API deployed since).
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.request("GET", "/")
        connection.getresponse()
