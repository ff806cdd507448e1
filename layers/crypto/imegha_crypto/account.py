"""Account keys: made on the device at sign-up, opened with the password alone, recovered with the phrase.

The uploaded bundle (an ``account-keys`` envelope) holds the DEK twice, under
the password key (KEK) and under the recovery key, and the RSA and Ed25519
private keys under the DEK. Changing the password or recovering rewraps the
DEK and changes nothing else, so every key the DEK holds stays valid.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import ClassVar, Self

from .aead import open_envelope, seal_envelope
from .canonical import Context, JSONObject, b64url_decode, b64url_encode
from .envelopes import validate_envelope
from .errors import RecoveryPhraseError
from .keys import DataKey, ExchangePrivateKey, ExchangePublicKey, IdentityPrivateKey, IdentityPublicKey
from .primitives import (
    RSA_DEFAULT_BITS,
    entropy_from_mnemonic,
    hkdf_expand_sha256,
    mnemonic_from_entropy,
    pbkdf2_sha256,
    random_bytes,
)
from .wrapping import unwrap_key, wrap_key

# Today's OWASP figure for PBKDF2-HMAC-SHA256. The floor for opening, the
# whitepaper's 100,000, is in the schema so that Lambdas enforce it too.
DEFAULT_PASSWORD_ITERATIONS = 600_000

RECOVERY_ENTROPY_BYTES = 32
RECOVERY_WORDS = 24
_RECOVERY_INFO = b"imegha recovery key v1"
_RECOVERY_LOOKUP_INFO = b"imegha recovery lookup v1"


@dataclass(frozen=True)
class AccountKeys:
    """A user's keys, in memory on their device only."""

    data_key: DataKey
    exchange_key: ExchangePrivateKey
    identity_key: IdentityPrivateKey


@dataclass(frozen=True)
class NewAccount:
    keys: AccountKeys
    bundle: JSONObject
    """The ``account-keys`` envelope to upload."""
    recovery_phrase: str
    """24 words to show the user once; nothing else holds them."""


@dataclass(frozen=True)
class RecoveredAccount:
    keys: AccountKeys
    bundle: JSONObject
    """The ``account-keys`` envelope with the DEK rewrapped for the new password, to upload."""


class _DekWrappingKey:
    """A key whose only use is wrapping one user's DEK in its own envelope type."""

    ENVELOPE: ClassVar[str]
    FAILURE: ClassVar[str]

    def __init__(self, secret: bytes, header: JSONObject) -> None:
        self._secret = secret
        self._header = header

    def wrap(self, data_key: DataKey, user_id: str) -> JSONObject:
        context = _account_context(user_id)
        return seal_envelope(self._secret, data_key.secret_bytes(), self.ENVELOPE, self._header, context)

    def unwrap(self, envelope: JSONObject, user_id: str) -> DataKey:
        return DataKey(open_envelope(self._secret, envelope, self.ENVELOPE, _account_context(user_id), self.FAILURE))


class PasswordKey(_DekWrappingKey):
    """The KEK: derived from the password with PBKDF2-HMAC-SHA256, never stored."""

    ENVELOPE = "password-wrapped-key"
    FAILURE = "wrong password (or the stored key was altered)"

    @classmethod
    def new(cls, password: str, iterations: int) -> Self:
        return cls._derive(password, random_bytes(16), iterations)

    @classmethod
    def for_envelope(cls, password: str, envelope: JSONObject) -> Self:
        return cls._derive(password, b64url_decode(envelope["salt"]), envelope["iterations"])

    @classmethod
    def _derive(cls, password: str, salt: bytes, iterations: int) -> Self:
        if not password:
            raise ValueError("the password is empty")
        # NFC, so the same password typed on macOS (which composes to NFD) and elsewhere opens the same key.
        secret = pbkdf2_sha256(unicodedata.normalize("NFC", password).encode("utf-8"), salt, iterations)
        header = {"v": 1, "alg": "PBKDF2-SHA256+A256GCM", "salt": b64url_encode(salt), "iterations": iterations}
        return cls(secret, header)


