"""HTTP servers on threads of their own: the embedded AWS (moto's), the local gateway and the web app."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import HTTPServer


class BackgroundServer:
    """Subclasses set ``_server`` (bound, not yet serving); ``start()`` serves it on a daemon thread."""

    _server: HTTPServer
    _thread: threading.Thread | None = None
    _open_connections: set[socket.socket]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._open_connections = _tracked_connections(self._server)
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, and hang up on every kept-alive connection: its handler thread would otherwise go on
        answering a client from a server that is gone (a reset cloud's old routes, 404 for all that is new)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            for connection in list(self._open_connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()


def _tracked_connections(server: HTTPServer) -> set[socket.socket]:
    """The connections ``server`` has accepted and not yet closed, kept up to date as it serves."""
    open_connections: set[socket.socket] = set()
    accepted, closed = server.process_request, server.shutdown_request

    def process_request(request: socket.socket, client_address: object) -> None:
        open_connections.add(request)
        accepted(request, client_address)

    def shutdown_request(request: socket.socket) -> None:
        open_connections.discard(request)
        closed(request)

    server.process_request = process_request
    server.shutdown_request = shutdown_request
    return open_connections


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
                _with_browser_cors(DomainDispatcherApplication(create_backend_app), self),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=listening.fileno(),
            )
        self.port = self._server.port
        # The CORS rule of users' buckets (user-cloud/storage.yaml's, for the web app's origin): set by the cloud.
        self.bucket_cors: dict | None = None


def _with_browser_cors(application, server: MotoServer):
    """What AWS's endpoints answer a browser, which moto does not model.

    - A preflight before a JSON-protocol call (Cognito's sign-in, from the web app) carries no ``X-Amz-Target``, only
      its name among the headers to come, so moto cannot tell the service and hands it to S3. AWS's endpoints answer
      it for any origin (the calls carry no cookie); so does this.
    - S3 answers by the bucket's CORS rules, which moto's CloudFormation does not set from a template: users' buckets
      follow ``server.bucket_cors`` (the template's rule), a preflight refused (403) and an answer without CORS
      headers for any other origin, in place of the ``*`` moto's server puts on everything.
    """

    def answer(environ, start_response):
        asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").lower()
        origin = environ.get("HTTP_ORIGIN")
        json_api = "x-amz-target" in asked or "HTTP_X_AMZ_TARGET" in environ
        if environ.get("REQUEST_METHOD") == "OPTIONS" and "x-amz-target" in asked:
            return _reply(start_response, "200 OK", [("Access-Control-Allow-Origin", "*"), *_allowing("POST", asked)])
        rule = server.bucket_cors
        if rule is None or origin is None or json_api:
            return application(environ, start_response)
        allowed = origin in rule["AllowedOrigins"]
        if environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ:
            method = environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"]
            headers_ok = all(h.strip() in rule["AllowedHeaders"] for h in asked.split(",") if h.strip())
            if not (allowed and method in rule["AllowedMethods"] and headers_ok):
                return _reply(start_response, "403 Forbidden", [])
            granted = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            return _reply(start_response, "200 OK", granted + _allowing(",".join(rule["AllowedMethods"]), asked))

        def with_rule(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
            if allowed:
                kept += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
                kept += [("Access-Control-Expose-Headers", ",".join(rule.get("ExposedHeaders", [])))]
            return start_response(status, kept, exc_info)

        return application(environ, with_rule)

    return answer


def _allowing(methods: str, headers: str) -> list[tuple[str, str]]:
    return [
        ("Access-Control-Allow-Methods", methods),
        ("Access-Control-Allow-Headers", headers),
        ("Access-Control-Max-Age", "3600"),
    ]


def _reply(start_response, status: str, headers: list[tuple[str, str]]) -> list[bytes]:
    start_response(status, [*headers, ("Content-Length", "0")])
    return [b""]
