"""HTTP servers on threads of their own: the embedded AWS (moto's), the local gateway and the web app."""

from __future__ import annotations

import socket
import threading
from http.server import HTTPServer


class BackgroundServer:
    """Subclasses set ``_server`` (bound, not yet serving); ``start()`` serves it on a daemon thread."""

    _server: HTTPServer
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


class MotoServer(BackgroundServer):
    """moto's threaded server (what ``ThreadedMotoServer`` runs), on a socket bound first, so that a port in use
    is an error here: ``ThreadedMotoServer`` binds inside its thread, and when that fails its ``start()`` waits for
    ever."""

    def __init__(self, host: str, port: int):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        # Bound here, not by werkzeug: on a port in use, werkzeug prints a message and exits the process.
        with socket.create_server((host, port)) as listening:
            self._server = make_server(
                host,
                listening.getsockname()[1],
                _answering_json_api_preflights(DomainDispatcherApplication(create_backend_app)),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=listening.fileno(),
            )
        self.port = self._server.port


def _answering_json_api_preflights(application):
    """A browser's preflight before a JSON-protocol call (Cognito's sign-in, from the web app) carries no
    ``X-Amz-Target``, only its name among the headers to come, so moto cannot tell the service and hands it to S3.
    AWS's endpoints answer it for any origin (the calls themselves carry no cookie); so does this."""

    def preflight(environ, start_response):
        asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").lower()
        if environ.get("REQUEST_METHOD") != "OPTIONS" or "x-amz-target" not in asked:
            return application(environ, start_response)
        start_response(
            "200 OK",
            [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", asked),
                ("Access-Control-Max-Age", "86400"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]

    return preflight