class RecoveryKey(_DekWrappingKey):
    """Derived from the recovery phrase's 256 bits of entropy with HKDF-Expand-SHA256.

    The entropy is already uniformly random, so it serves as HKDF's
    pseudorandom key directly and no Extract step or salt is needed.
    """

    ENVELOPE = "recovery-wrapped-key"
    FAILURE = "this recovery phrase does not open this account's key (or the stored key was altered)"

    @classmethod
    def from_entropy(cls, entropy: bytes) -> Self:
        secret = hkdf_expand_sha256(entropy, _RECOVERY_INFO, 32)
        return cls(secret, {"v": 1, "alg": "BIP39-HKDF-SHA256+A256GCM"})

    @classmethod
    def from_phrase(cls, phrase: str) -> Self:
        return cls.from_entropy(_recovery_entropy(phrase))


def _recovery_entropy(phrase: str) -> bytes:
    words = phrase.lower().split()
    # BIP39 also allows 12 to 21 words, which would decode to a shorter key.
    if len(words) != RECOVERY_WORDS:
        raise RecoveryPhraseError(f"a recovery phrase has {RECOVERY_WORDS} words; this one has {len(words)}")
    return entropy_from_mnemonic(" ".join(words))


def recovery_lookup(recovery_phrase: str) -> str:
    """What a device shows the platform to prove that it holds the phrase, before it changes anything: 32 bytes
    from the phrase's entropy, as base64url.

    HKDF-Expand-SHA256 with its own info, so it says nothing of the recovery key (another info), which the
    platform that sees it must never learn. Raises ``RecoveryPhraseError`` for a phrase that is not one.
    """
    return b64url_encode(hkdf_expand_sha256(_recovery_entropy(recovery_phrase), _RECOVERY_LOOKUP_INFO, 32))


def recovery_verifier(lookup: str) -> str:
    """What the platform keeps to check a lookup: its SHA-256, as base64url. A copy of the table opens no
    recovery: a lookup is 256 bits that only the phrase gives. ``FormatError`` if ``lookup`` is not base64url."""
    return b64url_encode(hashlib.sha256(b64url_decode(lookup)).digest())


def check_recovery_phrase(recovery_phrase: str) -> None:
    """Refuse a phrase that cannot be one, before anything is sent anywhere.

    Raises ``RecoveryPhraseError`` naming an unknown word and its position, a
    wrong number of words or a failed checksum. Case and spacing do not matter.
    """
    _recovery_entropy(recovery_phrase)


def create_account(
    user_id: str,
    password: str,
    *,
    iterations: int = DEFAULT_PASSWORD_ITERATIONS,
    rsa_bits: int = RSA_DEFAULT_BITS,
    exchange_key: ExchangePrivateKey | None = None,
) -> NewAccount:
    """Make a new user's keys on their device and wrap them for upload.

    ``exchange_key`` is an RSA key pair the device generated beforehand (it takes
    tens of milliseconds, which a client can spend while its sign-up travels).
    """
    keys = AccountKeys(
        DataKey.generate(), exchange_key or ExchangePrivateKey.generate(rsa_bits), IdentityPrivateKey.generate()
    )
    entropy = random_bytes(RECOVERY_ENTROPY_BYTES)
    bundle = {
        "v": 1,
        "exchangeKey": b64url_encode(keys.exchange_key.public_key.der),
        "identityKey": b64url_encode(keys.identity_key.public_key.der),
        "passwordWrappedDek": PasswordKey.new(password, iterations).wrap(keys.data_key, user_id),
        "recoveryWrappedDek": RecoveryKey.from_entropy(entropy).wrap(keys.data_key, user_id),
        "wrappedExchangeKey": _wrap_private_key(keys.exchange_key, keys.data_key, user_id),
        "wrappedIdentityKey": _wrap_private_key(keys.identity_key, keys.data_key, user_id),
    }
    validate_envelope("account-keys", bundle)
    return NewAccount(keys, bundle, mnemonic_from_entropy(entropy))


