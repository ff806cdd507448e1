"""Request bodies of the user cloud's routes, checked against their schema (which may name the crypto layer's)."""

from __future__ import annotations

from pathlib import Path

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

import imegha_crypto
from imegha_service.requests import parse_json, schema_validator, validate

SCHEMAS = Path(__file__).parent.parent / "schemas"
CRYPTO_SCHEMAS = Path(imegha_crypto.__file__).parent / "schemas"


def json_body(app: ApiGatewayResolver, schema: str) -> dict:
    body = parse_json(app.current_event.body)
    validate(body, schema_validator(SCHEMAS / schema, SCHEMAS, CRYPTO_SCHEMAS))
    return body
