"""A platform that lies about Bob: Alice's client checks every lookup against the identity key it pinned for him.

The platform writes its own table directly, as a breached or malicious operator
could; Alice only types ``imegha`` commands. She is refused with a warning that
names Bob and the way out (comparing safety codes), her pin is unchanged, nothing
is sent to the platform's Bob, and only ``imegha verify Bob --accept`` (after
comparing codes) trusts a new key, whose code then differs from the one Bob reads.
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
    assert alices_laptop.profile().read("pins") == pins
    assert platform_view.items()[platform_view.tables()["ConnectionsTable"]] == connections

    # Only a deliberate step trusts the new key (a person who skipped comparing codes).
    accepted = alices_laptop.imegha("verify", "Bob", "--accept").json
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
    assert laptop.imegha("verify", "Bob", "--accept").json["cloudUrl"] is None
