"""A platform that lies about Bob: Alice's client checks every lookup against the identity key it pinned for him.

The platform writes its own table directly, as a breached or malicious operator
could; Alice only types ``imegha`` commands. She is refused with a warning that
names Bob and the way out (comparing safety codes), her pin is unchanged, nothing
is sent to the platform's Bob, and only ``imegha verify Bob --accept CODE`` (after
comparing codes) trusts a new key: exactly the key CODE was computed from, never
whatever the platform serves when she types it.
"""

from __future__ import annotations

import copy

import pytest

from imegha_crypto import b64url_encode, create_account, safety_code, sign_key_statement
from tests.e2e.conftest import FAST_KDF_ITERATIONS

BOBS_CLOUD = "https://bob.cloud.example.org"


@pytest.fixture(scope="module")
def mallory(bob):
    """Keys the platform made up for Bob's account."""
    return create_account(bob.user_id, "the platform's own password", iterations=FAST_KDF_ITERATIONS).keys


@pytest.fixture
def bobs_entry(bob, platform_view):
    """Bob's directory entry as it is, put back after the test has the platform tamper with it."""
    genuine = platform_view.directory_entry(bob.user_id)
    yield copy.deepcopy(genuine)
    platform_view.replace_directory_entry(genuine)


@pytest.fixture
def alices_laptop(alice, bob, new_device):
    """A device of Alice's that has looked Bob up once (pinning his identity key), and the code she saw."""
    laptop = new_device("alice-laptop")
    assert alice.log_in(laptop).status == 0
    first = laptop.imegha("verify", "Bob").json
    assert first["safetyCode"] == bob.device.imegha("verify", "Alice").json["safetyCode"]
    return laptop


def assert_refused_with_a_warning(typed, *why: str) -> None:
    assert typed.status == 1 and typed.stdout == ""
    assert typed.error["message"].startswith("WARNING:") and "Bob" in typed.error["message"]
    for reason in why:
        assert reason in typed.stderr, typed.stderr


def test_bobs_identity_and_exchange_keys_swapped_for_the_platforms_own(
    alices_laptop, bob, bobs_entry, mallory, platform_view
):
    pins = alices_laptop.profile().read("pins")
    forged = sign_key_statement(
        mallory.identity_key,
        user_id=bob.user_id,
        exchange_key=mallory.exchange_key.public_key,
        cloud_url="https://mallory.example.org",
        sequence=9,
    )
    bobs_entry["keyStatement"] = forged
    bobs_entry["keys"] |= {"identityKey": forged["body"]["identityKey"], "exchangeKey": forged["body"]["exchangeKey"]}
    platform_view.replace_directory_entry(bobs_entry)
    connections = platform_view.items()[platform_view.tables()["ConnectionsTable"]]

    refused = alices_laptop.imegha("verify", "Bob")
    assert_refused_with_a_warning(refused, "compare safety codes", "imegha verify Bob --accept")
    bobs_code = bob.device.imegha("verify", "Alice").json["safetyCode"]
    forged_code = safety_code(alices_laptop.keys().identity_key.public_key, mallory.identity_key.public_key)
    assert forged_code in refused.stderr and forged_code != bobs_code  # what Alice would read to Bob: it differs
    assert_refused_with_a_warning(alices_laptop.imegha("connect", "Bob"))
    assert_refused_with_a_warning(alices_laptop.imegha("accept", "Bob"))
    unsent = alices_laptop.imegha("chat", "send", "Bob", "Are you there?")  # a changed key: refused, not warned of
    assert_refused_with_a_warning(unsent)
    assert "not verified" not in unsent.stderr
    assert alices_laptop.profile().read("pins") == pins
    assert platform_view.items()[platform_view.tables()["ConnectionsTable"]] == connections

    # Only a deliberate step trusts the new key (a person who skipped comparing codes): the code it gives.
    accepted = alices_laptop.imegha("verify", "Bob", "--accept", forged_code).json
    assert (accepted["safetyCode"], accepted["cloudUrl"]) == (forged_code, "https://mallory.example.org")
    assert alices_laptop.imegha("verify", "Bob").status == 0


def test_bobs_exchange_key_swapped_inside_his_signed_statement(alices_laptop, bobs_entry, mallory, platform_view):
    swapped = mallory.exchange_key.public_key.der
    bobs_entry["keyStatement"]["body"]["exchangeKey"] = b64url_encode(swapped)
    bobs_entry["keys"]["exchangeKey"] = b64url_encode(swapped)
    platform_view.replace_directory_entry(bobs_entry)

    assert_refused_with_a_warning(alices_laptop.imegha("verify", "Bob"), "altered after signing")


def test_bobs_exchange_key_served_beside_a_statement_that_names_another(
    alices_laptop, bobs_entry, mallory, platform_view
):
    bobs_entry["keys"]["exchangeKey"] = b64url_encode(mallory.exchange_key.public_key.der)
    platform_view.replace_directory_entry(bobs_entry)

    assert_refused_with_a_warning(alices_laptop.imegha("connect", "Bob"), "does not name")


