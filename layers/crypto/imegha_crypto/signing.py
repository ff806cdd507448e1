"""Signed records: key statements, share records, messages, group membership changes.

A signature covers ``"imegha signed record" || 0x00 || canonical JSON`` of every
field of the record but ``sig``: the version, the algorithm, the record type
(so a message cannot pass as a share record), the signer's fingerprint and the
body. The prefix keeps these signatures apart from anything else the identity
key might ever sign.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

from .canonical import JSONObject, b64url_decode, b64url_encode, canonical_json
from .envelopes import validate_envelope
from .errors import SignatureError
from .held import HeldIdentityKey, IdentitySigner
from .keys import ExchangePublicKey, Fingerprint, IdentityPublicKey
from .primitives import ed25519_sign, ed25519_verify

KEY_STATEMENT = "key-statement"
CloudConfirmed = Literal["account", "stack"]
_SIGNED_PREFIX = b"imegha signed record\x00"


def sign_record(identity_key: IdentitySigner, record_type: str, body: JSONObject) -> JSONObject:
    """Sign ``body`` as a record of ``record_type``; returns a ``signed-record`` envelope. An identity key held
    elsewhere (:class:`HeldIdentityKey`) is asked to sign it."""
    if isinstance(identity_key, HeldIdentityKey):
        return identity_key.sign(record_type, body)
    unsigned = {
        "v": 1,
        "alg": "Ed25519",
        "type": record_type,
        "signer": identity_key.public_key.fingerprint.hex,
        "body": copy.deepcopy(body),
    }
    signature = ed25519_sign(identity_key.secret_bytes(), _signed_bytes(unsigned))
    record = {**unsigned, "sig": b64url_encode(signature)}
    # Refuse here, not at the reader, a record that could never verify.
    validate_envelope(_envelope_type(record_type), record)
    return record


def verify_record(record: JSONObject, record_type: str, signer: IdentityPublicKey) -> JSONObject:
    """The body of ``record`` if it is a ``record_type`` signed by ``signer``; ``SignatureError`` if not."""
    validate_envelope(_envelope_type(record_type), record)
    if record["type"] != record_type:
        raise SignatureError(f"this is a {record['type']!r} record, not a {record_type!r}")
    _check_signature(record, signer)
    return copy.deepcopy(record["body"])


@dataclass(frozen=True)
class KeyStatement:
    """What a user says, under their identity key, about their keys and cloud."""

    user_id: str
    exchange_key: ExchangePublicKey
    identity_key: IdentityPublicKey
    cloud_url: str | None
    """None until the user's cloud is deployed."""
    sequence: int
    cloud_confirmed: CloudConfirmed | None = None
    """How the user's device confirmed ``cloud_url`` is the API of the stack in the account they connected: by the
    account the cloud answered from, or by that and the stack their own AWS credentials see; None: unconfirmed."""


def sign_key_statement(
    identity_key: IdentitySigner,
    *,
    user_id: str,
    exchange_key: ExchangePublicKey,
    cloud_url: str | None,
    sequence: int,
    cloud_confirmed: CloudConfirmed | None = None,
) -> JSONObject:
    """Sign the statement a user publishes in the directory; raise ``sequence`` with every new one. A statement
    naming a cloud says how the device confirmed it (``cloud_confirmed``; None: it could not, and says so)."""
    body = {
        "userId": user_id,
        "exchangeKey": b64url_encode(exchange_key.der),
        "identityKey": b64url_encode(identity_key.public_key.der),
        "cloudUrl": cloud_url,
        "sequence": sequence,
        "cloudConfirmed": cloud_confirmed if cloud_url is not None and cloud_confirmed else False,
    }
    return sign_record(identity_key, KEY_STATEMENT, body)


def verify_key_statement(
    statement: JSONObject, *, user_id: str, pinned_identity: IdentityPublicKey | None, min_sequence: int = 0
) -> KeyStatement:
    """Check a key statement fetched for ``user_id``.

    ``pinned_identity`` is the identity key already trusted for this user, or
    None the first time the user is seen, when the statement's own key is
    trusted and should then be pinned. ``min_sequence`` is the highest sequence
    already seen: an older statement is a replay and is refused.
    """
    validate_envelope(KEY_STATEMENT, statement)
    body = statement["body"]
    identity_key = IdentityPublicKey(b64url_decode(body["identityKey"]))
    if pinned_identity is not None and identity_key != pinned_identity:
        raise SignatureError(
            f"the statement for {user_id} names identity key {identity_key.fingerprint}, but "
            f"{pinned_identity.fingerprint} is the one pinned for this user: compare safety codes before trusting it"
        )
    _check_signature(statement, identity_key)
    if body["userId"] != user_id:
        raise SignatureError(f"the statement is for user {body['userId']!r}, not {user_id!r}")
    if body["sequence"] < min_sequence:
        raise SignatureError(
            f"the statement's sequence {body['sequence']} is older than {min_sequence}, already seen: "
            "a replayed statement"
        )
    return KeyStatement(
        user_id=body["userId"],
        exchange_key=ExchangePublicKey(b64url_decode(body["exchangeKey"])),
        identity_key=identity_key,
        cloud_url=body["cloudUrl"],
        sequence=body["sequence"],
        cloud_confirmed=body["cloudConfirmed"] or None,
    )


def _envelope_type(record_type: str) -> str:
    return KEY_STATEMENT if record_type == KEY_STATEMENT else "signed-record"


def _signed_bytes(unsigned: JSONObject) -> bytes:
    return _SIGNED_PREFIX + canonical_json(unsigned)


def _check_signature(record: JSONObject, signer: IdentityPublicKey) -> None:
    if record["signer"] != signer.fingerprint.hex:
        claimed = Fingerprint(bytes.fromhex(record["signer"]))
        raise SignatureError(f"signed by identity key {claimed}, not by the expected {signer.fingerprint}")
    unsigned = {name: value for name, value in record.items() if name != "sig"}
    if not ed25519_verify(signer.der, b64url_decode(record["sig"]), _signed_bytes(unsigned)):
        raise SignatureError("the signature does not match the record: it was altered after signing")
