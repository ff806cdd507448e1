"""The client does not trust the directory blindly: a malicious platform swapping keys or URLs is noticed."""

import pytest

from imegha.profile import Profile
from imegha.trust import NotACode, PinStore, UntrustedPeer, compared, mark_verified, trusted_peer
from imegha_crypto import create_account, safety_code, sign_key_statement

FAST = 100_000


@pytest.fixture
def pins(tmp_path, monkeypatch):
    monkeypatch.setenv("IMEGHA_HOME", str(tmp_path))
    return PinStore(Profile.named("alice"))


@pytest.fixture(scope="module")
def bob():
    return create_account("bob-id", "bob's password", iterations=FAST)


@pytest.fixture(scope="module")
def mallory():
    return create_account("bob-id", "mallory's password", iterations=FAST)


def lookup(
    account,
    sequence=1,
    cloud_url="https://bob.example.org",
    user_id="bob-id",
    served_exchange_key=None,
    cloud_confirmed=None,
):
    statement = sign_key_statement(
        account.keys.identity_key,
        user_id=user_id,
        exchange_key=account.keys.exchange_key.public_key,
        cloud_url=cloud_url,
        sequence=sequence,
        cloud_confirmed=cloud_confirmed,
    )
    return {
        "userId": "bob-id",
        "iMTag": "Bob",
        "exchangeKey": served_exchange_key or statement["body"]["exchangeKey"],
        "identityKey": statement["body"]["identityKey"],
        "keyStatement": statement,
        "cloudUrl": cloud_url,
    }


def test_first_lookup_pins_and_later_ones_agree(pins, bob):
    first = trusted_peer(pins, lookup(bob))
    again = trusted_peer(pins, lookup(bob, sequence=2, cloud_url="https://moved.example.org"))

    assert first.first_seen and not again.first_seen
    assert again.cloud_url == "https://moved.example.org"
    assert again.exchange_key == bob.keys.exchange_key.public_key


def test_a_platform_swapping_bobs_whole_identity_is_refused(pins, bob, mallory):
    trusted_peer(pins, lookup(bob))

    with pytest.raises(UntrustedPeer, match="WARNING.*compare safety codes.*imegha verify Bob --accept"):
        trusted_peer(pins, lookup(mallory, sequence=5))


def test_a_platform_swapping_bobs_exchange_key_outside_the_statement_is_refused(pins, bob, mallory):
    swapped = lookup(bob, served_exchange_key=lookup(mallory)["exchangeKey"])

    with pytest.raises(UntrustedPeer, match="does not name"):
        trusted_peer(pins, swapped)


def test_a_platform_serving_bob_a_cloud_url_outside_the_statement_is_refused(pins, bob):
    served = lookup(bob)
    served["cloudUrl"] = "https://evil.example.org"

    with pytest.raises(UntrustedPeer, match="cloud URL .*evil.example.org.* does not name"):
        trusted_peer(pins, served)


def test_a_cloud_url_no_statement_names_yet_goes_unused(pins, bob):
    served = lookup(bob, cloud_url=None)
    served["cloudUrl"] = "https://unsigned.example.org"

    assert trusted_peer(pins, served).cloud_url is None


def test_a_platform_editing_bobs_cloud_url_breaks_the_signature(pins, bob):
    tampered = lookup(bob)
    tampered["keyStatement"]["body"]["cloudUrl"] = "https://evil.example.org"

    with pytest.raises(UntrustedPeer):
        trusted_peer(pins, tampered)


def test_a_replayed_older_statement_is_refused(pins, bob):
    trusted_peer(pins, lookup(bob, sequence=3, cloud_url="https://new.example.org"))

    with pytest.raises(UntrustedPeer, match="older"):
        trusted_peer(pins, lookup(bob, sequence=2, cloud_url="https://old.example.org"))


def test_a_statement_for_another_user_is_refused(pins, bob):
    with pytest.raises(UntrustedPeer):
        trusted_peer(pins, lookup(bob, user_id="carol-id"))


def test_a_new_identity_is_accepted_only_on_purpose_and_loses_verified(pins, bob, mallory):
    trusted_peer(pins, lookup(bob))
    mark_verified(pins, "bob-id")
    assert trusted_peer(pins, lookup(bob)).verified

    accepted = trusted_peer(pins, lookup(mallory, sequence=7), accept_new_identity=True)

    assert not accepted.verified
    assert trusted_peer(pins, lookup(mallory, sequence=7)).identity_key == mallory.keys.identity_key.public_key


def test_checking_without_remembering_pins_nothing(pins, bob):
    assert trusted_peer(pins, lookup(bob), remember=False).first_seen

    assert pins.all() == {}


def test_a_user_without_a_statement_is_not_trusted(pins):
    with pytest.raises(UntrustedPeer, match="not published"):
        trusted_peer(pins, {"userId": "x", "iMTag": "X", "keyStatement": None})


@pytest.mark.parametrize(
    ("cloud_url", "confirmed", "shown"),
    [
        ("https://bob.example.org", "stack", "stack"),
        ("https://bob.example.org", "account", "account"),
        ("https://bob.example.org", None, False),  # signed, but his device could not confirm it: shown as such
        (None, None, None),  # no cloud at all
    ],
)
def test_how_bobs_device_confirmed_his_cloud_is_shown(pins, bob, cloud_url, confirmed, shown):
    peer = trusted_peer(pins, lookup(bob, cloud_url=cloud_url, cloud_confirmed=confirmed))

    assert peer.cloud_confirmation == shown


@pytest.fixture(scope="module")
def alice():
    return create_account("alice-id", "alice's password", iterations=FAST)


def test_what_was_compared_names_exactly_one_key_by_its_code_or_its_fingerprint(alice, bob, mallory):
    bobs_key, mallorys_key = bob.keys.identity_key.public_key, mallory.keys.identity_key.public_key
    code = safety_code(alice.keys.identity_key.public_key, bobs_key)
    fingerprint = str(bobs_key.fingerprint)

    for as_typed in (
        code,
        code.replace(" ", ""),
        f"  {code}\n",
        fingerprint,
        fingerprint.upper(),
        bobs_key.fingerprint.hex,
    ):
        assert compared(as_typed, code, bobs_key), as_typed
    assert compared(":".join(fingerprint.split()), code, bobs_key)
    # The same code or fingerprint held against another key (one swapped in after the comparison): no.
    assert not compared(code, safety_code(alice.keys.identity_key.public_key, mallorys_key), mallorys_key)
    assert not compared(fingerprint, code, mallorys_key)
    assert not compared(str(mallorys_key.fingerprint), code, bobs_key)


@pytest.mark.parametrize(
    "typed", ["", "12345", "12345 67890 12345", "x" * 64, "0" * 59, "0" * 61, "ab" * 31, "Bob", "00000 " * 13]
)
def test_anything_else_is_neither_a_code_nor_a_fingerprint(alice, bob, typed):
    bobs_key = bob.keys.identity_key.public_key
    code = safety_code(alice.keys.identity_key.public_key, bobs_key)

    with pytest.raises(NotACode, match="neither a safety code"):
        compared(typed, code, bobs_key)
