"""The byte encodings every envelope and signature rests on.

- base64url: RFC 4648 section 5, without padding.
- canonical JSON: RFC 8785 (JCS) restricted to integers, because a browser must
  reproduce the bytes exactly and JavaScript holds integers exactly only up to
  2**53 - 1 and has no agreed way to print other numbers.
- binding: the canonical JSON that ties a ciphertext to what it is and where it
  belongs. It is AES-GCM's associated data, RSA-OAEP's label and the chunked
  file scheme's context string.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import FormatError

MAX_SAFE_INTEGER = 2**53 - 1

# An envelope, record or body as ``json.loads`` gives it: its fields' types are
# what ``validate_envelope`` checks, not something the type checker can know.
type JSONObject = dict[str, Any]


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# One spelling per byte string: no padding, no stray characters, and unused
# low bits of the last character zero (the same pattern as the schemas').
_CANONICAL_B64URL = re.compile(r"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]|[A-Za-z0-9_-][AQgw])?")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not _CANONICAL_B64URL.fullmatch(text):
        raise FormatError("not canonical base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value: object) -> bytes:
    """The RFC 8785 (JCS) encoding of ``value`` as UTF-8; floats are refused."""
    try:
        return _jcs(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("canonical JSON: a string holds a lone surrogate, which is not Unicode text") from exc


def _jcs(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise FormatError(f"canonical JSON: {value} is beyond 2**53 - 1, which JavaScript cannot hold exactly")
        return str(value)
    if isinstance(value, str):
        # json.dumps escapes exactly what JCS escapes: '"', '\\' and control
        # characters, with lowercase \u00xx, leaving all other text as is.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise FormatError("canonical JSON: object keys must be strings")
        # JCS orders members by the UTF-16 code units of their names, as
        # JavaScript compares strings; big-endian UTF-16 bytes sort the same way.
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(f"{_jcs(name)}:{_jcs(value[name])}" for name in names) + "}"
    raise FormatError(f"canonical JSON: a {type(value).__name__} cannot be encoded (only integers, no fractions)")


@dataclass(frozen=True)
class Context:
    """Where a ciphertext belongs: whose it is, which object, which version.

    A ciphertext opens only under the context it was sealed with, so one moved
    to another record, owner or version is refused instead of misread. Use
    version 0 for objects that have no versions.
    """

    owner: str
    object_id: str
    version: int

    def __post_init__(self) -> None:
        for name in ("owner", "object_id"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"Context.{name} must be a non-empty string")
        if type(self.version) is not int or not 0 <= self.version <= MAX_SAFE_INTEGER:
            raise ValueError("Context.version must be an integer from 0 to 2**53 - 1")

    def as_json(self) -> JSONObject:
        return {"owner": self.owner, "object": self.object_id, "version": self.version}


def binding(envelope_type: str, header: JSONObject, context: Context) -> bytes:
    """What a ciphertext is (its envelope type and every header field) and where it belongs."""
    return canonical_json({"type": envelope_type, "header": header, "context": context.as_json()})
