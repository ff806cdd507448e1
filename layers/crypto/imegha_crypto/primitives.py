"""Raw primitives: the conformance surface of the crypto layer.

These functions take and return bytes and accept any parameters the standards
allow; policy (minimum iterations, key sizes, which key may wrap which) lives
in the purpose-level modules. Application code does not import this module.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from mnemonic import Mnemonic

from .errors import DecryptionError, FormatError, RecoveryPhraseError

GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16
AES_256_KEY_BYTES = 32
RSA_DEFAULT_BITS = 2048

_BIP39 = Mnemonic("english")


def random_bytes(length: int) -> bytes:
    return os.urandom(length)


# --- AES-256-GCM -----------------------------------------------------------


def aes_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> tuple[bytes, bytes]:
    """Encrypt under a fresh random 96-bit IV; returns ``(iv, ciphertext_with_tag)``."""
    iv = os.urandom(GCM_IV_BYTES)
    return iv, AESGCM(key).encrypt(iv, plaintext, aad)


def aes_gcm_decrypt(key: bytes, iv: bytes, ciphertext_with_tag: bytes, aad: bytes = b"") -> bytes:
    try:
        return AESGCM(key).decrypt(iv, ciphertext_with_tag, aad)
    except (InvalidTag, ValueError, TypeError) as exc:
        raise DecryptionError("AES-GCM authentication failed") from exc


# --- RSA-OAEP (SHA-256, MGF1-SHA-256) --------------------------------------


def _oaep(label: bytes | None) -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()),
        algorithm=hashes.SHA256(),
        label=label or None,
    )


def rsa_generate(bits: int = RSA_DEFAULT_BITS) -> tuple[bytes, bytes]:
    """Returns ``(private_key_pkcs8_der, public_key_spki_der)``."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _private_pkcs8(private_key), _public_spki(private_key.public_key())


def rsa_oaep_encrypt(public_key_spki_der: bytes, plaintext: bytes, label: bytes | None = None) -> bytes:
    public_key = load_public_key(public_key_spki_der)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise FormatError("not an RSA public key")
    return public_key.encrypt(plaintext, _oaep(label))


def rsa_oaep_decrypt(private_key_pkcs8_der: bytes, ciphertext: bytes, label: bytes | None = None) -> bytes:
    try:
        # Full RSA key validation costs 50-130 ms per call; the keys opened here
        # come out of authenticated envelopes or were generated on this device.
        private_key = serialization.load_der_private_key(
            private_key_pkcs8_der, password=None, unsafe_skip_rsa_key_validation=True
        )
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise DecryptionError("not an RSA private key")
        return private_key.decrypt(ciphertext, _oaep(label))
    except DecryptionError:
        raise
    except (ValueError, TypeError) as exc:
        raise DecryptionError("RSA-OAEP decryption failed") from exc


def rsa_key_bits(public_key_spki_der: bytes) -> int:
    public_key = load_public_key(public_key_spki_der)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise FormatError("not an RSA public key")
    return public_key.key_size


# --- PBKDF2-HMAC-SHA256 ----------------------------------------------------


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations).derive(password)


# --- HKDF-Expand -----------------------------------------------------------


def hkdf_expand_sha512(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA512(), length=length, info=info).derive(prk)


def hkdf_expand_sha256(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


# --- BIP39 -----------------------------------------------------------------


def mnemonic_from_entropy(entropy: bytes) -> str:
    try:
        return _BIP39.to_mnemonic(entropy)
    except ValueError as exc:
        raise RecoveryPhraseError(f"entropy must be 16, 20, 24, 28 or 32 bytes, not {len(entropy)}") from exc


def entropy_from_mnemonic(phrase: str) -> bytes:
    words = phrase.split()
    if len(words) not in (12, 15, 18, 21, 24):
        raise RecoveryPhraseError(f"a recovery phrase has 12 to 24 words in steps of 3; this one has {len(words)}")
    unknown = [(position, word) for position, word in enumerate(words, start=1) if word not in _BIP39.wordlist]
    if unknown:
        position, word = unknown[0]
        raise RecoveryPhraseError(f"word {position} ({word!r}) is not in the BIP39 English word list")
    if not _BIP39.check(" ".join(words)):
        raise RecoveryPhraseError("the recovery phrase's checksum does not match: a word is wrong or out of place")
    return bytes(_BIP39.to_entropy(words))


# --- Ed25519 ---------------------------------------------------------------


def ed25519_generate() -> tuple[bytes, bytes]:
    """Returns ``(private_key_pkcs8_der, public_key_spki_der)``."""
    private_key = ed25519.Ed25519PrivateKey.generate()
    return _private_pkcs8(private_key), _public_spki(private_key.public_key())


def ed25519_sign(private_key_pkcs8_der: bytes, message: bytes) -> bytes:
    private_key = serialization.load_der_private_key(private_key_pkcs8_der, password=None)
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise FormatError("not an Ed25519 private key")
    return private_key.sign(message)


def ed25519_verify(public_key_spki_der: bytes, signature: bytes, message: bytes) -> bool:
    try:
        public_key = load_public_key(public_key_spki_der)
    except FormatError:
        return False
    if not isinstance(public_key, ed25519.Ed25519PublicKey):
        return False
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


# --- Key encodings ---------------------------------------------------------


def load_public_key(public_key_spki_der: bytes) -> PublicKeyTypes:
    try:
        return serialization.load_der_public_key(public_key_spki_der)
    except (ValueError, TypeError) as exc:
        raise FormatError("not a DER SubjectPublicKeyInfo public key") from exc


def _private_pkcs8(private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_spki(public_key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# The chunked file scheme lives in its own module; it is part of this surface.
from .chunked import (  # noqa: E402
    chunked_decrypt,
    chunked_decrypt_stream,
    chunked_encrypt,
    chunked_encrypt_stream,
)

__all__ = [
    "aes_gcm_encrypt",
    "aes_gcm_decrypt",
    "rsa_oaep_encrypt",
    "rsa_oaep_decrypt",
    "pbkdf2_sha256",
    "mnemonic_from_entropy",
    "entropy_from_mnemonic",
    "ed25519_sign",
    "ed25519_verify",
    "chunked_encrypt",
    "chunked_decrypt",
    "chunked_encrypt_stream",
    "chunked_decrypt_stream",
]
