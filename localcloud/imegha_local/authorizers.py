"""The local gateway's authorizers: verifying a caller's token as API Gateway does, before any Lambda runs.

Two kinds, as the templates use them:

- ``COGNITO_USER_POOLS`` (REST APIs): the user pool's *ID token* in the identity
  header; its ``aud`` must be one of the pool's app clients when ``audiences``
  lists them (API Gateway itself accepts any client of the pool, which an empty
  ``audiences`` reproduces).
- ``JWT`` (HTTP APIs): any token from ``issuer`` whose ``aud`` (or, when it has no
  ``aud``, ``client_id``, which Cognito access tokens carry) is one of
  ``audiences``.

Both check the RS256 signature against the issuer's JWKS (fetched once and
cached, fetched again for a key id it does not know), ``iss``, ``exp``, ``nbf``
and ``iat``, and accept the token bare or after ``Bearer``. Anything else is a
401 with ``{"message":"Unauthorized"}``; the reason goes to the log only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import jwt

JWKS_CACHE_S = 3600
JWKS_FETCH_TIMEOUT_S = 5


@dataclass(frozen=True)
class AuthorizerSpec:
    kind: Literal["COGNITO_USER_POOLS", "JWT"]
    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str
    # A header name, or the template's form of it ("method.request.header.X", "$request.header.X").
    identity_source: str = "Authorization"

    @property
    def header(self) -> str:
        return self.identity_source.rpartition(".")[2]


class Unauthorized(Exception):
    """The request carries no token this authorizer accepts; the message says why, for the log."""


class TokenVerifier:
    """Verifies tokens for any number of authorizers, keeping one cached key set per JWKS URL."""

    def __init__(self):
        self._key_sets: dict[str, jwt.PyJWKClient] = {}
        self._lock = threading.Lock()

    def claims(self, authorizer: AuthorizerSpec, headers: Mapping[str, str]) -> dict:
        """The verified token's claims (``headers`` keyed in lower case); raises :class:`Unauthorized` otherwise."""
        token = _token(headers.get(authorizer.header.lower(), ""))
        if not token:
            raise Unauthorized(f"no token in the {authorizer.header} header")
        try:
            key = self._key_set(authorizer.jwks_url).get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=authorizer.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except (jwt.PyJWTError, jwt.PyJWKClientError) as error:
            raise Unauthorized(f"{type(error).__name__}: {error}") from None
        if authorizer.kind == "COGNITO_USER_POOLS":
            _check_cognito(authorizer, claims)
        else:
            _check_jwt(authorizer, claims)
        return claims

    def _key_set(self, jwks_url: str) -> jwt.PyJWKClient:
        with self._lock:
            if jwks_url not in self._key_sets:
                self._key_sets[jwks_url] = jwt.PyJWKClient(
                    jwks_url, lifespan=JWKS_CACHE_S, timeout=JWKS_FETCH_TIMEOUT_S
                )
            return self._key_sets[jwks_url]


def _token(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value.strip()


def _check_cognito(authorizer: AuthorizerSpec, claims: dict) -> None:
    if claims.get("token_use") != "id":
        raise Unauthorized(f"token_use is {claims.get('token_use')!r}; a Cognito authorizer takes ID tokens")
    if authorizer.audiences and claims.get("aud") not in authorizer.audiences:
        raise Unauthorized("the token was issued to another app client")


def _check_jwt(authorizer: AuthorizerSpec, claims: dict) -> None:
    # As API Gateway: aud when the token has one, client_id only when it does not.
    audience = claims["aud"] if "aud" in claims else claims.get("client_id")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(candidate in authorizer.audiences for candidate in audiences):
        raise Unauthorized("the token does not have a valid audience")
    if claims.get("token_use", "access") not in ("id", "access"):
        raise Unauthorized(f"token_use is {claims.get('token_use')!r}")
