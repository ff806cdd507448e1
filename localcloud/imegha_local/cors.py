"""CORS as API Gateway applies it, from what the templates declare (one origin: the web app's).

An HTTP API's ``CorsConfiguration``: API Gateway answers a preflight itself (no
route, no authorizer, nothing invoked) and puts the headers on every answer to
an allowed origin, the function's own CORS headers replaced; an origin not
allowed gets no CORS header at all, so its page cannot read the answer. A REST
API has no such setting: SAM's ``Cors`` makes mock ``OPTIONS`` methods (served
as routes with static headers) and the functions add the headers to their
answers; ``GatewayResponses`` put them on what the gateway answers itself.
"""

from __future__ import annotations

from imegha_local.api_specs import ApiSpec, CorsSpec
from imegha_local.proxy import HttpResponse

_CORS_HEADERS = {
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-allow-credentials",
}


def preflight(cors: CorsSpec, method: str, headers: dict[str, str]) -> HttpResponse | None:
    """An HTTP API's answer to a CORS preflight, or None when the request is not one."""
    if method != "OPTIONS" or "origin" not in headers or "access-control-request-method" not in headers:
        return None
    if not _allowed(cors, headers["origin"]):
        return HttpResponse(204, (), b"")
    answer = [
        ("Access-Control-Allow-Origin", headers["origin"]),
        ("Access-Control-Allow-Methods", ",".join(cors.allow_methods)),
        ("Access-Control-Allow-Headers", ",".join(cors.allow_headers)),
        ("Vary", "Origin"),
    ]
    if cors.max_age is not None:
        answer.append(("Access-Control-Max-Age", str(cors.max_age)))
    return HttpResponse(204, tuple(answer), b"")


def with_cors(cors: CorsSpec, headers: dict[str, str], response: HttpResponse) -> HttpResponse:
    """An HTTP API's answer with the configuration's headers in place of any the function set."""
    kept = tuple((name, value) for name, value in response.headers if name.lower() not in _CORS_HEADERS)
    origin = headers.get("origin")
    if origin is None or not _allowed(cors, origin):
        return HttpResponse(response.status, kept, response.body)
    added = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if cors.expose_headers:
        added.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    return HttpResponse(response.status, (*kept, *added), response.body)


def with_gateway_response(api: ApiSpec, response: HttpResponse) -> HttpResponse:
    """A REST API's own answer (a 401, a 403 without a route, a 502) with its gateway response's headers."""
    declared = api.gateway_response_headers or {}
    headers = declared.get("DEFAULT_4XX" if response.status < 500 else "DEFAULT_5XX", ())
    return HttpResponse(response.status, (*response.headers, *headers), response.body)


def _allowed(cors: CorsSpec, origin: str) -> bool:
    return "*" in cors.allow_origins or origin in cors.allow_origins
