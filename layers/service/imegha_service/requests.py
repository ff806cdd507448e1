"""Request bodies parsed and checked against a JSON Schema before anything is written.

A body is parsed only once its size and nesting depth are known to be within limits (``imegha_crypto.parse_json``),
so that no body makes a Lambda fail rather than answer a 4xx with the reason.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, cast

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

import imegha_crypto

from .errors import InvalidRequest, TooLarge

CRYPTO_SCHEMAS = Path(imegha_crypto.__file__).parent / "schemas"
# Well above the largest body a schema allows (a 1,000-member group's key copies: 1.3 MB with RSA-4096 keys and UUID
# user ids, about 1.8 MB with the longest ids), below the 6 MB a Lambda may be handed: a larger body is refused by its
# size alone, before any of it is parsed.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Two and a half times the values of that largest body (about 20,000): checking each against the schema costs up to
# 60 microseconds (a recursive $ref), so no body keeps a Lambda busy for more than a few seconds.
MAX_BODY_VALUES = 50_000
# A refusal quotes the value it refuses (jsonschema's messages do); no more of it than this.
MAX_REASON = 300

# The draft's format checks, with "date-time" that also refuses a trailing newline: jsonschema checks it with
# rfc3339-validator's regex, whose "$" (Python's) matches before a final newline, unlike RFC 3339's grammar.
_DATE_TIME, _DATE_TIME_RAISES = Draft202012Validator.FORMAT_CHECKER.checkers["date-time"]


def _date_time(instance: object) -> bool:
    return not (isinstance(instance, str) and instance.endswith("\n")) and bool(_DATE_TIME(instance))


FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers = Draft202012Validator.FORMAT_CHECKER.checkers | {"date-time": (_date_time, _DATE_TIME_RAISES)}


def parse_json(body: str | None) -> object:
    if not body:
        raise InvalidRequest("body", "a JSON body is required")
    try:
        return imegha_crypto.parse_json(body, max_bytes=MAX_BODY_BYTES, max_values=MAX_BODY_VALUES, fractions=False)
    except imegha_crypto.TooLargeError as refused:
        raise TooLarge("body", str(refused)) from None
    except imegha_crypto.FormatError as refused:
        raise InvalidRequest("body", str(refused)) from None


def json_body(app: ApiGatewayResolver, schemas: Path, schema: str) -> dict[str, Any]:
    """The current request's JSON body, valid against ``schemas/schema``; its ``$ref``s resolve among ``schemas``
    and the crypto layer's (every Lambda has both layers)."""
    body = parse_json(app.current_event.body)
    validate(body, schema_validator(schemas / schema, schemas, CRYPTO_SCHEMAS))
    return cast(dict[str, Any], body)  # every request schema is of type object


def validate(document: object, validator: Draft202012Validator) -> None:
    """Raise ``InvalidRequest`` naming the first wrong field (in the schema's order) and why.

    Only the first error is computed: a body can hold a million wrong items, each error costs time, and a schema
    names ``maxItems`` before ``items`` and ``uniqueItems`` (which compares unsortable items pairwise), so a list
    too long is refused by its length alone. The reason quotes at most a few hundred characters of the value.
    """
    first = next(validator.iter_errors(document), None)
    if first is not None:
        field = "/".join(str(part) for part in first.absolute_path) or "body"
        reason = first.message
        raise InvalidRequest(field, reason if len(reason) <= MAX_REASON else f"{reason[:MAX_REASON]}…")


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
    return Draft202012Validator(schema, registry=registry, format_checker=FORMAT_CHECKER)