def test_bobs_cloud_url_swapped_in_his_statement_or_beside_it(bob, new_device, alice, bobs_entry, platform_view):
    bob.device.account().publish_cloud_url(BOBS_CLOUD)
    laptop = new_device("alice-laptop")
    assert alice.log_in(laptop).status == 0
    assert laptop.imegha("verify", "Bob").json["cloudUrl"] == BOBS_CLOUD
    published = platform_view.directory_entry(bob.user_id)

    edited = copy.deepcopy(published)
    edited["keyStatement"]["body"]["cloudUrl"] = "https://evil.example.org"
    platform_view.replace_directory_entry(edited)
    assert_refused_with_a_warning(laptop.imegha("verify", "Bob"), "altered after signing")

    platform_view.replace_directory_entry(published | {"cloudApiUrl": "https://evil.example.org"})
    assert_refused_with_a_warning(laptop.imegha("verify", "Bob"), "https://evil.example.org", BOBS_CLOUD)

    platform_view.replace_directory_entry(published)
    assert laptop.imegha("verify", "Bob").json["cloudUrl"] == BOBS_CLOUD


def test_an_older_statement_of_bobs_replayed_after_a_newer_one(bob, new_device, alice, bobs_entry, platform_view):
    older = bobs_entry  # sequence 1, genuinely Bob's, from before he named his cloud
    bob.device.account().publish_cloud_url(BOBS_CLOUD)
    laptop = new_device("alice-laptop")
    assert alice.log_in(laptop).status == 0
    assert laptop.imegha("verify", "Bob").json["cloudUrl"] == BOBS_CLOUD

    platform_view.replace_directory_entry(older)

    assert_refused_with_a_warning(laptop.imegha("verify", "Bob"), "sequence 1 is older than 2", "replayed")
    assert laptop.profile().read("pins")[bob.user_id]["sequence"] == 2
    same_key = safety_code(laptop.keys().identity_key.public_key, bob.device.keys().identity_key.public_key)
    assert laptop.imegha("verify", "Bob", "--accept", same_key).json["cloudUrl"] is None


def forge_bobs_keys(bobs_entry, platform_view, keys, sequence: int = 9) -> None:
    """The platform serves ``keys`` as Bob's, in a statement those keys signed."""
    forged = sign_key_statement(
        keys.identity_key,
        user_id=bobs_entry["userId"],
        exchange_key=keys.exchange_key.public_key,
        cloud_url=None,
        sequence=sequence,
    )
    platform_view.replace_directory_entry(
        bobs_entry
        | {
            "keyStatement": forged,
            "keys": bobs_entry["keys"]
            | {"identityKey": forged["body"]["identityKey"], "exchangeKey": forged["body"]["exchangeKey"]},
        }
    )


def test_accepting_a_code_pins_the_key_it_was_computed_from_not_the_one_served_when_it_is_typed(
    alices_laptop, bob, bobs_entry, mallory, platform_view
):
    compared = alices_laptop.imegha("verify", "Bob").json["safetyCode"]  # what Alice and Bob read to each other
    pins = alices_laptop.profile().read("pins")

    forge_bobs_keys(bobs_entry, platform_view, mallory)  # swapped between the comparison and the accept
    refused = alices_laptop.imegha("verify", "Bob", "--accept", compared)

    assert refused.status == 1 and refused.stdout == ""
    forged_code = safety_code(alices_laptop.keys().identity_key.public_key, mallory.identity_key.public_key)
    assert "not the one you compared" in refused.error["message"] and forged_code in refused.error["message"]
    assert alices_laptop.profile().read("pins") == pins  # neither the platform's key nor "verified" was recorded

    platform_view.replace_directory_entry(bobs_entry)  # Bob's own keys again: the code they compared is accepted
    accepted = alices_laptop.imegha("verify", "Bob", "--accept", compared).json
    assert (accepted["safetyCode"], accepted["verified"]) == (compared, True)
    assert alices_laptop.profile().read("pins")[bob.user_id] == pins[bob.user_id] | {"verified": True}


def test_a_changed_key_is_accepted_only_by_its_own_code_and_never_once_swapped_again(
    alices_laptop, bob, bobs_entry, mallory, platform_view
):
    """Bob's key changes (the platform's here); the refusal shows the new key's code; the platform then swaps it for
    yet another before Alice accepts that code."""
    forge_bobs_keys(bobs_entry, platform_view, mallory)
    shown = alices_laptop.imegha("verify", "Bob")
    changed_code = safety_code(alices_laptop.keys().identity_key.public_key, mallory.identity_key.public_key)
    assert changed_code in shown.error["message"]
    pins = alices_laptop.profile().read("pins")

    another = create_account(bob.user_id, "another password of the platform's", iterations=FAST_KDF_ITERATIONS).keys
    forge_bobs_keys(bobs_entry, platform_view, another, sequence=10)
    refused = alices_laptop.imegha("verify", "Bob", "--accept", changed_code)

    assert refused.status == 1 and "not the one you compared" in refused.error["message"]
    assert alices_laptop.profile().read("pins") == pins


def test_accept_without_a_code_is_refused_and_names_what_to_pass(alices_laptop, bob):
    pins = alices_laptop.profile().read("pins")

    refused = alices_laptop.imegha("verify", "Bob", "--accept")

    assert refused.status == 2 and "safety code" in refused.error["message"]
    assert "imegha verify Bob --accept" in refused.error["message"]
    assert alices_laptop.profile().read("pins") == pins
    garbled = alices_laptop.imegha("verify", "Bob", "--accept", "12345 678")
    assert garbled.status == 2 and "is neither a safety code" in garbled.error["message"]


def test_bobs_fingerprint_accepts_his_key_as_well_as_the_code(alices_laptop, bob):
    fingerprint = str(bob.device.keys().identity_key.public_key.fingerprint)

    accepted = alices_laptop.imegha("verify", "Bob", "--accept", *fingerprint.upper().split()).json

    assert accepted["verified"] and accepted["identityFingerprint"] == fingerprint
    assert alices_laptop.profile().read("pins")[bob.user_id]["verified"] is True
