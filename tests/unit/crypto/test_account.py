"""Sign-up, sign-in on a new device, recovery and password change, as issue 4 will drive them."""

import json

import pytest
from mnemonic import Mnemonic

import imegha_crypto.account
from imegha_crypto import (
    DEFAULT_PASSWORD_ITERATIONS,
    DecryptionError,
    FormatError,
    RecoveryPhraseError,
    b64url_encode,
    change_password,
    check_recovery_phrase,
    create_account,
    open_account,
    recover_account,
    validate_envelope,
)

WORDS = Mnemonic("english")


def test_a_new_account_opens_with_its_password_alone(alice, alice_password):
    assert open_account(alice.bundle, "alice", alice_password) == alice.keys


def test_the_bundle_holds_the_public_keys_and_nothing_secret_in_the_clear(alice, alice_password):
    validate_envelope("account-keys", alice.bundle)
    assert alice.bundle["exchangeKey"] == b64url_encode(alice.keys.exchange_key.public_key.der)
    assert alice.bundle["identityKey"] == b64url_encode(alice.keys.identity_key.public_key.der)
    stored = json.dumps(alice.bundle)
    secrets = [
        alice_password,
        alice.recovery_phrase,
        b64url_encode(alice.keys.data_key.secret_bytes()),
        b64url_encode(alice.keys.exchange_key.secret_bytes())[:64],
        b64url_encode(alice.keys.identity_key.secret_bytes()),
    ]
    assert not [secret for secret in secrets if secret in stored]


def test_the_recovery_phrase_is_24_bip39_words(alice):
    words = alice.recovery_phrase.split()
    assert len(words) == 24 and set(words) <= set(WORDS.wordlist)
    assert WORDS.check(alice.recovery_phrase)


def test_a_wrong_password_says_so(alice, alice_password):
    with pytest.raises(DecryptionError, match="wrong password"):
        open_account(alice.bundle, "alice", alice_password + "!")


def test_a_bundle_served_for_another_user_does_not_open(alice, alice_password):
    with pytest.raises(DecryptionError):
        open_account(alice.bundle, "mallory", alice_password)


def test_a_password_typed_in_another_unicode_form_opens_the_same_keys(iterations):
    account = create_account("dana", "caf\u00e9", iterations=iterations)
    assert open_account(account.bundle, "dana", "cafe\u0301") == account.keys


def test_new_passwords_use_600000_iterations_by_default(monkeypatch):
    # Replaces the derivation rather than running it: what matters is the count asked for and stored.
    asked = []
    monkeypatch.setattr(
        imegha_crypto.account, "pbkdf2_sha256", lambda password, salt, iterations: asked.append(iterations) or bytes(32)
    )
    account = create_account("erin", "pw")
    assert DEFAULT_PASSWORD_ITERATIONS == 600_000
    assert asked == [600_000]
    assert account.bundle["passwordWrappedDek"]["iterations"] == 600_000
    changed = change_password(account.bundle, "erin", "pw", "pw2")
    recovered = recover_account(account.bundle, "erin", account.recovery_phrase, "pw3")
    assert (
        changed["passwordWrappedDek"]["iterations"] == recovered.bundle["passwordWrappedDek"]["iterations"] == 600_000
    )


def test_fewer_than_100000_iterations_are_refused_when_opening(alice, alice_password):
    bundle = json.loads(json.dumps(alice.bundle))
    bundle["passwordWrappedDek"]["iterations"] = 99_999
    with pytest.raises(FormatError, match="passwordWrappedDek.iterations: 99999 is below the minimum of 100,000"):
        open_account(bundle, "alice", alice_password)


def test_fewer_than_100000_iterations_are_refused_when_creating():
    with pytest.raises(FormatError, match="passwordWrappedDek.iterations: 99999 is below the minimum of 100,000"):
        create_account("frank", "pw", iterations=99_999)


