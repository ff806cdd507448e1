"""What the local gateway serves: an API's stage and its routes, each to a Lambda function, maybe behind an authorizer.

The providers describe them from the templates (:mod:`imegha_local.providers`),
the gateway serves them (:mod:`imegha_local.gateway`) and the proxy integration
builds each function's event from them (:mod:`imegha_local.proxy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from imegha_local.authorizers import AuthorizerSpec

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RouteSpec:
    method: str  # GET, POST, ..., or ANY
    path: str  # the template's form: /users/{iMTag}, /{proxy+}; "$default" for an HTTP API's default route
    function_arn: str  # "" for a mock integration
    authorizer: AuthorizerSpec | None
    # A REST API's mock integration (SAM's CORS preflight): answered 200 with these headers, nothing invoked.
    mock_headers: Headers | None = None


@dataclass(frozen=True)
class CorsSpec:
    """An HTTP API's CorsConfiguration, which API Gateway applies itself: it answers preflights and adds the headers
    to every answer to an allowed origin, refusals included."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None


@dataclass(frozen=True)
class ApiSpec:
    api_id: str
    account_id: str
    region: str
    kind: Literal["REST", "HTTP"]
    stage: str  # "$default" for an HTTP API's default stage
    routes: tuple[RouteSpec, ...]
    # A REST API's BinaryMediaTypes: which request bodies reach the function
    # base64-encoded, and which base64 answers go back as bytes.
    binary_media_types: tuple[str, ...] = ()
    cors: CorsSpec | None = None  # an HTTP API's
    # A REST API's gateway responses (DEFAULT_4XX, DEFAULT_5XX): headers on the answers API Gateway makes itself.
    gateway_response_headers: dict[str, Headers] | None = None
