"""The local API Gateway: every REST and HTTP API of the local cloud, served on one port.

URLs: ``http://HOST:PORT/<api_id>/<stage>/<path>``, the stage left out for an
HTTP API's ``$default`` stage, as in an execute-api URL. :meth:`LocalGateway.add_api`
returns an API's base URL.

Per request, as API Gateway: choose the route (:mod:`imegha_local.routes`; none
is a REST API's 403 "Missing Authentication Token" or an HTTP API's 404),
run the route's authorizer (401 without invoking anything), build the proxy event
(:mod:`imegha_local.proxy`), invoke the function through the runtime, and map
its answer back. A function that fails, times out or answers something
malformed is a 502 ``{"message":"Internal server error"}``; what went wrong is in
the log, never in the response; a throttled one is a 429. Each request is one
``"type": "request"`` line in the runtime's log (route, status, latency, and why
it was refused), like an access log. The injected fault ``silent_clouds``
(:mod:`imegha_local.faults`) acts here: a user's cloud's API answers 504 without
running, and a ring a user's cloud signed is handled but its answer never sent.

An authorizer that reads a document (an issuer's OpenID configuration, its JWKS)
from an API this gateway serves gets it from the gateway itself, in-process, by
the API's ``execute-api`` name (which no DNS resolves locally; in AWS it reaches
API Gateway) or its local URL: :meth:`LocalGateway.fetch_json`.
"""

from __future__ import annotations

import errno
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from imegha_local import cors, proxy
from imegha_local.api_specs import ApiSpec, RouteSpec
from imegha_local.authorizers import AuthorizerSpec, TokenVerifier, Unauthorized, fetch_json
from imegha_local.proxy import HttpRequest, HttpResponse, MalformedResponse
from imegha_local.routes import DEFAULT_ROUTE, RouteTable, route_key
from imegha_local.runtime import LambdaRuntime, UnknownFunction
from imegha_local.serving import BackgroundServer
from imegha_local.sigv4 import CredentialsOf, signer

__all__ = ["ApiSpec", "AuthorizerSpec", "LocalGateway", "PortInUse", "RouteSpec"]

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_DISCARDED_BYTES = 8 * MAX_REQUEST_BYTES
MAX_HEADER_LINE, MAX_DRAINED_HEADERS = 65536, 100  # http.server's own limits
EXECUTE_API = re.compile(r"https://(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?P<path>/[^?#]*)?")


class PortInUse(Exception):
    pass


@dataclass
class _Api:
    spec: ApiSpec
    routes: RouteTable
    prefix: str = field(init=False)

    def __post_init__(self):
        self.prefix = f"/{self.spec.api_id}" + ("" if self.spec.stage == "$default" else f"/{self.spec.stage}")


