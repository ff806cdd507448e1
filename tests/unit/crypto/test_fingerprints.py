"""Fingerprints and safety codes: what two people compare to trust the keys the platform gave them."""

import hashlib
import re

from imegha_crypto import IdentityPrivateKey, safety_code


def test_a_fingerprint_is_the_sha256_of_the_public_key_in_grouped_hex(alice):
    public_key = alice.keys.identity_key.public_key
    digest = hashlib.sha256(public_key.der).hexdigest()
    assert public_key.fingerprint.hex == digest
    assert str(public_key.fingerprint) == " ".join(digest[start : start + 4] for start in range(0, 64, 4))


def test_the_exchange_and_identity_keys_have_different_fingerprints(alice):
    assert alice.keys.exchange_key.public_key.fingerprint != alice.keys.identity_key.public_key.fingerprint


def test_a_safety_code_is_twelve_groups_of_five_digits(alice, bob):
    code = safety_code(alice.keys.identity_key.public_key, bob.keys.identity_key.public_key)
    assert re.fullmatch(r"\d{5}( \d{5}){11}", code)


def test_both_sides_compute_the_same_safety_code(alice, bob):
    alice_side = safety_code(alice.keys.identity_key.public_key, bob.keys.identity_key.public_key)
    bob_side = safety_code(bob.keys.identity_key.public_key, alice.keys.identity_key.public_key)
    assert alice_side == bob_side


def test_the_safety_code_changes_when_the_platform_hands_out_another_key(alice, bob):
    genuine = safety_code(alice.keys.identity_key.public_key, bob.keys.identity_key.public_key)
    impostor = IdentityPrivateKey.generate().public_key
    assert safety_code(alice.keys.identity_key.public_key, impostor) != genuine


def test_each_half_of_the_safety_code_comes_from_one_key(alice, bob):
    # Six groups per key, from the first 30 bytes of its fingerprint; halves in fingerprint order.
    def half(public_key):
        digest = public_key.fingerprint.digest
        return [f"{int.from_bytes(digest[start : start + 5], 'big') % 100_000:05d}" for start in range(0, 30, 5)]

    keys = sorted(
        [alice.keys.identity_key.public_key, bob.keys.identity_key.public_key], key=lambda k: k.fingerprint.digest
    )
    expected = " ".join(half(keys[0]) + half(keys[1]))
    assert safety_code(alice.keys.identity_key.public_key, bob.keys.identity_key.public_key) == expected
