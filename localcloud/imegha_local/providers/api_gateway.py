"""What REST and HTTP APIs share: their OpenAPI definition, routes to Lambda functions, and going live locally.

An API's stage, once created, is served by the local gateway
(:mod:`imegha_local.gateway`), and its AWS invoke URL is mapped to the local
one, so that stack outputs name the address where it is served.
"""

from __future__ import annotations

import json
import re

from imegha_local.api_specs import ApiSpec, RouteSpec
from imegha_local.providers.base import s3_object
from imegha_local.shims.core import PARTITION, LocalCloudUnsupported, active

LAMBDA_INTEGRATION = re.compile(r"arn:[\w-]+:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(?P<arn>[^/]+)/invocations")
ANY_METHOD = "x-amazon-apigateway-any-method"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", ANY_METHOD}


def openapi_definition(properties: dict, account_id: str) -> dict:
    if "Body" in properties:
        body = properties["Body"]
        return json.loads(body) if isinstance(body, str) else body
    if "BodyS3Location" in properties:
        location = properties["BodyS3Location"]
        return _yaml_or_json(s3_object(account_id, location["Bucket"], location["Key"]))
    raise LocalCloudUnsupported("an API needs a Body or BodyS3Location (OpenAPI) to be served locally")


def lambda_route(method: str, path: str, integration_uri: str, authorizer):
    match = LAMBDA_INTEGRATION.fullmatch(integration_uri or "")
    function_arn = match.group("arn") if match else integration_uri
    if not (function_arn or "").startswith(f"arn:{PARTITION}:lambda:"):
        raise LocalCloudUnsupported(f"{method} {path}: integration {integration_uri!r} is not a Lambda function")
    return RouteSpec(method=method, path=path, function_arn=function_arn, authorizer=authorizer)


def serve_stage(
    api_id: str, account_id: str, region: str, kind: str, stage: str, routes: list, aws_url: str, **served
) -> None:
    """Serve a stage's routes; ``served`` is the rest of its :class:`ApiSpec` (CORS, gateway responses)."""
    hooks = active()
    local = hooks.gateway.add_api(
        ApiSpec(
            api_id=api_id, account_id=account_id, region=region, kind=kind, stage=stage, routes=tuple(routes), **served
        )
    )
    hooks.api_urls[aws_url] = local.rstrip("/")


def cognito_jwks_url(pool_id: str) -> str:
    return f"{active().endpoint_url}/{pool_id}/.well-known/jwks.json"


def _yaml_or_json(content: bytes) -> dict:
    import yaml

    return yaml.safe_load(content)
