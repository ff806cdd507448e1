"""The secret a device signs in to Cognito with, derived from the password.

Cognito receives whatever a client calls its password. If that were the user's
password, the platform running the pool could derive the KEK and unwrap the
DEK. So the device sends a separate secret: PBKDF2-HMAC-SHA256 of the password
under a salt fixed by the email and a purpose label, with the same iteration
count as the KEK. It is deterministic (a new device derives it from email and
password alone), it is not the KEK (different salt, so different output), and
turning it back into the password costs a guesser as much as attacking the KEK.
"""

from __future__ import annotations

import hashlib
import unicodedata

from .canonical import b64url_encode
from .primitives import pbkdf2_sha256

AUTHENTICATION_ITERATIONS = 600_000
_SALT_LABEL = b"imegha authentication secret v1\x00"


def authentication_secret(email: str, password: str, *, iterations: int = AUTHENTICATION_ITERATIONS) -> str:
    """The Cognito password for ``email``: 43 base64url characters, never the user's password."""
    if not password:
        raise ValueError("the password is empty")
    salt = hashlib.sha256(_SALT_LABEL + email.strip().casefold().encode("utf-8")).digest()
    secret = pbkdf2_sha256(unicodedata.normalize("NFC", password).encode("utf-8"), salt, iterations)
    return b64url_encode(secret)