class LocalGateway(BackgroundServer):
    def __init__(
        self,
        runtime: LambdaRuntime,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials_of: CredentialsOf = lambda access_key: None,
    ):
        self._runtime = runtime
        self._credentials_of = credentials_of  # the secrets AWS_IAM routes check signatures against
        self._verifier = TokenVerifier(self.fetch_json)
        self._apis: dict[str, _Api] = {}
        try:
            self._server = _Server((host, port), _RequestHandler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"{host}:{port} is already in use: stop what holds it, or choose another port"
                ) from None
            raise
        self._server.gateway = self

    def add_api(self, api: ApiSpec) -> str:
        """Serve ``api`` (replacing an API with the same id); returns its base URL."""
        if api.kind == "REST" and any(route.path == DEFAULT_ROUTE for route in api.routes):
            raise ValueError(f"API {api.api_id}: only HTTP APIs have a $default route")
        entry = _Api(api, RouteTable(api.routes))
        self._apis[api.api_id] = entry
        return self.url + entry.prefix

    def api_at(self, url: str) -> ApiSpec | None:
        """The API whose base URL (local, or its ``execute-api`` name) ``url`` is, or starts with; None if none."""
        aws = EXECUTE_API.fullmatch(url.rstrip("/"))
        path = f"/{aws.group('api')}{aws.group('path') or ''}" if aws else url.removeprefix(self.url)
        entry = self._apis.get(path.split("/")[1] if path.startswith("/") else "")
        return entry.spec if entry and (path == entry.prefix or path.startswith(entry.prefix + "/")) else None

    def remove_api(self, api_id: str) -> None:
        self._apis.pop(api_id, None)

    def fetch_json(self, url: str) -> object:
        """The JSON document a GET of ``url`` answers: an API served here answers in-process, anything else over HTTP.
        Raises ``OSError`` for an answer other than 200."""
        aws = EXECUTE_API.fullmatch(url)
        if aws is None and not url.startswith(self.url + "/"):
            return fetch_json(url)
        target = f"/{aws.group('api')}{aws.group('path') or ''}" if aws else url.removeprefix(self.url)
        response = self.handle("GET", target, (("Accept", "application/json"),), b"", "127.0.0.1")
        if response is None or response.status != 200:
            raise OSError(f"GET {url}: {f'HTTP {response.status}' if response else 'no answer'}")
        return json.loads(response.body)

    def handle(
        self, method: str, target: str, headers: tuple[tuple[str, str], ...], body: bytes, source_ip: str
    ) -> HttpResponse | None:
        """Answer one HTTP request as API Gateway would; None when the answer is lost (an injected fault: the
        connection drops)."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        record = {"type": "request", "method": method, "request_id": request_id}
        try:
            response = self._with_cors(
                method,
                target,
                headers,
                record,
                lambda: self._answer(method, target, headers, body, source_ip, request_id, record),
            )
        except Exception as error:  # noqa: BLE001 - a fault here is still an HTTP answer, and goes to the log
            record["reason"] = f"gateway fault: {type(error).__name__}: {error}"
            response = proxy.message(500, "Internal server error")
        record["status"] = response.status if response else "no answer"
        record["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        self._runtime.log.write(record, _summary(record))
        return response

    def _with_cors(
        self,
        method: str,
        target: str,
        headers: tuple[tuple[str, str], ...],
        record: dict,
        answer: Callable[[], tuple[HttpResponse | None, bool]],
    ) -> HttpResponse | None:
        """The answer, with the CORS headers API Gateway adds as the API's template declares them."""
        path = urlsplit(target).path
        api = self._apis.get(path.split("/")[1] if path.startswith("/") else "")
        by_name = {name.lower(): value for name, value in headers}
        if api is not None and api.spec.cors is not None:
            answered = cors.preflight(api.spec.cors, method, by_name)
            if answered is not None:
                record.update(api=api.spec.api_id, route="CORS preflight")
                return answered
        response, by_gateway = answer()
        if api is None or response is None:
            return response
        if api.spec.cors is not None:
            return cors.with_cors(api.spec.cors, by_name, response)
        return cors.with_gateway_response(api.spec, response) if by_gateway else response

    def _answer(
        self,
        method: str,
        target: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
        source_ip: str,
        request_id: str,
        record: dict,
    ) -> tuple[HttpResponse | None, bool]:
        """The answer (None if it is lost), and whether API Gateway made it (not the function)."""
        split = urlsplit(target)
        api = self._apis.get(split.path.split("/")[1] if split.path.startswith("/") else "")
        if api is None or not (split.path == api.prefix or split.path.startswith(api.prefix + "/")):
            record["reason"] = "no such API or stage"
            return proxy.message(404, "Not Found"), True
        spec = api.spec
        record.update(api=spec.api_id, account=spec.account_id)
        faults = self._runtime.faults
        if faults.silences(spec.account_id):
            record["reason"] = "injected fault: the cloud does not answer"
            return proxy.message(504, "Endpoint request timed out"), True
        request = HttpRequest(method, split.path[len(api.prefix) :] or "/", split.query, headers, body, source_ip)
        match = api.routes.match(method, request.path)
        if match is None:
            record["reason"] = "no route"
            if spec.kind == "REST":
                return proxy.message(403, "Missing Authentication Token"), True
            return proxy.message(404, "Not Found"), True
        route: RouteSpec = match.route
        record["route"] = route_key(route)
        if route.mock_headers is not None:
            return HttpResponse(200, route.mock_headers, b""), False

        claims = caller = None
        if route.authorizer is not None:
            try:
                if route.authorizer.kind == "AWS_IAM":
                    url = f"http://{request.header('host')}{split.path}" + (f"?{split.query}" if split.query else "")
                    caller = signer(self._credentials_of, method, url, request.headers_by_name(), body, spec.region)
                else:
                    claims = self._verifier.claims(route.authorizer, request.headers_by_name())
            except Unauthorized as refusal:
                record["reason"] = f"unauthorized: {refusal}"
                if route.authorizer.kind == "AWS_IAM":  # API Gateway refuses a missing or bad signature with a 403
                    return proxy.message(403, str(refusal)), True
                challenge = (
                    ("www-authenticate", f'Bearer scope="" error="invalid_token" error_description="{refusal}"'),
                )
                return proxy.message(401, "Unauthorized", challenge if spec.kind == "HTTP" else ()), True

        build_event = proxy.rest_event if spec.kind == "REST" else proxy.http_event
        event = build_event(spec, route, request, match.path_parameters, claims, request_id, caller)
        try:
            result = self._runtime.invoke(route.function_arn, event, source=f"api {spec.api_id} {record['route']}")
        except UnknownFunction:
            record["reason"] = f"no function {route.function_arn}"
            return proxy.message(500, "Internal server error"), True
        if result.throttled:
            record["reason"] = "function throttled"
            return proxy.message(429, "Too Many Requests"), True
        if result.error:
            record["reason"] = f"function error: {result.payload.get('errorType')}"
            return proxy.message(502, "Internal server error"), True
        if caller is not None and faults.silences(caller["accountId"]):
            record["reason"] = "injected fault: the calling cloud does not hear the answer"
            return None, False
        try:
            response = (
                proxy.rest_response(result.payload, spec, request)
                if spec.kind == "REST"
                else proxy.http_response(result.payload)
            )
        except MalformedResponse as malformed:
            record["reason"] = f"malformed Lambda proxy response: {malformed}"
            return proxy.message(502, "Internal server error"), True
        own_header = "x-amzn-RequestId" if spec.kind == "REST" else "apigw-requestid"
        return HttpResponse(response.status, (*response.headers, (own_header, request_id)), response.body), False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: LocalGateway

    def handle_error(self, request, client_address) -> None:
        # A client hanging up mid-response is its own business, not a fault to print.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of API Gateway
    # Headers and body go out in separate writes; with Nagle's algorithm the body
    # would wait for the client's delayed ACK, some 40 ms a response.
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            response = proxy.message(413, "Request Entity Too Large")
            self.close_connection = True
        else:
            response = self.server.gateway.handle(
                self.command, self.path, tuple(self.headers.items()), body, self.client_address[0]
            )
            if response is None:  # the answer is lost: the connection drops
                self.close_connection = True
                return
        self._write(response)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses itself (a request line or headers past its limits, a malformed request), worded
        as API Gateway words its own refusals: a JSON body with a message, not an HTML page."""
        self.close_connection = True
        if code == HTTPStatus.REQUEST_URI_TOO_LONG:
            self._drain_request()
        self._write(proxy.message(code, message or self.responses.get(code, ("Bad Request",))[0]))

    def _drain_request(self) -> None:
        """Read the rest of a request refused for its request line (the line, the headers, the body they announce),
        so that its sender, still sending, reads the 414 rather than a connection reset."""
        self.rfile.readline(MAX_DISCARDED_BYTES)
        length = 0
        for _ in range(MAX_DRAINED_HEADERS):
            line = self.rfile.readline(MAX_HEADER_LINE)
            if line.strip() == b"":
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value.strip())
        self._discard(length)

    def _write(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is over API Gateway's limit."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while chunk_size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                size += chunk_size
                if size > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(chunk_size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._discard(length)
            return None
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read and drop a body past the limit, so that its sender, still sending, reads the 413 rather than a
        connection reset (a body past any sense is not read: the connection closes on it)."""
        if length <= MAX_DISCARDED_BYTES:
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    return
                length -= len(chunk)

    def version_string(self) -> str:
        return "imegha-local-gateway"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        """Silent: the gateway logs every request to the runtime's log instead of stderr."""


def _summary(record: dict) -> str:
    reason = f"  ({record['reason']})" if "reason" in record else ""
    return (
        f"{record['status']:>7}  {record['method']} {record.get('api', '-')} {record.get('route', '-')}  "
        f"{record['latency_ms']:.1f} ms{reason}"
    )
