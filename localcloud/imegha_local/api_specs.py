"""What the local gateway serves: an API's stage and its routes, each to a Lambda function, maybe behind an authorizer.

The providers describe them from the templates (:mod:`imegha_local.providers`),
the gateway serves them (:mod:`imegha_local.gateway`) and the proxy integration
builds each function's event from them (:mod:`imegha_local.proxy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from imegha_local.authorizers import AuthorizerSpec


@dataclass(frozen=True)
class RouteSpec:
    method: str  # GET, POST, ..., or ANY
    path: str  # the template's form: /users/{iMTag}, /{proxy+}; "$default" for an HTTP API's default route
    function_arn: str
    authorizer: AuthorizerSpec | None


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
