"""Request bodies for the fuzzer: documents valid against a route's own JSON Schema (``hypothesis-jsonschema``),
and bytes made from them that are not: truncated, bit-flipped, spliced, deeply nested, huge, or odd Unicode.

hypothesis-jsonschema resolves no remote ``$ref``, so each schema is first made whole: every ``$ref`` replaced by
what it names (among the route's schemas and the crypto layer's), a recursive one (``jsonValue``) cut to a leaf
where it repeats, and its conditionals loosened (see _drawable). Canonical base64url fields, whose pattern with an exact length a regex generator almost never
meets, are drawn as base64url of random bytes of a length that fits.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from imegha_service.requests import CRYPTO_SCHEMAS, schema_validator

BASE64URL_FORMAT = "imegha-base64url"
LEAF = {"type": ["string", "integer", "boolean", "null"]}
NOTHING = {"not": {}}  # what no document is: a property that must be absent
ANNOTATIONS = ("$id", "$schema", "$defs", "$comment", "title", "description", "examples")
CONDITIONAL = ("if", "then", "else")
# Bytes a sealed field may hold, at most, in generated documents: enough to cross every length check that matters
# (a 6 KiB metadata limit), small enough to keep an example fast. Huge bodies are the mutations' job.
MAX_GENERATED_BYTES = 9000


def well_formed(schema: Path, body: bytes) -> bool:
    """Whether ``body`` is UTF-8 JSON valid against ``schema``, as the route's handler checks it."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return schema_validator(schema, schema.parent, CRYPTO_SCHEMAS).is_valid(document)


@cache
def documents(schema: Path) -> st.SearchStrategy[Any]:
    """Documents valid against ``schema`` (and the schemas beside it and the crypto layer's, which it may name)."""
    registry = _registry(schema.parent)
    contents = json.loads(schema.read_text())
    whole = _as_base64url(_inline(contents, registry.resolver(contents.get("$id", "")), ()))
    return _strategy(json.dumps(whole, sort_keys=True))


@cache
def _strategy(encoded: str) -> st.SearchStrategy[Any]:
    """Objects, arrays and alternatives composed here, once; every other schema drawn by hypothesis-jsonschema
    (which, for an object, would build its properties' strategies again at every draw: a second an example)."""
    node = json.loads(encoded)
    if "anyOf" in node and set(node) == {"anyOf"}:
        return st.one_of([_strategy(json.dumps(branch, sort_keys=True)) for branch in node["anyOf"]])
    if node.get("type") == "object" or "properties" in node:
        return _object(node)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        low = node.get("minItems", 0)
        unique = {"unique_by": json.dumps} if node.get("uniqueItems") else {}
        items = _strategy(json.dumps(node["items"], sort_keys=True))
        return st.lists(items, min_size=low, max_size=min(node.get("maxItems", 3), max(low, 3)), **unique)
    return from_schema(node, custom_formats=_base64url_formats(node))


def _object(node: dict) -> st.SearchStrategy[dict]:
    properties = {
        name: _strategy(json.dumps(schema, sort_keys=True))
        for name, schema in node.get("properties", {}).items()
        if schema != NOTHING
    }
    required = [name for name in node.get("required", []) if name in properties]
    optional = {name: strategy for name, strategy in properties.items() if name not in required}
    fixed = st.fixed_dictionaries({name: properties[name] for name in required}, optional=optional)
    extra = node.get("additionalProperties", True)
    if extra is False or node.get("maxProperties", 1) <= len(required):
        return fixed
    names = _strategy(json.dumps({"type": "string"} | node.get("propertyNames", {}), sort_keys=True))
    values = _strategy(json.dumps(extra if isinstance(extra, dict) else LEAF, sort_keys=True))
    fewest = max(0, node.get("minProperties", 0) - len(required))
    more = st.dictionaries(names, values, min_size=fewest, max_size=max(fewest, min(3, node.get("maxProperties", 3))))
    return st.tuples(fixed, more).map(lambda parts: parts[1] | parts[0])


