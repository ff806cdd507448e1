"""Signed requests: the bytes a browser must make (a vector), and every way a signature for another request, by
another key or in another shape is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from imegha_crypto import (
    FormatError,
    IdentityPrivateKey,
    IdentityPublicKey,
    SignatureError,
    b64url_decode,
    b64url_encode,
    sign_request,
    verify_request,
)
from imegha_crypto.canonical import canonical_json
from imegha_crypto.primitives import ed25519_verify

VECTOR = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "imegha-signed-request.json").read_text())
REQUEST = {
    "method": VECTOR["method"],
    "path": VECTOR["path"],
    "body": VECTOR["body"].encode(),
    "user_id": VECTOR["userId"],
}


@pytest.fixture(scope="module")
def vector_key() -> IdentityPrivateKey:
    return IdentityPrivateKey(bytes.fromhex(VECTOR["identityKeyPkcs8"]))


def signature_of(header: str) -> bytes:
    return b64url_decode(dict(part.split("=", 1) for part in header.split("; "))["sig"])


def test_the_vector_is_the_canonical_request_record_signed_under_the_record_prefix(vector_key):
    public = IdentityPublicKey(b64url_decode(VECTOR["identityKeySpki"]))
    # Built from the README's description alone, not through the layer's own helpers.
    record = {
        "v": 1,
        "alg": "Ed25519",
        "type": "request",
        "signer": hashlib.sha256(public.der).hexdigest(),
        "body": {
            "method": VECTOR["method"],
            "path": VECTOR["path"],
            "bodySha256": b64url_encode(hashlib.sha256(VECTOR["body"].encode()).digest()),
            "userId": VECTOR["userId"],
            "nonce": VECTOR["nonce"],
        },
    }

    assert canonical_json(record).decode() == VECTOR["signedRecord"]
    assert vector_key.public_key == public
    assert ed25519_verify(
        public.der,
        signature_of(VECTOR["header"]),
        b"imegha signed record\x00" + VECTOR["signedRecord"].encode(),
    )


def test_signing_the_vectors_request_makes_its_header_byte_for_byte_and_it_verifies(vector_key):
    header = sign_request(vector_key, nonce=VECTOR["nonce"], **REQUEST)

    assert header == VECTOR["header"]
    assert verify_request(header, vector_key.public_key, **REQUEST) == VECTOR["nonce"]


@pytest.mark.parametrize(
    "changed",
    [
        {"method": "PUT"},
        {"path": "/cloud/connection"},
        {"body": b'{"action":"deploy"}'},
        {"body": b""},
        {"user_id": "99999999-2222-3333-4444-555555555555"},
    ],
    ids=["method", "path", "body", "no body", "user"],
)
def test_a_signature_verifies_for_its_own_request_alone(vector_key, changed):
    with pytest.raises(SignatureError, match="not of this request"):
        verify_request(VECTOR["header"], vector_key.public_key, **(REQUEST | changed))


def test_another_nonce_in_the_header_breaks_the_signature(vector_key):
    replaced = VECTOR["header"].replace(VECTOR["nonce"], "A" * 43)

    with pytest.raises(SignatureError, match="not of this request"):
        verify_request(replaced, vector_key.public_key, **REQUEST)


def test_another_persons_signature_is_named_as_such(vector_key):
    mallory = IdentityPrivateKey.generate()
    hers = sign_request(mallory, nonce=VECTOR["nonce"], **REQUEST)

    with pytest.raises(SignatureError, match=f"signed by identity key {mallory.public_key.fingerprint}, not by"):
        verify_request(hers, vector_key.public_key, **REQUEST)
    # Her key in the header with the person's fingerprint does not pass either.
    posing = hers.replace(mallory.public_key.fingerprint.hex, vector_key.public_key.fingerprint.hex)
    with pytest.raises(SignatureError, match="not of this request"):
        verify_request(posing, vector_key.public_key, **REQUEST)


def test_fields_may_come_in_any_order_with_or_without_spaces(vector_key):
    fields = VECTOR["header"].split("; ")

    assert verify_request(";".join(reversed(fields)), vector_key.public_key, **REQUEST) == VECTOR["nonce"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "expected 'v=1; signer="),
        ("Bearer abc", "expected 'v=1; signer="),
        (VECTOR["header"].replace("v=1", "v=2"), "v: unknown version 2"),
        (VECTOR["header"] + "; extra=1", "expected 'v=1; signer="),
        (VECTOR["header"] + "; v=1", "expected 'v=1; signer="),
        ("; ".join(VECTOR["header"].split("; ")[:3]), "expected 'v=1; signer="),
        (VECTOR["header"].replace("signer=06e3", "signer=06E3"), "signer: is not well-formed"),
        (VECTOR["header"].replace("nonce=", "nonce=a;b"), "nonce: is not well-formed"),
        (VECTOR["header"].replace("sig=", "sig=xx"), "sig: is not well-formed"),
    ],
    ids=["empty", "another scheme", "version", "extra field", "repeated", "missing", "hex", "nonce", "sig"],
)
def test_a_header_that_is_not_one_is_a_format_error_naming_what_is_wrong(vector_key, header, reason):
    with pytest.raises(FormatError, match=reason):
        verify_request(header, vector_key.public_key, **REQUEST)


@pytest.mark.parametrize(
    "wrong",
    [{"method": "post"}, {"path": "deployments"}, {"path": "/deployments?action=destroy"}, {"nonce": "short"}],
    ids=["lower-case method", "relative path", "query", "nonce"],
)
def test_signing_refuses_what_no_server_would_rebuild(vector_key, wrong):
    arguments = REQUEST | {"nonce": VECTOR["nonce"]} | wrong

    with pytest.raises(ValueError):
        sign_request(vector_key, **arguments)
