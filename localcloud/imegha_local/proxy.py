"""What API Gateway sends a proxy-integrated Lambda, and how it turns the answer into an HTTP response.

REST APIs speak payload format 1.0, HTTP APIs 2.0. The shapes follow the API
Gateway developer guide ("Set up Lambda proxy integrations", "payload format
version"), including the parts handlers trip over: repeated query parameters and
headers (lists in 1.0's ``multiValue*`` fields, comma-joined in 2.0), 2.0's
lower-cased headers with cookies split out, claims rendered as strings, and
binary bodies base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatch
from typing import Any
from urllib.parse import parse_qsl, unquote

from imegha_local.api_specs import ApiSpec, RouteSpec
from imegha_local.routes import route_key

_TEXT_TYPES = (
    "text/*",
    "application/json",
    "application/*+json",
    "application/xml",
    "application/*+xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
)
_REST_RESPONSE_FIELDS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
_REQUEST_TIME = "%d/%b/%Y:%H:%M:%S +0000"
# Framing is the gateway's business, whatever the function says.
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # percent-encoded, after the API's base path; starts with "/"
    query: str  # raw, without "?"
    headers: tuple[tuple[str, str], ...]  # as received, in order
    body: bytes
    source_ip: str

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None

    def headers_by_name(self) -> dict[str, str]:
        """Lower-cased names, repeated headers comma-joined (as HTTP allows)."""
        grouped = _grouped((name.lower(), value) for name, value in self.headers)
        return {name: ",".join(values) for name, values in grouped.items()}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class MalformedResponse(Exception):
    """The function answered with something API Gateway cannot turn into a response (a 502)."""


def message(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
    """API Gateway's own answers: ``{"message": ...}``."""
    return HttpResponse(
        status,
        (("Content-Type", "application/json"), *headers),
        json.dumps({"message": text}, separators=(",", ":")).encode(),
    )


