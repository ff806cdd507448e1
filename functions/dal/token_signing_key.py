"""The token signing key: the platform's KMS key (RSA_2048, SIGN_VERIFY) that signs the tokens users' clouds accept.

Its private half never leaves KMS; its key policy lets the token function alone
sign with it (``template.yaml``). Its public half is anyone's to read, through
the issuer's JWKS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

# RS256 (RFC 7518 §3.3): RSASSA-PKCS1-v1_5 with SHA-256.
SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"


@dataclass
class TokenSigningKey:
    key_id: str
    client: Any = None
    _public_key: bytes | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("kms")

    def sign(self, message: bytes) -> bytes:
        """The RS256 signature of ``message`` (a JWT's signing input, well under KMS's 4 KiB for a raw message)."""
        signature: bytes = self.client.sign(
            KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=SIGNING_ALGORITHM
        )["Signature"]
        return signature

    def public_key(self) -> bytes:
        """The public key, DER SubjectPublicKeyInfo; asked of KMS once per container, as it never changes."""
        if self._public_key is None:
            self._public_key = self.client.get_public_key(KeyId=self.key_id)["PublicKey"]
        return self._public_key
