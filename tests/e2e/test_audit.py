"""A cloud that lies about its audit log, through the imegha CLI on the local cloud.

Alice's laptop verifies her log, which signs its head as a checkpoint with her identity key and stores it in her
cloud. Then the cloud (here: whoever writes her table with her account's credentials) rewrites the log so that it
verifies on its own, shows her phone, a brand-new device, another history than her laptop, or plants checkpoints
nobody of hers signed. ``imegha audit --verify`` on any of her devices says so, and says up to where it verified.
"""

from __future__ import annotations

import uuid

import pytest

from imegha_crypto import AuditHead, IdentityPrivateKey, sign_record
from tests.integration.hostile_cloud import HostileAuditTable, with_first_entry_by


@pytest.fixture(scope="module")
def alice(person):
    return person("Alice").with_cloud()


@pytest.fixture
def hostile(alice, local_cloud):
    """Alice's table as her breached account sees it; after the test, put back as it was."""
    table = HostileAuditTable.of_cloud(local_cloud.client("dynamodb", alice.own_account()))
    before = table.snapshot()
    yield table
    table.put_back(before)


@pytest.fixture
def laptop_verified(alice, tmp_path):
    """Alice uploads a file and her laptop verifies the log: the head it signed."""
    note = tmp_path / f"note-{uuid.uuid4().hex[:8]}.txt"
    note.write_text("a note")
    assert alice.device.imegha("files", "put", str(note)).status == 0
    return alice.device.imegha("audit", "--verify").json["head"]


@pytest.fixture
def phone(alice, new_device):
    """A device of Alice's that has never seen her audit log."""
    device = new_device("alice-phone")
    assert alice.log_in(device).status == 0
    return device


def does_not_verify(typed, *why: str) -> None:
    assert typed.status == 1 and typed.stdout == "", typed.stdout
    assert typed.error["message"].startswith("the audit log does NOT verify"), typed.stderr
    for reason in why:
        assert reason in typed.error["message"], typed.error["message"]


def test_a_device_signs_the_head_it_verified_and_a_new_device_checks_the_log_against_it(alice, laptop_verified, phone):
    verified = phone.imegha("audit", "--verify").json

    assert verified["verified"] is True and verified["head"] == laptop_verified
    assert {name: verified["checkpoint"][name] for name in ("seq", "hash")} == laptop_verified
    assert verified["checkpoints"] >= 1 and verified["signed"] is None  # that head was signed already


def test_a_log_rewritten_after_the_laptop_verified_it_is_caught_on_a_new_device(
    alice, bob_id, laptop_verified, phone, hostile
):
    hostile.rewrite(with_first_entry_by(bob_id))

    refused = phone.imegha("audit", "--verify")

    does_not_verify(refused, f"audit entry {laptop_verified['seq']} is not the one verified before", "rewritten")
    does_not_verify(alice.device.imegha("audit", "--verify"), "rewritten")


def test_two_devices_shown_two_histories_see_the_fork(alice, bob_id, laptop_verified, phone, hostile):
    as_the_laptop_saw_it = hostile.snapshot()
    hostile.hide_checkpoints()
    hostile.rewrite(with_first_entry_by(bob_id))
    phones_head = hostile.entries()[-1]["hash"]
    shown_to_the_phone = phone.imegha("audit", "--verify").json  # nothing tells the phone yet: it signs what it saw
    phones_checkpoint = hostile.items("AUDIT-CHECKPOINTS")
    hostile.put_back(as_the_laptop_saw_it + phones_checkpoint)  # the laptop is shown its own history again

    refused = alice.device.imegha("audit", "--verify")

    does_not_verify(
        refused,
        "the audit log forked",
        f"entry {laptop_verified['seq']}",
        laptop_verified["hash"][:16],
        phones_head[:16],
    )
    does_not_verify(phone.imegha("audit", "--verify"), "the audit log forked")
    assert shown_to_the_phone["signed"]["seq"] == laptop_verified["seq"]
    assert shown_to_the_phone["signed"]["hash"] == phones_head != laptop_verified["hash"]


@pytest.mark.parametrize("forgery", ["another key", "another purpose"])
def test_a_checkpoint_alice_did_not_sign_as_one_is_refused(alice, bob_id, laptop_verified, phone, hostile, forgery):
    hostile.rewrite(with_first_entry_by(bob_id))
    head = hostile.entries()[-1]
    body = {"userId": alice.user_id, "seq": head["seq"] + 1, "hash": head["hash"], "signedAt": "2026-12-05T03:00:00Z"}
    if forgery == "another key":
        forged = sign_record(IdentityPrivateKey.generate(), "audit-checkpoint", body)
    else:  # Alice's own key, signing the same words for another purpose (here: as a chat message)
        forged = sign_record(alice.device.keys().identity_key, "message", body) | {"type": "audit-checkpoint"}
    hostile.hide_checkpoints()
    hostile.plant_checkpoint(forged)

    refused = phone.imegha("audit", "--verify")

    does_not_verify(refused, "a checkpoint in your cloud is not signed by your identity key")


def test_a_checkpoint_of_alices_own_making_for_another_log_position_is_checked_like_any(
    alice, laptop_verified, phone, hostile
):
    """Genuinely signed, but naming a head past the log's end: the log was cut back behind it."""
    from imegha_crypto import sign_audit_checkpoint

    seq = laptop_verified["seq"] + 5
    real = sign_audit_checkpoint(
        alice.device.keys().identity_key,
        user_id=alice.user_id,
        head=AuditHead(seq, "ab" * 32),
        signed_at="2026-12-05T03:00:00Z",
    )
    hostile.plant_checkpoint(real)

    does_not_verify(phone.imegha("audit", "--verify"), f"a device verified the log up to entry {seq}")


@pytest.fixture(scope="module")
def bob_id(person) -> str:
    return person("Bob").user_id
