"""Confirming a cloud URL before signing it: what a lying platform's URL gets (no signature), and how far an honest
one is confirmed."""

from types import SimpleNamespace

import pytest

from imegha.cloud_confirmation import CloudNotConfirmed, ConnectedAccount, confirm, role_account
from imegha.personal_cloud import PersonalCloud
from imegha.profile import Profile

URL = "https://abc123.execute-api.eu-west-1.amazonaws.com"
ALICE = "111111111111"
STACK_ID = f"arn:aws:cloudformation:eu-west-1:{ALICE}:stack/imegha-alice/5f2a9e60"
NONCE = "a-fresh-nonce-from-this-device"


def answer(**changes) -> dict:
    return {"status": "ok", "nonce": NONCE, "accountId": ALICE, "stackId": STACK_ID} | changes


def stacks_seen(*stacks: dict):
    by_id = {stack["StackId"]: stack for stack in stacks}
    return by_id.get


ALICES_STACK = {"StackId": STACK_ID, "StackStatus": "CREATE_COMPLETE", "Outputs": [{"OutputValue": URL + "/"}]}


def test_the_account_in_a_role_arn_is_the_one_connected():
    assert role_account(f"arn:aws:iam::{ALICE}:role/imegha-bootstrap-DeploymentRole") == ALICE
    with pytest.raises(ValueError, match="not an IAM role ARN"):
        role_account("arn:aws:s3:::a-bucket")


def test_a_cloud_in_the_connected_account_is_confirmed_by_account():
    assert confirm(URL, NONCE, answer(), ConnectedAccount(ALICE)) == "account"


def test_a_cloud_whose_stack_the_persons_own_credentials_see_is_confirmed_by_stack():
    assert confirm(URL, NONCE, answer(), ConnectedAccount(ALICE, stacks_seen(ALICES_STACK))) == "stack"


def test_a_cloud_in_another_account_is_refused_naming_both_accounts():
    with pytest.raises(CloudNotConfirmed, match=f"runs in AWS account 999999999999, not in {ALICE}"):
        confirm(URL, NONCE, answer(accountId="999999999999"), ConnectedAccount(ALICE))


def test_an_answer_to_another_challenge_is_refused_as_a_replay():
    with pytest.raises(CloudNotConfirmed, match="did not answer this device's challenge"):
        confirm(URL, NONCE, answer(nonce="an-answer-recorded-elsewhere"), ConnectedAccount(ALICE))


def test_a_stack_the_persons_credentials_do_not_see_is_refused():
    with pytest.raises(CloudNotConfirmed, match="your AWS credentials see no stack"):
        confirm(URL, NONCE, answer(), ConnectedAccount(ALICE, stacks_seen()))
    deleted = ALICES_STACK | {"StackStatus": "DELETE_COMPLETE"}
    with pytest.raises(CloudNotConfirmed, match="your AWS credentials see no stack"):
        confirm(URL, NONCE, answer(), ConnectedAccount(ALICE, stacks_seen(deleted)))


def test_a_stack_of_the_persons_that_does_not_name_the_url_is_refused():
    other = ALICES_STACK | {"Outputs": [{"OutputValue": "https://mallory.example"}]}
    with pytest.raises(CloudNotConfirmed, match="does not name"):
        confirm(URL, NONCE, answer(), ConnectedAccount(ALICE, stacks_seen(other)))


def test_with_no_account_to_check_against_the_url_is_unconfirmed():
    assert confirm(URL, NONCE, answer(accountId="999999999999"), ConnectedAccount(None)) is None


@pytest.fixture
def device(tmp_path, monkeypatch):
    """Just enough of an Account for PersonalCloud to remember and read what the person connected."""
    monkeypatch.setenv("IMEGHA_HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    recorded = []
    api = SimpleNamespace(
        record_deployment_role=lambda role_arn: (
            recorded.append(role_arn) or {"roleArn": role_arn, "region": "eu-west-1"}
        )
    )
    return SimpleNamespace(
        profile=Profile.named("alice"),
        endpoints=SimpleNamespace(region="eu-west-1", aws_endpoint_url=None),
        platform=lambda: api,
    )


def test_the_account_the_person_connected_is_remembered_from_the_role_they_gave(device):
    PersonalCloud(device, aws_profile=None).record_role(f"arn:aws:iam::{ALICE}:role/imegha-deployment-eu-west-1")

    assert PersonalCloud(device).connected_account() == ConnectedAccount(ALICE, None)


def test_an_aws_profile_this_device_does_not_have_confirms_nothing(device):
    PersonalCloud(device).record_role(f"arn:aws:iam::{ALICE}:role/imegha-deployment-eu-west-1")

    with pytest.raises(CloudNotConfirmed, match="no AWS profile 'alices-own'"):
        PersonalCloud(device, aws_profile="alices-own").connected_account()
