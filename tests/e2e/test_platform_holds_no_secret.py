"""After sign-ups, a password change, a recovery and a connection, the platform holds no key, password or phrase.

Everything is read as whoever runs the platform could: every item of every table
the deployed stack has, and every attribute of every user in its user pool. The
secrets are what the people's devices hold (from their key agents) and typed,
looked for as raw bytes, base64 (standard or URL-safe, at any byte alignment) and
hex. The same search finds what the platform is meant to hold (public keys,
fingerprints, emails), so it is not blind.
"""

from __future__ import annotations

import base64
import json
import unicodedata

import pytest
from cryptography.hazmat.primitives import serialization

from imegha_crypto import authentication_secret, b64url_decode, b64url_encode
from imegha_crypto.primitives import entropy_from_mnemonic, hkdf_expand_sha256, pbkdf2_sha256
from tests.e2e.conftest import FAST_KDF_ITERATIONS


@pytest.fixture(scope="module")
def world(person, new_device, platform_view):
    """Gina and Hank: Hank changes his password, Gina recovers hers on a new device, they connect, Gina's phone
    registers for push."""
    gina, hank = person("Gina"), person("Hank")
    typed = {gina.name: [gina.password], hank.name: [hank.password]}

    hanks_new = "Hank's second password"
    assert hank.device.imegha("passwd", "--password-stdin", stdin=f"{hank.password}\n{hanks_new}\n").status == 0
    typed[hank.name].append(hanks_new)
    ginas_phone, ginas_new = new_device("gina-phone"), "Gina's password after recovery"
    assert (
        ginas_phone.imegha("recover", gina.email, "--password-stdin", stdin=f"{gina.phrase}\n{ginas_new}\n").status == 0
    )
    typed[gina.name].append(ginas_new)
    assert ginas_phone.imegha("connect", "Hank").status == 0
    assert hank.device.imegha("accept", "Gina").status == 0
    assert (
        ginas_phone.imegha("devices", "register", "gina-phone-1", "--platform", "apns", "--token", "a" * 64).status == 0
    )

    return {
        someone.name: {"person": someone, "keys": device.keys(), "typed": typed[someone.name]}
        for someone, device in ((gina, ginas_phone), (hank, hank.device))
    }


@pytest.fixture(scope="module")
def haystack(world, platform_view) -> str:
    """Everything the platform holds, as one text: binary attributes in base64."""
    held = {"tables": platform_view.items(), "cognito": platform_view.cognito_users()}
    return json.dumps(
        held, default=lambda value: base64.b64encode(value).decode() if isinstance(value, bytes) else str(value)
    )


def spellings(secret: bytes) -> set[str]:
    """How ``secret`` reads inside a text: hex, and base64 or base64url of every whole 3-byte group at each of
    the three alignments it could have inside a longer byte string."""
    forms = {secret.hex(), secret.hex().upper()}
    for offset in range(3):
        aligned = secret[offset:]
        aligned = aligned[: len(aligned) - len(aligned) % 3]
        forms |= {base64.b64encode(aligned).decode(), base64.urlsafe_b64encode(aligned).decode()}
    return forms


def secret_bytes(
    keys, phrase: str, passwords: list[str], stored_keys: dict, user_id: str, email: str
) -> dict[str, bytes]:
    """Every secret of one person: their keys in every form a key has, and what the password and phrase derive."""
    rsa = serialization.load_der_private_key(keys.exchange_key.secret_bytes(), None).private_numbers()
    ed25519 = serialization.load_der_private_key(keys.identity_key.secret_bytes(), None)
    entropy = entropy_from_mnemonic(phrase)
    envelope = stored_keys["passwordWrappedDek"]
    current_kek = pbkdf2_sha256(
        unicodedata.normalize("NFC", passwords[-1]).encode(),
        b64url_decode(envelope["salt"]),
        int(envelope["iterations"]),
    )
    found = {
        "DEK": keys.data_key.secret_bytes(),
        "RSA private key (PKCS#8)": keys.exchange_key.secret_bytes(),
        "RSA private exponent": _integer_bytes(rsa.d),
        "RSA prime p": _integer_bytes(rsa.p),
        "RSA prime q": _integer_bytes(rsa.q),
        "Ed25519 private key (PKCS#8)": keys.identity_key.secret_bytes(),
        "Ed25519 private key (raw)": ed25519.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        ),
        "recovery entropy": entropy,
        "recovery key": hkdf_expand_sha256(entropy, b"imegha recovery key v1", 32),
        "KEK": current_kek,
    }
    for index, password in enumerate(passwords):
        found[f"password {index + 1}"] = password.encode()
        found[f"authentication secret {index + 1}"] = b64url_decode(
            authentication_secret(email, password, iterations=FAST_KDF_ITERATIONS)
        )
    return found


def _integer_bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def test_no_key_password_or_phrase_is_stored_on_the_platform(world, haystack, platform_view):
    leaks = []
    for name, held in world.items():
        someone, keys = held["person"], held["keys"]
        stored = platform_view.directory_entry(someone.user_id)["keys"]
        secrets = secret_bytes(keys, someone.phrase, held["typed"], stored, someone.user_id, someone.email)
        for what, secret in secrets.items():
            spelled = spellings(secret) | ({secret.decode()} if what.startswith("password") else set())
            leaks += [f"{name}'s {what}" for form in spelled if form in haystack]
        words = someone.phrase.split()
        lowered = haystack.lower()
        leaks += [
            f"{name}'s phrase words {index + 1}-{index + 2}"
            for index in range(len(words) - 1)
            if f"{words[index]} {words[index + 1]}" in lowered
        ]

    assert leaks == []


def test_the_search_finds_what_the_platform_is_meant_to_hold(world, haystack):
    for held in world.values():
        someone, keys = held["person"], held["keys"]
        assert someone.email in haystack  # in the directory and in Cognito
        assert b64url_encode(keys.exchange_key.public_key.der) in haystack  # base64url
        assert keys.identity_key.public_key.fingerprint.hex in haystack  # hex: the statement's signer
        assert any(form in haystack for form in spellings(keys.exchange_key.public_key.der[1:40]))  # misaligned
