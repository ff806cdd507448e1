"""The local gateway's authorizers: verifying a caller's token as API Gateway does, before any Lambda runs.

Two kinds, as the templates use them:

- ``COGNITO_USER_POOLS`` (REST APIs): the user pool's *ID token* in the identity
  header; its ``aud`` must be one of the pool's app clients when ``audiences``
  lists them (API Gateway itself accepts any client of the pool, which an empty
  ``audiences`` reproduces).
- ``JWT`` (HTTP APIs): any token from ``issuer`` whose ``aud`` (or, when it has no
  ``aud``, ``client_id``, which Cognito access tokens carry) is one of
  ``audiences``.

(``AWS_IAM``, a request signed with Signature Version 4, is :mod:`imegha_local.sigv4`'s.)

Both check the RS256 signature against the issuer's JWKS (fetched once and
cached, fetched again for a key id it does not know), ``iss``, ``exp``, ``nbf``
and ``iat``, and accept the token bare or after ``Bearer``. Anything else is a
401 with ``{"message":"Unauthorized"}``; the reason goes to the log only.

Where the JWKS is: a Cognito pool's is moto's; any other issuer's is where its
OpenID configuration (``{issuer}/.well-known/openid-configuration``) says
(``jwks_uri``), as API Gateway's JWT authorizers find it, after checking that the
document is that issuer's. The documents are fetched through the verifier's
``fetch``, which the gateway answers itself for the APIs it serves.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import jwt

JWKS_CACHE_S = 3600
JWKS_FETCH_TIMEOUT_S = 5
DISCOVERY_PATH = "/.well-known/openid-configuration"

Fetch = Callable[[str], Any]
"""A URL -> the JSON document a GET of it answers; raises ``OSError`` or ``ValueError`` when there is none."""


@dataclass(frozen=True)
class AuthorizerSpec:
    kind: Literal["COGNITO_USER_POOLS", "JWT", "AWS_IAM"]  # AWS_IAM: a Signature Version 4 (imegha_local.sigv4)
    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str | None  # None: where the issuer's OpenID configuration says
    # A header name, or the template's form of it ("method.request.header.X", "$request.header.X").
    identity_source: str = "Authorization"

    @property
    def header(self) -> str:
        return self.identity_source.rpartition(".")[2]


class Unauthorized(Exception):
    """The request carries no token this authorizer accepts; the message says why, for the log."""


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=JWKS_FETCH_TIMEOUT_S) as response:
        return json.load(response)


class _KeySet(jwt.PyJWKClient):
    """PyJWT's cached JWKS client, fetching through the verifier's ``fetch`` (PyJWT lets a subclass fetch)."""

    def __init__(self, uri: str, fetch: Fetch):
        super().__init__(uri, lifespan=JWKS_CACHE_S, timeout=JWKS_FETCH_TIMEOUT_S)
        self._fetch = fetch

    def fetch_data(self) -> Any:
        try:
            return self._fetch(self.uri)
        except (OSError, ValueError) as error:
            raise jwt.PyJWKClientConnectionError(f"cannot fetch the JWKS at {self.uri}: {error}") from None


class TokenVerifier:
    """Verifies tokens for any number of authorizers, keeping one cached key set per JWKS URL, and each issuer's JWKS
    URL once its OpenID configuration named it."""

    def __init__(self, fetch: Fetch = fetch_json):
        self._fetch = fetch
        self._key_sets: dict[str, jwt.PyJWKClient] = {}
        self._discovered: dict[str, str] = {}
        self._lock = threading.Lock()

    def claims(self, authorizer: AuthorizerSpec, headers: Mapping[str, str]) -> dict:
        """The verified token's claims (``headers`` keyed in lower case); raises :class:`Unauthorized` otherwise."""
        token = _token(headers.get(authorizer.header.lower(), ""))
        if not token:
            raise Unauthorized(f"no token in the {authorizer.header} header")
        try:
            key = self._key_set(self._jwks_url(authorizer)).get_signing_key_from_jwt(token)
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

    def _jwks_url(self, authorizer: AuthorizerSpec) -> str:
        if authorizer.jwks_url is not None:
            return authorizer.jwks_url
        issuer = authorizer.issuer
        if issuer not in self._discovered:
            # Fetched outside the lock: the issuer may be an API of the gateway asking, answering on this thread.
            try:
                configuration = self._fetch(issuer.rstrip("/") + DISCOVERY_PATH)
            except (OSError, ValueError) as error:
                raise Unauthorized(f"no OpenID configuration for the issuer {issuer}: {error}") from None
            if not isinstance(configuration, dict) or configuration.get("issuer") != issuer:
                raise Unauthorized(f"the OpenID configuration at {issuer} is not that issuer's")
            with self._lock:
                self._discovered[issuer] = str(configuration.get("jwks_uri", ""))
        return self._discovered[issuer]

    def _key_set(self, jwks_url: str) -> jwt.PyJWKClient:
        with self._lock:
            if jwks_url not in self._key_sets:
                self._key_sets[jwks_url] = _KeySet(jwks_url, self._fetch)
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