def rest_event(
    api: ApiSpec,
    route: RouteSpec,
    request: HttpRequest,
    path_parameters: dict[str, str],
    claims: dict | None,
    request_id: str,
    caller: dict | None = None,
) -> dict:
    """Payload format 1.0; ``caller``: who signed the request, for an ``AWS_IAM`` route (``requestContext.identity``)."""
    multi_headers = _grouped(request.headers)
    multi_query = _grouped(parse_qsl(request.query, keep_blank_values=True))
    body, is_base64 = _event_body(request, binary=_is_binary(request.header("content-type"), api.binary_media_types))
    path = unquote(request.path)
    now = datetime.now(UTC)
    context = {
        **_shared_context(api, request, request_id),
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent"),
            **dict.fromkeys(
                (
                    "accessKey",
                    "accountId",
                    "caller",
                    "cognitoAuthenticationProvider",
                    "cognitoAuthenticationType",
                    "cognitoIdentityId",
                    "cognitoIdentityPoolId",
                    "principalOrgId",
                    "user",
                    "userArn",
                )
            ),
            **(caller or {}),
        },
        "path": f"/{api.stage}{path}",
        "protocol": "HTTP/1.1",
        "requestTime": now.strftime(_REQUEST_TIME),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": hashlib.sha256(route.path.encode()).hexdigest()[:6],
        "resourcePath": route.path,
    }
    if claims is not None:
        context["authorizer"] = {"claims": {name: _rest_claim(name, value) for name, value in claims.items()}}
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        # The single-valued fields keep the last value, as API Gateway's do.
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_event(
    api: ApiSpec,
    route: RouteSpec,
    request: HttpRequest,
    path_parameters: dict[str, str],
    claims: dict | None,
    request_id: str,
    caller: dict | None = None,
) -> dict:
    """Payload format 2.0; ``caller``: who signed the request, for an ``AWS_IAM`` route (``authorizer.iam``)."""
    headers = request.headers_by_name()
    headers.pop("cookie", None)
    cookies = [
        cookie.strip()
        for name, value in request.headers
        if name.lower() == "cookie"
        for cookie in value.split(";")
        if cookie.strip()
    ]
    query = _grouped(parse_qsl(request.query, keep_blank_values=True))
    raw_path = request.path if api.stage == "$default" else f"/{api.stage}{request.path}"
    key = route_key(route)
    now = datetime.now(UTC)
    context = {
        **_shared_context(api, request, request_id),
        "http": {
            "method": request.method,
            "path": unquote(raw_path),
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "routeKey": key,
        "time": now.strftime(_REQUEST_TIME),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if caller is not None:
        context["authorizer"] = {"iam": caller}
    if claims is not None:
        context["authorizer"] = {
            "jwt": {
                "claims": {name: _http_claim(value) for name, value in claims.items()},
                "scopes": str(claims.get("scope", "")).split() or None,
            }
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": key,
        "rawPath": raw_path,
        "rawQueryString": request.query,
        "headers": headers,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {name: ",".join(values) for name, values in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["requestContext"] = context
    body, is_base64 = _event_body(request, binary=not _is_text(request.header("content-type")))
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


def rest_response(payload: Any, api: ApiSpec, request: HttpRequest) -> HttpResponse:
    """A 1.0 response; anything but its five fields, or no statusCode, is malformed as in API Gateway."""
    if not isinstance(payload, dict) or "statusCode" not in payload or not _REST_RESPONSE_FIELDS.issuperset(payload):
        raise MalformedResponse("a REST proxy response is an object with statusCode and only the five known fields")
    headers = [
        (name, _header_value(value))
        for name, values in (payload.get("multiValueHeaders") or {}).items()
        for value in values
    ]
    multi_names = {name.lower() for name, _ in headers}
    headers += [
        (name, _header_value(value))
        for name, value in (payload.get("headers") or {}).items()
        if name.lower() not in multi_names
    ]
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    # A base64 body is turned back into bytes only for a binary media type, as API Gateway does.
    content_type = next(value for name, value in headers if name.lower() == "content-type")
    binary = any(
        _is_binary(accepted, api.binary_media_types)
        for accepted in [content_type, *(request.header("accept") or "").split(",")]
    )
    body = _response_body(payload, decode=binary)
    return HttpResponse(_status(payload["statusCode"]), tuple(headers), body)


def http_response(payload: Any) -> HttpResponse:
    """A 2.0 response: the full form if it has a statusCode, otherwise the payload itself is a JSON body."""
    if not (isinstance(payload, dict) and "statusCode" in payload):
        return HttpResponse(200, (("Content-Type", "application/json"),), json.dumps(payload).encode())
    headers = [
        (name, _header_value(value))
        for name, value in (payload.get("headers") or {}).items()
        if name.lower() not in _HOP_BY_HOP
    ]
    cookies = payload.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be a list")
    headers += [("Set-Cookie", str(cookie)) for cookie in cookies]
    return HttpResponse(_status(payload["statusCode"]), tuple(headers), _response_body(payload, decode=True))


def _shared_context(api: ApiSpec, request: HttpRequest, request_id: str) -> dict:
    """The requestContext fields both payload formats have."""
    return {
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": request.header("host"),
        "domainPrefix": api.api_id,
        "requestId": request_id,
        "stage": api.stage,
    }


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        grouped[name].append(value)
    return dict(grouped)


def _event_body(request: HttpRequest, *, binary: bool) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if not binary:
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def _response_body(payload: dict, *, decode: bool) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    if payload.get("isBase64Encoded") and decode:
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedResponse("isBase64Encoded, but the body is not base64") from error
    return body.encode()


def _status(value: Any) -> int:
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise MalformedResponse(f"statusCode {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _is_text(content_type: str | None) -> bool:
    media_type = _media_type(content_type)
    return not media_type or any(fnmatch(media_type, pattern) for pattern in _TEXT_TYPES)


def _is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    media_type = _media_type(content_type)
    return bool(media_type) and any(fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)


def _rest_claim(name: str, value: Any) -> str:
    """A REST Cognito authorizer hands claims over as strings, its timestamps as Java's Date.toString."""
    if name in ("exp", "iat") and isinstance(value, int | float):
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
    if isinstance(value, list):
        return ",".join(map(str, value))
    return _scalar(value)


def _http_claim(value: Any) -> str:
    """An HTTP API's JWT authorizer hands claims over as strings, lists in brackets, space-separated."""
    if isinstance(value, list):
        return "[" + " ".join(map(str, value)) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)
