"""audit --verify on a device, against a cloud that answers from memory: what it signs, what it remembers, what it
says, and a cloud that forgets checkpoints or races another device."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from imegha import audit_log
from imegha.commands.audit import verified_json, verified_text
from imegha.platform_api import ApiError
from imegha_crypto import AuditHead, ChainError, IdentityPrivateKey, b64url_encode, sign_audit_checkpoint
from tests.unit.crypto.test_chain import chain, head_of, rehashed

OWNER = "alice"
CLOUD = "https://alice.cloud.example.org"


class Cloud:
    """The owner's cloud as the device calls it: a log, and checkpoints kept as the route keeps them."""

    def __init__(self, entries: list[dict]):
        self.entries, self.checkpoints = entries, []
        self.refuse_with: ApiError | None = None

    def audit(self) -> tuple[list[dict], dict]:
        return self.entries, head_of(self.entries).as_json()

    def audit_checkpoints(self) -> list[dict]:
        return list(self.checkpoints)

    def store_audit_checkpoint(self, record: dict) -> dict:
        if self.refuse_with:
            raise self.refuse_with
        self.checkpoints.append(record)
        return {"seq": record["body"]["seq"], "hash": record["body"]["hash"]}


class Profile(dict):
    def read(self, name: str):
        return self.get(name)

    def write(self, name: str, value) -> None:
        self[name] = value


@pytest.fixture(scope="module")
def identity_key() -> IdentityPrivateKey:
    return IdentityPrivateKey.generate()


def device(cloud: Cloud, identity_key: IdentityPrivateKey, profile: Profile | None = None):
    session = SimpleNamespace(identity_key=b64url_encode(identity_key.public_key.der))
    return SimpleNamespace(
        api=cloud,
        owner=OWNER,
        cloud_url=CLOUD,
        keys=SimpleNamespace(identity_key=identity_key),
        account=SimpleNamespace(profile=profile if profile is not None else Profile(), session=session),
    )


def test_a_first_verification_signs_the_head_and_says_it_was_checked_against_itself_only(identity_key):
    cloud = Cloud(chain(3))
    laptop = device(cloud, identity_key)

    verification = audit_log.verify(laptop)

    assert verification.signed.head == head_of(cloud.entries) and verification.checkpoint is None
    assert laptop.account.profile[audit_log.LAST_CHECKPOINT] == {CLOUD: cloud.checkpoints[0]}
    text = verified_text(verification)
    assert text.startswith("The audit log verifies up to entry 3 (head ")
    assert "checked against itself only" in text and "This device signed entry 3 as a checkpoint" in text


def test_the_next_device_is_held_to_that_checkpoint_and_says_so(identity_key):
    cloud = Cloud(chain(3))
    audit_log.verify(device(cloud, identity_key))
    cloud.entries = chain(5)

    verification = audit_log.verify(device(cloud, identity_key))

    assert verification.checkpoint.head == AuditHead(3, chain(3)[-1]["hash"]) and verification.checkpoints == 1
    assert verified_json(verification)["signed"]["seq"] == 5
    assert "it holds entry 3 as your devices signed it (" in verified_text(verification)
    assert "the latest of 1 signed checkpoints" in verified_text(verification)


def test_a_head_signed_already_is_not_signed_again(identity_key):
    cloud = Cloud(chain(2))
    audit_log.verify(device(cloud, identity_key))

    again = audit_log.verify(device(cloud, identity_key))

    assert again.signed is None and len(cloud.checkpoints) == 1
    assert "This device signed" not in verified_text(again)


def test_a_cloud_holding_a_later_checkpoint_already_leaves_this_one_unstored(identity_key):
    cloud = Cloud(chain(2))
    cloud.refuse_with = ApiError(409, "the cloud holds a checkpoint at entry 4: a checkpoint only moves forward")
    profile = Profile()

    assert audit_log.verify(device(cloud, identity_key, profile)).signed is None
    assert profile == {}  # nothing stored, nothing remembered as stored
    cloud.refuse_with = ApiError(500, "the cloud failed")
    with pytest.raises(ApiError):
        audit_log.verify(device(cloud, identity_key, profile))


def test_a_cloud_that_drops_checkpoints_and_rewrites_the_log_is_caught_by_what_the_device_remembers(identity_key):
    cloud = Cloud(chain(4))
    profile = Profile()
    audit_log.verify(device(cloud, identity_key, profile))
    cloud.checkpoints.clear()
    cloud.entries = rehashed([chain(4)[0] | {"actor": "mallory"}, *chain(4)[1:]])

    with pytest.raises(ChainError, match="audit entry 4 is not the one verified before: the log was rewritten since"):
        audit_log.verify(device(cloud, identity_key, profile))


def test_a_checkpoint_signed_by_another_key_is_reported_not_skipped(identity_key):
    cloud = Cloud(chain(2))
    cloud.checkpoints.append(
        sign_audit_checkpoint(
            IdentityPrivateKey.generate(), user_id=OWNER, head=head_of(cloud.entries), signed_at="2026-12-05T03:00Z"
        )
    )

    with pytest.raises(ChainError, match="a checkpoint in your cloud is not signed by your identity key"):
        audit_log.verify(device(cloud, identity_key))
