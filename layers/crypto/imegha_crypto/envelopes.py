"""Envelope shapes: the JSON Schemas shipped in ``schemas/`` and the one check against them.

Lambdas call ``validate_envelope`` before storing anything a client sent; the
layer calls it before opening anything. A refusal is a ``FormatError`` whose
message names the envelope type, the field and the reason.
"""

from __future__ import annotations

import json
from importlib.resources import files

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from .errors import FormatError

ENVELOPE_TYPES = (
    "password-wrapped-key",
    "recovery-wrapped-key",
    "wrapped-key",
    "recipient-wrapped-key",
    "sealed-data",
    "signed-record",
    "key-statement",
    "account-keys",
)


def _load_validators() -> dict[str, Draft202012Validator]:
    schema_files = [entry for entry in files(__package__).joinpath("schemas").iterdir() if entry.name.endswith(".json")]
    schemas = {entry.name.removesuffix(".json"): json.loads(entry.read_text("utf-8")) for entry in schema_files}
    registry = Registry().with_resources((schema["$id"], Resource.from_contents(schema)) for schema in schemas.values())
    return {name: Draft202012Validator(schemas[name], registry=registry) for name in ENVELOPE_TYPES}


_VALIDATORS = _load_validators()


def validate_envelope(envelope_type: str, envelope: object) -> None:
    """Refuse ``envelope`` unless it is a well-formed envelope of ``envelope_type``, of a known version."""
    validator = _VALIDATORS.get(envelope_type)
    if validator is None:
        raise ValueError(f"unknown envelope type {envelope_type!r}; the types are {', '.join(ENVELOPE_TYPES)}")
    error = best_match(validator.iter_errors(envelope))
    if error is not None:
        raise FormatError(f"{envelope_type}: {_field(error)}: {_reason(error)}")


def _field(error: ValidationError) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        path.append(next(name for name in error.validator_value if name not in error.instance))
    elif error.validator == "additionalProperties":
        path.append(next(name for name in error.instance if name not in error.schema.get("properties", {})))
    return ".".join(path) or "(the envelope itself)"


_JSON_TYPES = {
    type(None): "null",
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
}


def _reason(error: ValidationError) -> str:
    value, instance = error.validator_value, error.instance
    description: str = error.schema.get("description", "")
    match error.validator:
        case "required":
            return "missing"
        case "additionalProperties":
            return "not a field of this envelope"
        case "type":
            expected = " or ".join(value) if isinstance(value, list) else value
            return f"must be of type {expected}, not {_JSON_TYPES.get(type(instance), type(instance).__name__)}"
        case "const" if error.absolute_path and error.absolute_path[-1] == "v":
            return f"unknown version {instance!r}; this layer reads version {value}"
        case "const" if error.absolute_path and error.absolute_path[-1] == "alg":
            return f"unknown algorithm {instance!r}; expected {value!r}"
        case "const":
            return f"must be {value!r}, not {instance!r}"
        case "enum":
            return f"{instance!r} is not one of {', '.join(map(str, value))}"
        case "pattern":
            return f"not {description}"
        case "minLength" | "maxLength":
            return f"{len(instance)} characters; expected {description}"
        case "minimum":
            return f"{instance} is below the minimum of {value:,}"
        case "maximum":
            return f"{instance} is above the maximum of {value:,}"
        case "not":
            return description
    return str(error.message)