def open_account(bundle: JSONObject, user_id: str, password: str) -> AccountKeys:
    """Open a user's keys with their password, as on a new device. Raises ``DecryptionError`` for a wrong password."""
    validate_envelope("account-keys", bundle)
    envelope = bundle["passwordWrappedDek"]
    data_key = PasswordKey.for_envelope(password, envelope).unwrap(envelope, user_id)
    return _open_private_keys(bundle, user_id, data_key)


def recover_account(
    bundle: JSONObject,
    user_id: str,
    recovery_phrase: str,
    new_password: str,
    *,
    iterations: int = DEFAULT_PASSWORD_ITERATIONS,
) -> RecoveredAccount:
    """Open a user's keys with their recovery phrase and rewrap the DEK for a new password."""
    validate_envelope("account-keys", bundle)
    keys = open_account_with_phrase(bundle, user_id, recovery_phrase)
    return RecoveredAccount(keys, _with_password(bundle, user_id, keys.data_key, new_password, iterations))


def open_account_with_phrase(keys: JSONObject, user_id: str, recovery_phrase: str) -> AccountKeys:
    """Open a user's keys with the recovery phrase alone: no password, no platform. ``keys`` needs only the
    recovery-wrapped DEK, the wrapped private keys and their public keys (``RECOVERY_COPY_FIELDS``: the copy a
    user's own cloud keeps). Raises ``DecryptionError`` for another phrase or another user's keys."""
    validate_envelope("recovery-wrapped-key", keys["recoveryWrappedDek"])
    data_key = RecoveryKey.from_phrase(recovery_phrase).unwrap(keys["recoveryWrappedDek"], user_id)
    return _open_private_keys(keys, user_id, data_key)


RECOVERY_COPY_FIELDS = (
    "v",
    "exchangeKey",
    "identityKey",
    "recoveryWrappedDek",
    "wrappedExchangeKey",
    "wrappedIdentityKey",
)
"""What of the ``account-keys`` envelope opens with the recovery phrase alone: all but the password's wrapping."""


def change_password(
    bundle: JSONObject,
    user_id: str,
    old_password: str,
    new_password: str,
    *,
    iterations: int = DEFAULT_PASSWORD_ITERATIONS,
) -> JSONObject:
    """Rewrap the same DEK for a new password; returns the ``account-keys`` envelope to upload."""
    keys = open_account(bundle, user_id, old_password)
    return _with_password(bundle, user_id, keys.data_key, new_password, iterations)


def _with_password(bundle: JSONObject, user_id: str, data_key: DataKey, password: str, iterations: int) -> JSONObject:
    rewrapped = {**bundle, "passwordWrappedDek": PasswordKey.new(password, iterations).wrap(data_key, user_id)}
    validate_envelope("account-keys", rewrapped)
    return rewrapped


def _account_context(user_id: str) -> Context:
    return Context(owner=user_id, object_id="account", version=0)


def _private_key_context(user_id: str, public_key: ExchangePublicKey | IdentityPublicKey) -> Context:
    # Bound to its public key's fingerprint, so a bundle whose public key was
    # swapped no longer opens.
    return Context(owner=user_id, object_id=public_key.fingerprint.hex, version=0)


def _wrap_private_key(
    private_key: ExchangePrivateKey | IdentityPrivateKey, data_key: DataKey, user_id: str
) -> JSONObject:
    return wrap_key(private_key, wrapping_key=data_key, context=_private_key_context(user_id, private_key.public_key))


def _open_private_keys(bundle: JSONObject, user_id: str, data_key: DataKey) -> AccountKeys:
    exchange_public = ExchangePublicKey(b64url_decode(bundle["exchangeKey"]))
    identity_public = IdentityPublicKey(b64url_decode(bundle["identityKey"]))
    return AccountKeys(
        data_key,
        unwrap_key(
            bundle["wrappedExchangeKey"],
            ExchangePrivateKey,
            unwrapping_key=data_key,
            context=_private_key_context(user_id, exchange_public),
        ),
        unwrap_key(
            bundle["wrappedIdentityKey"],
            IdentityPrivateKey,
            unwrapping_key=data_key,
            context=_private_key_context(user_id, identity_public),
        ),
    )
