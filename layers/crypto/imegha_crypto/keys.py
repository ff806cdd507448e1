"""The key hierarchy as types.

Each symmetric key class is one kind of the whitepaper's hierarchy, and its
``KIND`` is written into every envelope and its associated data, so a key of one
kind can never come back out as another. What each kind may wrap or seal is
decided in ``wrapping`` and ``sealing``; the password and recovery keys that wrap
the DEK live in ``account``.

Public keys are DER SubjectPublicKeyInfo and private keys PKCS#8, the formats
Web Crypto imports and exports. An RSA key's size travels inside its DER, so
2048 and 3072-bit keys use the same envelopes. A public key's fingerprint, and
the safety code two users read to each other, are computed from that DER.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import ClassVar, Self

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .canonical import MAX_SAFE_INTEGER, JSONObject
from .errors import FormatError
from .primitives import (
    AES_256_KEY_BYTES,
    RSA_DEFAULT_BITS,
    ed25519_generate,
    load_public_key,
    random_bytes,
    rsa_generate,
)

RSA_MIN_BITS = 2048
RSA_MAX_BITS = 4096


class SymmetricKey:
    """An AES-256 key of one kind."""

    KIND: ClassVar[str]
    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, bytes) or len(secret) != AES_256_KEY_BYTES:
            raise ValueError(f"a {self.KIND} is {AES_256_KEY_BYTES} bytes")
        self._secret = secret

    @classmethod
    def generate(cls) -> Self:
        return cls(random_bytes(AES_256_KEY_BYTES))

    def secret_bytes(self) -> bytes:
        """The raw key, for keeping a session in memory; never store it in the clear."""
        return self._secret

    def _envelope_fields(self) -> JSONObject:
        """Fields besides the kind that an envelope holding or made with this key carries."""
        return {}

    @classmethod
    def _from_envelope(cls, secret: bytes, envelope: JSONObject) -> Self:
        return cls(secret)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self._envelope_fields() == other._envelope_fields()
            and hmac.compare_digest(self._secret, other._secret)
        )

    __hash__ = None  # type: ignore[assignment]  # secrets are not dictionary keys

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.KIND}>"


class DataKey(SymmetricKey):
    """The DEK: the account's master key. Wraps the user's other keys, never seals data."""

    KIND = "DEK"


class FileKey(SymmetricKey):
    """An FEK: one per file version. Seals the file's content and its metadata."""

    KIND = "FEK"


class ConversationKey(SymmetricKey):
    """A CK: one per 1:1 conversation. Seals its messages."""

    KIND = "CK"


class FolderKey(SymmetricKey):
    """An FK: one per shared folder. Wraps the keys of the files and folders inside, seals folder metadata."""

    KIND = "FK"


class AlbumKey(SymmetricKey):
    """An AK: one per shared album. Wraps the keys of its files, seals album metadata."""

    KIND = "AK"


class AIConversationKey(SymmetricKey):
    """An AIK: one per AI conversation. Seals its messages; never shared."""

    KIND = "AIK"


class GroupKey(SymmetricKey):
    """A group chat's key for one epoch; removing a member moves the group to a new epoch and key."""

    KIND = "GK"
    __slots__ = ("epoch",)

    def __init__(self, secret: bytes, epoch: int) -> None:
        super().__init__(secret)
        if type(epoch) is not int or not 0 <= epoch <= MAX_SAFE_INTEGER:
            raise ValueError("a group key's epoch is an integer from 0 to 2**53 - 1")
        self.epoch = epoch

    @classmethod
    def generate(cls, epoch: int) -> Self:  # type: ignore[override]  # every group key belongs to an epoch
        return cls(random_bytes(AES_256_KEY_BYTES), epoch)

    def _envelope_fields(self) -> JSONObject:
        return {"epoch": self.epoch}

    @classmethod
    def _from_envelope(cls, secret: bytes, envelope: JSONObject) -> Self:
        return cls(secret, envelope["epoch"])

    def __repr__(self) -> str:
        return f"<GroupKey GK epoch {self.epoch}>"


# --- Public keys -------------------------------------------------------------


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


class _PublicKey:
    __slots__ = ("der",)

    def __init__(self, spki_der: bytes) -> None:
        self._check(load_public_key(spki_der))
        self.der = spki_der

    def _check(self, public_key: object) -> None:
        raise NotImplementedError

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint.of(self.der)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.fingerprint}>"


class ExchangePublicKey(_PublicKey):
    """A user's RSA-OAEP public key: keys are wrapped for them under it."""

    def _check(self, public_key: object) -> None:
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise FormatError("not an RSA public key")
        if not RSA_MIN_BITS <= public_key.key_size <= RSA_MAX_BITS:
            raise FormatError(
                f"an RSA key of {public_key.key_size} bits; {RSA_MIN_BITS} to {RSA_MAX_BITS} are accepted"
            )


class IdentityPublicKey(_PublicKey):
    """A user's Ed25519 public key: what they sign verifies under it."""

    def _check(self, public_key: object) -> None:
        if not isinstance(public_key, ed25519.Ed25519PublicKey):
            raise FormatError("not an Ed25519 public key")


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


# --- Private keys ------------------------------------------------------------


def _public_half(pkcs8_der: bytes) -> bytes:
    try:
        # A private key here was either just generated or opened from an
        # authenticated envelope this layer made, so OpenSSL's RSA consistency
        # check (tens of milliseconds at every sign-in) would prove nothing.
        private_key = serialization.load_der_private_key(pkcs8_der, password=None, unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError) as exc:
        raise FormatError("not a PKCS#8 private key") from exc
    return private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class _PrivateKey:
    KIND: ClassVar[str]
    PUBLIC: ClassVar[type[_PublicKey]]
    __slots__ = ("_pkcs8", "public_key")

    def __init__(self, pkcs8_der: bytes) -> None:
        self.public_key = self.PUBLIC(_public_half(pkcs8_der))
        self._pkcs8 = pkcs8_der

    def secret_bytes(self) -> bytes:
        """The PKCS#8 DER, for wrapping; never store it in the clear."""
        return self._pkcs8

    def _envelope_fields(self) -> JSONObject:
        return {}

    @classmethod
    def _from_envelope(cls, secret: bytes, envelope: JSONObject) -> Self:
        return cls(secret)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and hmac.compare_digest(self._pkcs8, other._pkcs8)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.public_key.fingerprint}>"


class ExchangePrivateKey(_PrivateKey):
    """A user's RSA private key: opens keys wrapped for them, for key exchange only."""

    KIND = "RSA-PRIVATE"
    PUBLIC = ExchangePublicKey
    public_key: ExchangePublicKey

    @classmethod
    def generate(cls, bits: int = RSA_DEFAULT_BITS) -> ExchangePrivateKey:
        if not RSA_MIN_BITS <= bits <= RSA_MAX_BITS:
            raise ValueError(f"RSA keys are {RSA_MIN_BITS} to {RSA_MAX_BITS} bits")
        return cls(rsa_generate(bits)[0])


class IdentityPrivateKey(_PrivateKey):
    """A user's Ed25519 identity key: signs their key statement, share records and messages."""

    KIND = "ED25519-PRIVATE"
    PUBLIC = IdentityPublicKey
    public_key: IdentityPublicKey

    @classmethod
    def generate(cls) -> IdentityPrivateKey:
        return cls(ed25519_generate()[0])
