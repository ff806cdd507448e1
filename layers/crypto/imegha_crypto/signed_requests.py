"""Signed requests: what cannot be undone is asked for under the person's identity key, not only with a token.

A request that destroys, re-keys or redirects (a cloud destroyed, wrapped keys
replaced, the deployment role changed) carries, in the ``X-Imegha-Signature``
header, the signature of a ``signed-record`` of type ``request`` whose body names
that one request: its method, its path, the SHA-256 of its body's bytes, the
signer's user id, and a single-use nonce the platform issued to them. The header
carries only what the server cannot read off the request itself (the signer's
fingerprint, the nonce and the signature); the server rebuilds the record from the
request it received, so a signature verifies for that request alone.
"""

from __future__ import annotations

import hashlib
import re

from .canonical import JSONObject, b64url_encode
from .errors import FormatError, SignatureError
from .held import IdentitySigner
from .keys import Fingerprint, IdentityPublicKey
from .signing import sign_record, verify_record

SIGNATURE_HEADER = "X-Imegha-Signature"
REQUEST = "request"
_METHOD = re.compile(r"[A-Z]{1,16}")
_FIELDS = {
    "v": re.compile(r"1"),
    "signer": re.compile(r"[0-9a-f]{64}"),
    "nonce": re.compile(r"[A-Za-z0-9_-]{16,128}"),
    "sig": re.compile(r"[A-Za-z0-9_-]{86}"),
}


def sign_request(identity_key: IdentitySigner, *, method: str, path: str, body: bytes, user_id: str, nonce: str) -> str:
    """The ``X-Imegha-Signature`` value for one request: ``body`` is exactly the bytes sent (empty if none)."""
    if not _METHOD.fullmatch(method) or not path.startswith("/") or "?" in path or "#" in path:
        raise ValueError("sign an upper-case method and the request's path (from '/', without a query)")
    if not _FIELDS["nonce"].fullmatch(nonce):
        raise ValueError("a nonce is 16 to 128 base64url characters, as the platform issues it")
    record = sign_record(identity_key, REQUEST, _request_body(method, path, body, user_id, nonce))
    return f"v=1; signer={record['signer']}; nonce={nonce}; sig={record['sig']}"


def verify_request(header: str, signer: IdentityPublicKey, *, method: str, path: str, body: bytes, user_id: str) -> str:
    """The nonce of ``header`` if it is ``signer``'s signature of this very request; the caller then checks that
    the nonce was issued to ``user_id``, is fresh and is used once. ``FormatError`` for a header that is not one,
    ``SignatureError`` for another key's signature or one made for another request."""
    fields = _parsed(header)
    if fields["signer"] != signer.fingerprint.hex:
        raise SignatureError(
            f"signed by identity key {Fingerprint(bytes.fromhex(fields['signer']))}, not by the expected {signer.fingerprint}"
        )
    record = {
        "v": 1,
        "alg": "Ed25519",
        "type": REQUEST,
        "signer": fields["signer"],
        "body": _request_body(method, path, body, user_id, fields["nonce"]),
        "sig": fields["sig"],
    }
    try:
        verify_record(record, REQUEST, signer)
    except SignatureError:
        raise SignatureError(
            "the signature is not of this request: it was made for another method, path, body, user or nonce"
        ) from None
    return fields["nonce"]


def _request_body(method: str, path: str, body: bytes, user_id: str, nonce: str) -> JSONObject:
    """The body of the ``request`` record a signature covers."""
    return {
        "method": method,
        "path": path,
        "bodySha256": b64url_encode(hashlib.sha256(body).digest()),
        "userId": user_id,
        "nonce": nonce,
    }


def _parsed(header: str) -> dict[str, str]:
    """``v=1; signer=<64 hex>; nonce=<base64url>; sig=<86 base64url>``: each field once, in any order."""
    expected = f"{SIGNATURE_HEADER}: expected 'v=1; signer=<64 hex>; nonce=<nonce>; sig=<86 base64url characters>'"
    fields: dict[str, str] = {}
    for part in header.split(";"):
        name, equals, value = part.strip().partition("=")
        pattern = _FIELDS.get(name)
        if not equals or pattern is None or name in fields:
            raise FormatError(expected)
        if not pattern.fullmatch(value):
            reason = f"unknown version {value}; this layer reads version 1" if name == "v" else "is not well-formed"
            raise FormatError(f"{SIGNATURE_HEADER}: {name}: {reason}")
        fields[name] = value
    if set(fields) != set(_FIELDS):
        raise FormatError(expected)
    return fields
