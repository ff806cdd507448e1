"""Request bodies parsed and checked against a JSON Schema before anything is written."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, cast

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

import imegha_crypto

from .errors import InvalidRequest

CRYPTO_SCHEMAS = Path(imegha_crypto.__file__).parent / "schemas"


def parse_json(body: str | None) -> object:
    if not body:
        raise InvalidRequest("body", "a JSON body is required")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidRequest("body", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def json_body(app: ApiGatewayResolver, schemas: Path, schema: str) -> dict[str, Any]:
    """The current request's JSON body, valid against ``schemas/schema``; its ``$ref``s resolve among ``schemas``
    and the crypto layer's (every Lambda has both layers)."""
    body = parse_json(app.current_event.body)
    validate(body, schema_validator(schemas / schema, schemas, CRYPTO_SCHEMAS))
    return cast(dict[str, Any], body)  # every request schema is of type object


def validate(document: object, validator: Draft202012Validator) -> None:
    """Raise ``InvalidRequest`` naming the first wrong field (by path) and why."""
    errors = sorted(validator.iter_errors(document), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        first = errors[0]
        field = "/".join(str(part) for part in first.absolute_path) or "body"
        raise InvalidRequest(field, first.message)


@cache
def schema_validator(schema_path: Path, *referenced_dirs: Path) -> Draft202012Validator:
    """A validator for a schema file; ``$ref``s resolve by ``$id`` among the schemas in ``referenced_dirs``."""
    resources = [
        Resource.from_contents(json.loads(path.read_text()))
        for directory in referenced_dirs
        for path in sorted(directory.glob("*.json"))
    ]
    registry = Registry().with_resources((uri, resource) for resource in resources if (uri := resource.id()))
    schema = json.loads(schema_path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