# --- Tampering with the stored bundle ------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "passwordWrappedDek.salt",
        "passwordWrappedDek.iterations",
        "passwordWrappedDek.iv",
        "passwordWrappedDek.ct",
        "wrappedExchangeKey.iv",
        "wrappedExchangeKey.ct",
        "wrappedIdentityKey.iv",
        "wrappedIdentityKey.ct",
        "exchangeKey",
    ],
)
def test_every_field_the_password_path_reads_is_protected(alice, tamper, field, alice_password):
    with pytest.raises(DecryptionError):
        open_account(tamper(alice.bundle, field), "alice", alice_password)


@pytest.mark.parametrize("field", ["v", "passwordWrappedDek.v", "passwordWrappedDek.alg", "wrappedIdentityKey.alg"])
def test_versions_and_algorithms_of_the_bundle_are_checked(alice, tamper, field, alice_password):
    with pytest.raises(FormatError):
        open_account(tamper(alice.bundle, field), "alice", alice_password)


@pytest.mark.parametrize("field", ["exchangeKey", "identityKey"])
def test_a_bundle_with_someone_elses_public_key_does_not_open(alice, bob, field, alice_password):
    with pytest.raises(DecryptionError):
        open_account(dict(alice.bundle, **{field: bob.bundle[field]}), "alice", alice_password)


@pytest.mark.parametrize("field", ["recoveryWrappedDek.iv", "recoveryWrappedDek.ct"])
def test_every_field_the_recovery_path_reads_is_protected(alice, tamper, field, iterations):
    with pytest.raises(DecryptionError):
        recover_account(tamper(alice.bundle, field), "alice", alice.recovery_phrase, "new", iterations=iterations)


@pytest.mark.parametrize("field", ["recoveryWrappedDek.v", "recoveryWrappedDek.alg"])
def test_the_recovery_envelopes_version_and_algorithm_are_checked(alice, tamper, field, iterations):
    with pytest.raises(FormatError):
        recover_account(tamper(alice.bundle, field), "alice", alice.recovery_phrase, "new", iterations=iterations)


# --- Recovery -----------------------------------------------------------------


def test_recovering_then_signing_in_with_the_new_password(alice, alice_password, iterations):
    recovered = recover_account(alice.bundle, "alice", alice.recovery_phrase, "brand new", iterations=iterations)
    assert recovered.keys == alice.keys
    validate_envelope("account-keys", recovered.bundle)
    assert open_account(recovered.bundle, "alice", "brand new") == alice.keys
    with pytest.raises(DecryptionError, match="wrong password"):
        open_account(recovered.bundle, "alice", alice_password)
    assert recovered.bundle["recoveryWrappedDek"] == alice.bundle["recoveryWrappedDek"]


def test_a_phrase_typed_in_capitals_with_extra_spaces_still_recovers(alice, iterations):
    typed = "  " + "   ".join(alice.recovery_phrase.upper().split()) + "\n"
    assert recover_account(alice.bundle, "alice", typed, "new", iterations=iterations).keys == alice.keys


def _with_word(phrase, position, word):
    words = phrase.split()
    words[position - 1] = word
    return " ".join(words)


def test_a_phrase_with_one_word_changed_fails_its_checksum(alice, iterations):
    original = alice.recovery_phrase.split()[4]
    changed = next(
        candidate
        for candidate in (_with_word(alice.recovery_phrase, 5, word) for word in WORDS.wordlist if word != original)
        if not WORDS.check(candidate)
    )
    with pytest.raises(RecoveryPhraseError, match="checksum"):
        recover_account(alice.bundle, "alice", changed, "new", iterations=iterations)


def test_an_unknown_word_is_named_with_its_position(alice, iterations):
    with pytest.raises(RecoveryPhraseError, match=r"word 3 \('qwerty'\) is not in the BIP39 English word list"):
        recover_account(
            alice.bundle, "alice", _with_word(alice.recovery_phrase, 3, "qwerty"), "new", iterations=iterations
        )


