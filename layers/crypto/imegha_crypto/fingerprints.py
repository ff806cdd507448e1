"""What people compare to know they hold the right public keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .keys import IdentityPublicKey


@dataclass(frozen=True)
class Fingerprint:
    """SHA-256 of a public key's DER SubjectPublicKeyInfo.

    ``hex`` is the form envelopes carry; ``str()`` is the form people read.
    """

    digest: bytes

    @classmethod
    def of(cls, spki_der: bytes) -> Fingerprint:
        return cls(hashlib.sha256(spki_der).digest())

    @property
    def hex(self) -> str:
        return self.digest.hex()

    def __str__(self) -> str:
        return " ".join(self.hex[start : start + 4] for start in range(0, len(self.hex), 4))


def safety_code(one: IdentityPublicKey, other: IdentityPublicKey) -> str:
    """Twelve groups of five digits that two users read to each other.

    Each identity key contributes six groups, taken from the first 30 bytes of
    its fingerprint five at a time (big-endian, modulo 100000). The halves are
    ordered by fingerprint, so both users compute the same code, and if they
    differ each can see which half, and so whose key, is not the one expected.
    """
    halves = sorted(key.fingerprint.digest for key in (one, other))
    return " ".join(
        f"{int.from_bytes(digest[start : start + 5], 'big') % 100_000:05d}"
        for digest in halves
        for start in range(0, 30, 5)
    )
