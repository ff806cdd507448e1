"""Tokens bound to one cloud: the platform exchanges a person's Cognito ID token for a token one user's cloud accepts,
and no other cloud nor the platform does (OAuth 2.0 Token Exchange, RFC 8693).

- **The exchange** (``POST /tokens``, form-encoded as RFC 8693 §2.1 asks):
  ``grant_type=urn:ietf:params:oauth:grant-type:token-exchange`` and one
  ``audience``, the user id of the cloud's owner. The subject token is the
  Cognito ID token the API's authorizer verified (the request's own bearer token),
  so the body does not repeat it. Only a cloud the directory records (its AWS
  account) gets a token.
- **The token**: a JWT access token (RFC 9068, ``typ`` ``at+jwt``), RS256, signed
  by the platform's KMS key, whose id is the ``kid``: ``iss`` the platform API's
  URL (kept in an SSM parameter, ``TokenIssuerParameter``, which the deployment
  of each cloud passes on to its JWT authorizer), ``sub`` the caller, ``aud``
  ``urn:imegha:cloud:<account>:<owner>`` (the cloud's AWS account and owner,
  which the cloud's JWT authorizer names as its one audience), ``iat``, ``exp``
  five minutes on, ``jti``.
- **The issuer's keys**: its OpenID configuration and JWKS, public, from which
  every cloud's JWT authorizer learns the key to check signatures with.
- A refusal is RFC 6749 §5.2's: ``error`` (``invalid_request``,
  ``unsupported_grant_type``, ``invalid_target``) and its description.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence

from aws_lambda_powertools import Tracer
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from dal.directory import DirectoryStore
from dal.token_signing_key import TokenSigningKey
from imegha_crypto import b64url_encode
from imegha_service.errors import NotFound

tracer = Tracer()

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
JWT = "urn:ietf:params:oauth:token-type:jwt"
LIFETIME_S = 300
TOKEN_PATH = "/tokens"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


class ExchangeRefused(Exception):
    """An exchange refused as RFC 6749 §5.2 words it: ``error`` is the code, the message its description."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error


def cloud_audience(account_id: str, owner: str) -> str:
    """What a cloud's JWT authorizer accepts as its audience (``user-cloud/api.yaml`` names it the same way)."""
    return f"urn:imegha:cloud:{account_id}:{owner}"


def _one(form: Mapping[str, Sequence[str]], name: str, refusal: str = "invalid_request") -> str:
    values = form.get(name) or []
    if len(values) != 1 or not values[0]:
        raise ExchangeRefused(refusal, f"{name}: exactly one is required")
    return values[0]


def _segment(document: dict) -> str:
    return b64url_encode(json.dumps(document, separators=(",", ":"), sort_keys=True).encode())


@tracer.capture_method
def exchange(
    directory: DirectoryStore,
    key: TokenSigningKey,
    issuer: str,
    caller: str,
    form: Mapping[str, Sequence[str]],
    now: float | None = None,
) -> dict:
    """A token for the one cloud ``form`` names, for ``caller``, whose Cognito token the authorizer verified."""
    if _one(form, "grant_type") != TOKEN_EXCHANGE:
        raise ExchangeRefused("unsupported_grant_type", f"grant_type: only {TOKEN_EXCHANGE} is served here")
    requested = form.get("requested_token_type")
    if requested is not None and requested not in ([ACCESS_TOKEN], [JWT]):
        raise ExchangeRefused("invalid_request", f"requested_token_type: only {ACCESS_TOKEN} is issued here")
    owner = _one(form, "audience", "invalid_target")
    try:
        account_id = directory.user(owner).get("cloudAccountId")
    except NotFound:
        account_id = None
    if not account_id:
        raise ExchangeRefused("invalid_target", "audience: no cloud of that user is in the directory")
    issued_at = int(time.time() if now is None else now)
    audience = cloud_audience(account_id, owner)
    claims = {
        "iss": issuer,
        "sub": caller,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + LIFETIME_S,
        "jti": str(uuid.uuid4()),
    }
    signing_input = f"{_segment({'alg': 'RS256', 'typ': 'at+jwt', 'kid': key.key_id})}.{_segment(claims)}"
    signature = key.sign(signing_input.encode("ascii"))
    return {
        "access_token": f"{signing_input}.{b64url_encode(signature)}",
        "issued_token_type": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": LIFETIME_S,
        "audience": audience,
    }


def openid_configuration(issuer: str) -> dict:
    """The issuer's discovery document: where its keys are (what JWT authorizers read) and how tokens are had."""
    return {
        "issuer": issuer,
        "jwks_uri": issuer + JWKS_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "grant_types_supported": [TOKEN_EXCHANGE],
    }


def key_set(key: TokenSigningKey) -> dict:
    """The issuer's JWKS: its one signing key's public half (RFC 7517, RFC 7518 §6.3)."""
    public = load_der_public_key(key.public_key())
    if not isinstance(public, RSAPublicKey):
        raise TypeError("the token signing key is not an RSA key")
    numbers = public.public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": key.key_id,
                "n": b64url_encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                "e": b64url_encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            }
        ]
    }
