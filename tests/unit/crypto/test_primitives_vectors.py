"""The conformance surface against published known-answer vectors (sources in each file under tests/vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from imegha_crypto import primitives
from imegha_crypto.errors import DecryptionError, RecoveryPhraseError
from imegha_crypto.primitives import (
    aes_gcm_decrypt,
    aes_gcm_encrypt,
    ed25519_sign,
    ed25519_verify,
    entropy_from_mnemonic,
    mnemonic_from_entropy,
    pbkdf2_sha256,
    rsa_oaep_decrypt,
    rsa_oaep_encrypt,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def flipped(data: bytes, position: int = 0) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


# --- AES-256-GCM (NIST CAVS) ---------------------------------------------------

GCM = load("nist-aes-256-gcm.json")


def gcm_id(vector: dict) -> str:
    return f"ct{len(vector['ct']) // 2}-aad{len(vector['aad']) // 2}-{vector['key'][:8]}"


@pytest.mark.parametrize("vector", GCM["encrypt"], ids=gcm_id)
def test_aes_gcm_encrypt_vectors(vector, monkeypatch):
    iv = bytes.fromhex(vector["iv"])
    # The function draws its own IV, as it must; the vector's is handed to it.
    monkeypatch.setattr(primitives.os, "urandom", lambda size: iv)
    key, plaintext, aad = (bytes.fromhex(vector[name]) for name in ("key", "pt", "aad"))
    assert aes_gcm_encrypt(key, plaintext, aad) == (iv, bytes.fromhex(vector["ct"] + vector["tag"]))


@pytest.mark.parametrize("vector", GCM["decrypt"], ids=lambda v: gcm_id(v) + ("-fail" if v["fail"] else ""))
def test_aes_gcm_decrypt_vectors(vector):
    key, iv, aad = (bytes.fromhex(vector[name]) for name in ("key", "iv", "aad"))
    sealed = bytes.fromhex(vector["ct"] + vector["tag"])
    if vector["fail"]:
        with pytest.raises(DecryptionError):
            aes_gcm_decrypt(key, iv, sealed, aad)
    else:
        assert aes_gcm_decrypt(key, iv, sealed, aad) == bytes.fromhex(vector["pt"])


def test_aes_gcm_refuses_a_flipped_bit_and_draws_a_fresh_iv():
    key = bytes(32)
    iv, sealed = aes_gcm_encrypt(key, b"attack at dawn", b"file-7")
    assert aes_gcm_encrypt(key, b"attack at dawn", b"file-7")[0] != iv
    for wrong in [(flipped(iv), sealed, b"file-7"), (iv, flipped(sealed, -1), b"file-7"), (iv, sealed, b"file-8")]:
        with pytest.raises(DecryptionError):
            aes_gcm_decrypt(key, *wrong)


# --- RSA-OAEP with SHA-256 and MGF1-SHA-256 ---------------------------------------

OAEP = load("rsa-oaep-sha256.json")["keys"]


def oaep_key_pair(key: dict) -> tuple[bytes, bytes]:
    """``(private PKCS#8 DER, public SPKI DER)`` from the vector's integers."""
    n, e, d, p, q = (int(key[name], 16) for name in ("n", "e", "d", "p", "q"))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n)
    )
    private_key = numbers.private_key()
    return (
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


OAEP_CASES = [(key, case) for key in OAEP for case in key["cases"]]


@pytest.mark.parametrize("key, case", OAEP_CASES, ids=[f"key{OAEP.index(k)}-{c['message'][:8]}" for k, c in OAEP_CASES])
def test_rsa_oaep_decrypt_vectors(key, case):
    private_der, _ = oaep_key_pair(key)
    assert rsa_oaep_decrypt(private_der, bytes.fromhex(case["ciphertext"])) == bytes.fromhex(case["message"])


def test_rsa_oaep_encrypts_what_decrypts_and_refuses_tampering():
    private_der, public_der = oaep_key_pair(OAEP[0])
    sealed = rsa_oaep_encrypt(public_der, b"a file key")
    assert rsa_oaep_decrypt(private_der, sealed) == b"a file key"
    assert rsa_oaep_encrypt(public_der, b"a file key") != sealed  # OAEP is randomised
    with pytest.raises(DecryptionError):
        rsa_oaep_decrypt(private_der, flipped(sealed, len(sealed) // 2))
    with pytest.raises(DecryptionError):
        rsa_oaep_decrypt(oaep_key_pair(OAEP[1])[0], sealed)


# --- PBKDF2-HMAC-SHA256 (RFC 7914 section 11) -----------------------------------


@pytest.mark.parametrize("vector", load("pbkdf2-sha256-rfc7914.json")["vectors"], ids=lambda v: f"c{v['iterations']}")
def test_pbkdf2_sha256_vectors(vector):
    derived = pbkdf2_sha256(
        vector["password"].encode(), vector["salt"].encode(), vector["iterations"], vector["length"]
    )
    assert derived == bytes.fromhex(vector["derived"])


# --- BIP39 (trezor/python-mnemonic reference vectors) -----------------------------

BIP39 = load("bip39-english.json")["vectors"]


@pytest.mark.parametrize("vector", BIP39, ids=lambda v: v["entropy"][:12])
def test_bip39_vectors_both_ways(vector):
    entropy = bytes.fromhex(vector["entropy"])
    assert mnemonic_from_entropy(entropy) == vector["phrase"]
    assert entropy_from_mnemonic(vector["phrase"]) == entropy


def test_bip39_refuses_an_unknown_word_a_bad_checksum_and_a_bad_length():
    words = BIP39[8]["phrase"].split()  # 24 words
    with pytest.raises(RecoveryPhraseError, match="word 5"):
        entropy_from_mnemonic(" ".join([*words[:4], "abandonx", *words[5:]]))
    with pytest.raises(RecoveryPhraseError, match="checksum"):
        entropy_from_mnemonic(" ".join([*words[:-1], "zoo"]))
    with pytest.raises(RecoveryPhraseError):
        entropy_from_mnemonic(" ".join(words[:-1]))
    with pytest.raises(RecoveryPhraseError):
        mnemonic_from_entropy(bytes(31))


# --- Ed25519 (RFC 8032) -------------------------------------------------------


def ed25519_key_pair(secret_key_hex: str) -> tuple[bytes, bytes]:
    private_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret_key_hex))
    return (
        private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )


ED25519 = load("ed25519-rfc8032.json")["vectors"]


@pytest.mark.parametrize("vector", ED25519, ids=lambda v: v["public_key"][:12])
def test_ed25519_vectors(vector):
    private_der, public_der = ed25519_key_pair(vector["secret_key"])
    message, signature = bytes.fromhex(vector["message"]), bytes.fromhex(vector["signature"])
    assert public_der.endswith(bytes.fromhex(vector["public_key"]))
    assert ed25519_sign(private_der, message) == signature
    assert ed25519_verify(public_der, signature, message)
    assert not ed25519_verify(public_der, flipped(signature), message)
    assert not ed25519_verify(public_der, signature, message + b"x")