def test_a_phrase_with_a_missing_word_is_refused(alice, iterations):
    with pytest.raises(RecoveryPhraseError, match="a recovery phrase has 24 words; this one has 23"):
        recover_account(
            alice.bundle, "alice", " ".join(alice.recovery_phrase.split()[:23]), "new", iterations=iterations
        )


def test_a_valid_twelve_word_bip39_phrase_is_not_a_recovery_phrase(alice, iterations):
    twelve = WORDS.to_mnemonic(bytes(16))
    with pytest.raises(RecoveryPhraseError, match="this one has 12"):
        recover_account(alice.bundle, "alice", twelve, "new", iterations=iterations)


def test_another_accounts_phrase_does_not_open_this_account(alice, bob, iterations):
    with pytest.raises(DecryptionError, match="recovery phrase does not open"):
        recover_account(alice.bundle, "alice", bob.recovery_phrase, "new", iterations=iterations)


# --- Password change ------------------------------------------------------------


def test_changing_the_password_keeps_the_data_key(alice, alice_password, iterations):
    bundle = change_password(alice.bundle, "alice", alice_password, "second password", iterations=iterations)
    assert open_account(bundle, "alice", "second password").data_key == alice.keys.data_key
    assert bundle["passwordWrappedDek"]["salt"] != alice.bundle["passwordWrappedDek"]["salt"]
    assert {name: value for name, value in bundle.items() if name != "passwordWrappedDek"} == {
        name: value for name, value in alice.bundle.items() if name != "passwordWrappedDek"
    }
    with pytest.raises(DecryptionError, match="wrong password"):
        open_account(bundle, "alice", alice_password)


def test_changing_the_password_needs_the_current_one(alice, iterations):
    with pytest.raises(DecryptionError, match="wrong password"):
        change_password(alice.bundle, "alice", "a guess", "second password", iterations=iterations)


# --- Key sizes ----------------------------------------------------------------------


def test_a_3072_bit_account_uses_the_same_envelopes(iterations):
    account = create_account("gina", "pw", iterations=iterations, rsa_bits=3072)
    validate_envelope("account-keys", account.bundle)
    assert open_account(account.bundle, "gina", "pw") == account.keys


def test_a_phrase_can_be_checked_before_anything_is_sent(alice):
    check_recovery_phrase(alice.recovery_phrase.upper())
    with pytest.raises(RecoveryPhraseError, match=r"word 24 \('qwerty'\)"):
        check_recovery_phrase(_with_word(alice.recovery_phrase, 24, "qwerty"))


def test_the_recovery_lookup_is_the_phrases_alone_and_says_nothing_of_the_recovery_key(alice, bob):
    import hashlib
    import hmac

    from imegha_crypto import b64url_decode, recovery_lookup, recovery_verifier
    from imegha_crypto.primitives import entropy_from_mnemonic

    lookup = recovery_lookup(alice.recovery_phrase)
    entropy = entropy_from_mnemonic(alice.recovery_phrase)

    assert lookup == recovery_lookup("  " + alice.recovery_phrase.upper().replace(" ", "   ") + "\n")
    assert lookup != recovery_lookup(bob.recovery_phrase) and len(b64url_decode(lookup)) == 32
    # HKDF-Expand with one output block is one HMAC; the recovery key's info differs, so the two are unrelated.
    assert b64url_decode(lookup) == hmac.digest(entropy, b"imegha recovery lookup v1\x01", "sha256")
    assert b64url_decode(lookup) != hmac.digest(entropy, b"imegha recovery key v1\x01", "sha256")
    assert b64url_decode(recovery_verifier(lookup)) == hashlib.sha256(b64url_decode(lookup)).digest()
    with pytest.raises(RecoveryPhraseError):
        recovery_lookup(" ".join(alice.recovery_phrase.split()[:-1]))
    with pytest.raises(FormatError):
        recovery_verifier("not base64url!")