def _registry(schema_dir: Path) -> Registry:
    resources = [
        Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)
        for directory in (schema_dir, CRYPTO_SCHEMAS)
        for path in sorted(directory.glob("*.json"))
    ]
    return Registry().with_resources((resource.id(), resource) for resource in resources if resource.id())


def _inline(node: Any, resolver, seen: tuple[int, ...]) -> Any:
    """``node`` with every ``$ref`` replaced by what it names and every ``allOf`` merged into one schema."""
    if isinstance(node, list):
        return [_inline(item, resolver, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$id" in node:
        resolver = resolver.in_subresource(Resource.from_contents(node, default_specification=DRAFT202012))
    whole = {
        key: _inline(value, resolver, seen)
        for key, value in node.items()
        if key not in (*ANNOTATIONS, *CONDITIONAL, "$ref", "allOf")
    }
    parts = [_inline(part, resolver, seen) for part in node.get("allOf", [])]
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        named = id(resolved.contents)  # the same subschema, however it is reached: a recursion when it repeats
        parts.insert(0, LEAF if named in seen else _inline(resolved.contents, resolved.resolver, (*seen, named)))
    if "if" in node:
        condition, then = (_inline(node.get(key, {}), resolver, seen) for key in ("if", "then"))
        otherwise = _inline(node["else"], resolver, seen) if "else" in node else None
        parts.append(_drawable(condition, then, otherwise))
    for part in parts:
        whole = _merged(whole, part)
    return whole


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _drawable(condition: Any, then: Any, otherwise: Any | None) -> dict:
    """What to draw for ``if``/``then``/``else``: hypothesis-jsonschema turns the exact form (``not if`` for the
    else branch) into filters costing seconds an example. Drawn as "if and then, or else", a document of the
    second kind may also meet the condition and break it (a group key without its epoch), which is as good a
    request to send: well_formed() still judges each one exactly. Without an else, the condition is drawn true."""
    both = _merged(condition, then)
    return both if otherwise is None else {"anyOf": [both, otherwise]}


def _merged(first: Any, second: Any) -> Any:
    """One schema for documents valid against both, for the forms these schemas use (hypothesis-jsonschema merges
    ``allOf`` itself, but again at every draw: seconds an example for a signed record inside a group key)."""
    if not isinstance(first, dict) or not first:
        return second
    if not isinstance(second, dict) or not second:
        return first
    if NOTHING in (first, second):
        return NOTHING
    for one, other in ((first, second), (second, first)):
        if "anyOf" in one:
            rest = {key: value for key, value in one.items() if key != "anyOf"}
            return {"anyOf": [_merged(_merged(rest, branch), other) for branch in one["anyOf"]]}
    merged = first | second
    for key in first.keys() & second.keys():
        a, b = first[key], second[key]
        if key == "properties":
            merged[key] = {name: _merged(a.get(name, {}), b.get(name, {})) for name in a.keys() | b.keys()}
        elif key == "required":
            merged[key] = sorted(set(a) | set(b))
        elif key in ("minLength", "minimum", "minItems", "minProperties"):
            merged[key] = max(a, b)
        elif key in ("maxLength", "maximum", "maxItems", "maxProperties"):
            merged[key] = min(a, b)
        elif key == "additionalProperties":
            merged[key] = False if False in (a, b) else _merged(a, b)
        elif key == "type":
            kinds = [kind for kind in _listed(a) if kind in _listed(b)]
            merged[key] = kinds[0] if len(kinds) == 1 else kinds
    if "const" in merged:
        merged.pop("enum", None)
        merged.pop("type", None)
    return merged


def _as_base64url(node: Any) -> Any:
    """Each canonical base64url string field (the crypto layer's ``base64url`` pattern) as a format of our own."""
    if isinstance(node, list):
        return [_as_base64url(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "(?:[A-Za-z0-9_-]{4})*" not in str(node.get("pattern", "")):
        return {key: _as_base64url(value) for key, value in node.items()}
    low, high = node.get("minLength", 0), node.get("maxLength", 4 * MAX_GENERATED_BYTES // 3)
    return {"type": "string", "format": f"{BASE64URL_FORMAT}:{low}:{high}"}


def _base64url_formats(schema: Any) -> dict[str, st.SearchStrategy[str]]:
    formats = {}
    for text in _strings(schema):
        if text.startswith(BASE64URL_FORMAT + ":"):
            low, high = map(int, text.split(":")[1:])
            formats[text] = _base64url(low, high)
    return formats


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return [node] if isinstance(node, str) else []


def _base64url(low: int, high: int) -> st.SearchStrategy[str]:
    """Canonical base64url (no padding) of 0 to MAX_GENERATED_BYTES bytes, from ``low`` to ``high`` characters."""
    fewest, most = (low * 3) // 4, min((high * 3) // 4, MAX_GENERATED_BYTES)
    encoded = st.binary(min_size=fewest, max_size=max(fewest, most)).map(
        lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    )
    return encoded.filter(lambda text: low <= len(text) <= high)


# --- Mutations of valid bodies ------------------------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "\x00",
        "\ud800",  # a lone surrogate: JSON can carry it escaped, UTF-8 cannot
        "\u202e",  # right-to-left override
        "\ufeff",
        "é" * 3,
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\n",
        "../../etc/passwd",
        "%2e%2e%2f",
        "A" * 70_000,
    ]
) | st.text(min_size=1, max_size=40)


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[bytes]) -> bytes:
    """A valid body, broken in one way."""
    body = draw(valid)
    how = draw(
        st.sampled_from(["truncate", "flip", "splice", "odd-text", "nest", "huge", "wrap", "not-utf8", "duplicate"])
    )
    if how == "truncate" and body:
        return body[: draw(st.integers(0, len(body) - 1))]
    if how == "flip" and body:
        at = draw(st.integers(0, len(body) - 1))
        return body[:at] + bytes([body[at] ^ (1 << draw(st.integers(0, 7)))]) + body[at + 1 :]
    if how == "splice":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.binary(min_size=1, max_size=16)) + body[at:]
    if how == "odd-text":
        return _replace_strings(body, draw(ODD_TEXT))
    if how == "nest":
        depth = draw(st.sampled_from([50, 500, 5_000, 100_000]))
        return b'{"a":' * depth + body + b"}" * depth
    if how == "huge":
        size = draw(st.sampled_from([300_000, 3_000_000, 11 * 1024 * 1024]))
        return _replace_strings(body, "A" * size, first_only=True)
    if how == "wrap":
        return b"[" + body + b"]"
    if how == "not-utf8":
        return body.replace(b'"', b'"\xff', 1)
    return body[:-1] + b"," + body[1:] if body.startswith(b"{") and len(body) > 2 else body + body


def _replace_strings(body: bytes, text: str, first_only: bool = False) -> bytes:
    """``body`` with its string values (or its first) replaced by ``text``; a body without strings, unchanged."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    replaced = [False]

    def walk(node: Any) -> Any:
        if isinstance(node, str) and not (first_only and replaced[0]):
            replaced[0] = True
            return text
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return json.dumps(walk(document)).encode()


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def bodies(schema: Path | None) -> st.SearchStrategy[bytes]:
    """What the fuzzer sends as a body: for a route with a schema, mostly valid documents and broken ones; for any
    route, arbitrary JSON, arbitrary bytes, or nothing."""
    others = st.just(b"") | ANY_JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=64)
    if schema is None:
        return others
    valid = documents(schema).map(lambda document: json.dumps(document).encode())
    return st.one_of(valid, valid, mutated(valid), others)
