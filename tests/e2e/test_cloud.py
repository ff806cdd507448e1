"""A person's own cloud, through the imegha CLI on the local cloud: connect a (simulated) AWS account of their own,
deploy, see it answer them and refuse others, deploy again, destroy. The deploy state machine's execution history is
read as well as the end state."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from imegha.cloud_tokens import cloud_tokens
from imegha.personal_cloud import CONNECTED_ACCOUNT, LOCAL_ACCOUNT
from imegha.platform_api import PlatformApi
from imegha_local.cloud import USER_CLOUD_STACK, Account
from tests.integration.polling import eventually

DEPLOYED = [
    "RecordInProgress",
    "WasItRequested",
    "AnnounceStarted",
    "DeployOrDestroy",
    "CreateOrUpdateStack",
    "IsStackSettled",
    "RecordSucceeded",
    "AnnounceSucceeded",
]
DESTROYED = [
    "RecordInProgress",
    "WasItRequested",
    "AnnounceStarted",
    "DeployOrDestroy",
    "DestroyStack",
    "IsStackSettled",
    "RecordSucceeded",
    "AnnounceSucceeded",
]


@pytest.fixture(scope="module")
def alice(person):
    return person("Alice")


@pytest.fixture(scope="module")
def mallory(person):
    return person("Mallory")


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def token(someone) -> str:
    return someone.device.session()["id_token"]


def cloud_token(someone, owner) -> str:
    """``someone``'s token for ``owner``'s cloud, exchanged at the platform as their device does."""
    return "Bearer " + cloud_tokens(someone.device.account()).token(owner.user_id)


def own_account(someone, local_cloud) -> Account:
    """The person's simulated AWS account, as they would look into it themselves."""
    saved = someone.device.profile().read(LOCAL_ACCOUNT)
    return Account(saved["accountId"], saved["accessKeyId"], saved["secretAccessKey"])


def execution_history(local_cloud, platform, deployment_id: str) -> list[dict]:
    sfn = local_cloud.client("stepfunctions")
    for execution in sfn.list_executions(stateMachineArn=platform.outputs["DeployUserCloudStateMachineArn"])[
        "executions"
    ]:
        if (
            json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])["detail"][
                "deploymentId"
            ]
            == deployment_id
        ):
            return sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    raise AssertionError(f"no execution ran deployment {deployment_id}")


def states_entered(history: list[dict]) -> list[str]:
    return [event["stateEnteredEventDetails"]["name"] for event in history if "stateEnteredEventDetails" in event]


def signed_cloud_url(someone, platform) -> str | None:
    statement = PlatformApi(platform.outputs["PlatformApiUrl"], token(someone)).me()["keyStatement"]
    return statement["body"]["cloudUrl"]


@pytest.fixture(scope="module")
def connected(alice, local_cloud):
    shown = alice.device.imegha("cloud", "connect").json
    assert re.fullmatch(r"imegha-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", shown["externalId"])
    assert Path(shown["bootstrapTemplate"]).is_file() and shown["platformAccountId"] == local_cloud.platform.account_id
    local = alice.device.imegha("cloud", "connect", "--local").json
    assert local["externalId"] == shown["externalId"], "one ExternalId per user, whoever asks again"
    return local


@pytest.fixture(scope="module")
def deployed(alice, connected):
    return alice.device.imegha("cloud", "deploy").json


def test_connect_without_an_account_shows_how_to_launch_the_bootstrap_stack(mallory):
    typed = mallory.device.imegha("cloud", "connect")
    text = mallory.device.imegha("cloud", "connect").stdout
    assert typed.status == 0
    # --json was given; the prose is the same facts: ExternalId and the command that launches the stack.
    assert json.loads(text)["externalId"] in text
    status = mallory.device.imegha("cloud", "status").json
    assert status["connected"] is False
    refused = mallory.device.imegha("cloud", "deploy")
    assert refused.status == 1 and "connect your AWS account first" in refused.stderr


def test_deploy_makes_a_cloud_in_the_persons_own_account_that_answers_them_alone(
    alice, mallory, connected, deployed, local_cloud, platform, platform_view
):
    assert deployed["status"] == "SUCCEEDED" and deployed["stackStatus"] == "CREATE_COMPLETE"
    assert deployed["cloudAccountId"] == connected["accountId"] != local_cloud.platform.account_id
    url = deployed["cloudApiUrl"]
    assert url.startswith(local_cloud.gateway_url)

    assert get(f"{url}/health", cloud_token(alice, alice)) == (200, {"status": "ok", "service": "user-cloud"})
    assert get(f"{url}/health", cloud_token(mallory, alice))[0] == 403
    assert get(f"{url}/health", token(alice))[0] == 401, "her Cognito token is for the platform alone"
    assert get(f"{url}/health")[0] == 401

    assert signed_cloud_url(alice, platform) == url, "the device signed its cloud's URL into its key statement"
    entry = platform_view.directory_entry(alice.user_id)
    assert (entry["cloudApiUrl"], entry["cloudAccountId"]) == (url, connected["accountId"])

    assert states_entered(execution_history(local_cloud, platform, deployed["deploymentId"])) == DEPLOYED
    assert [step["step"] for step in deployed["steps"]] == DEPLOYED, "what 'cloud deploy' followed"
    assert deployed["steps"][-1].get("last") is True, "followed to the execution's end, not only to the record's"
    stacks = local_cloud.client("cloudformation", own_account(alice, local_cloud)).describe_stacks(
        StackName=USER_CLOUD_STACK
    )["Stacks"]
    assert stacks[0]["StackStatus"] == "CREATE_COMPLETE"


def test_status_shows_the_cloud_and_its_last_deployment(alice, deployed):
    status = alice.device.imegha("cloud", "status").json
    assert status["stackStatus"] == "CREATE_COMPLETE" and status["cloudApiUrl"] == deployed["cloudApiUrl"]
    assert status["lastDeployment"]["deploymentId"] == deployed["deploymentId"]
    assert "activeDeploymentId" not in status


def told_of(someone, deployment_id: str) -> list[dict]:
    return [
        entry
        for entry in someone.device.imegha("notifications").json["notifications"]
        if entry.get("deploymentId") == deployment_id
    ]


def test_the_person_is_told_their_cloud_is_ready_in_their_inbox(alice, deployed):
    (entry,) = eventually(lambda: told_of(alice, deployed["deploymentId"]))
    assert (entry["kind"], entry["action"], entry["status"]) == ("cloud", "deploy", "SUCCEEDED")


def test_a_deployment_not_followed_is_followed_by_status_to_its_end(alice, deployed, platform):
    requested = alice.device.imegha("cloud", "deploy", "--no-follow").json
    assert requested["status"] == "REQUESTED"

    status = alice.device.imegha("cloud", "status").json

    assert status["lastDeployment"]["deploymentId"] == requested["deploymentId"]
    assert status["lastDeployment"]["status"] == "SUCCEEDED"
    assert signed_cloud_url(alice, platform) == deployed["cloudApiUrl"]


def test_her_cloud_answers_her_devices_challenge_and_its_url_is_signed_confirmed_by_her_stack(
    alice, deployed, local_cloud, platform
):
    nonce = "the-tests-own-nonce-0123456789"
    stack = local_cloud.client("cloudformation", own_account(alice, local_cloud)).describe_stacks(
        StackName=USER_CLOUD_STACK
    )["Stacks"][0]

    status, answer = get(f"{deployed['cloudApiUrl']}/health?nonce={nonce}", cloud_token(alice, alice))

    assert status == 200
    assert (answer["nonce"], answer["accountId"], answer["stackId"]) == (
        nonce,
        own_account(alice, local_cloud).account_id,
        stack["StackId"],
    )
    body = PlatformApi(platform.outputs["PlatformApiUrl"], token(alice)).me()["keyStatement"]["body"]
    assert (body["cloudUrl"], body["cloudConfirmed"]) == (deployed["cloudApiUrl"], "stack")


@pytest.fixture(scope="module")
def mallorys_unconfirmed_cloud(mallory, local_cloud):
    """Mallory's cloud, deployed from a device that forgot which account she connected: signed, as unconfirmed."""
    mallory.device.imegha("cloud", "connect", "--local")
    for document in (CONNECTED_ACCOUNT, LOCAL_ACCOUNT):
        mallory.device.profile().write(document, {})
    deployed = mallory.device.imegha("cloud", "deploy").json
    assert deployed["status"] == "SUCCEEDED"
    return deployed


def test_a_peer_sees_whether_a_cloud_was_confirmed(alice, mallory, deployed, mallorys_unconfirmed_cloud):
    alices = mallory.device.imegha("verify", "Alice").json
    mallorys = alice.device.imegha("verify", "Mallory").json

    assert (alices["cloudUrl"], alices["cloudConfirmed"]) == (deployed["cloudApiUrl"], "stack")
    assert (mallorys["cloudUrl"], mallorys["cloudConfirmed"]) == (mallorys_unconfirmed_cloud["cloudApiUrl"], False)


def test_a_platform_reporting_another_clouds_url_gets_no_signature(
    alice, deployed, mallorys_unconfirmed_cloud, platform, platform_view
):
    mallorys_url = mallorys_unconfirmed_cloud["cloudApiUrl"]
    deployments = platform_view.table("DeploymentsTable")
    genuine = deployments.get_item(Key={"userId": alice.user_id, "deploymentId": "cloud"})["Item"]
    deployments.put_item(Item=genuine | {"cloudApiUrl": mallorys_url})
    try:
        refused = alice.device.imegha("cloud", "status")
    finally:
        deployments.put_item(Item=genuine)

    assert refused.status == 1
    assert "did not sign the cloud URL" in refused.stderr and mallorys_url in refused.stderr
    assert signed_cloud_url(alice, platform) == deployed["cloudApiUrl"]


def test_deploying_again_updates_the_same_stack(alice, deployed, local_cloud, platform):
    cloudformation = local_cloud.client("cloudformation", own_account(alice, local_cloud))
    before = cloudformation.describe_stacks(StackName=USER_CLOUD_STACK)["Stacks"][0]
    stacks_before = sorted(stack["StackId"] for stack in cloudformation.describe_stacks()["Stacks"])

    again = alice.device.imegha("cloud", "deploy").json

    assert again["status"] == "SUCCEEDED" and again["deploymentId"] != deployed["deploymentId"]
    after = cloudformation.describe_stacks(StackName=USER_CLOUD_STACK)["Stacks"][0]
    assert after["StackId"] == before["StackId"]
    assert after["StackStatus"] in ("UPDATE_COMPLETE", "CREATE_COMPLETE")
    assert sorted(stack["StackId"] for stack in cloudformation.describe_stacks()["Stacks"]) == stacks_before, (
        "the same stacks, nested ones included: updated, not duplicated"
    )
    assert (again["cloudApiUrl"], again["bucketName"], again["tableName"]) == (
        deployed["cloudApiUrl"],
        deployed["bucketName"],
        deployed["tableName"],
    )
    assert states_entered(execution_history(local_cloud, platform, again["deploymentId"])) == DEPLOYED


def test_destroy_asks_for_confirmation_then_removes_the_bucket_and_the_table(
    alice, deployed, local_cloud, platform, platform_view
):
    account = own_account(alice, local_cloud)
    local_cloud.client("s3", account).put_object(Bucket=deployed["bucketName"], Key="sealed/1", Body=b"ciphertext")

    unconfirmed = alice.device.imegha("cloud", "destroy")
    assert unconfirmed.status == 2 and "--yes" in unconfirmed.error["message"]

    destroyed = alice.device.imegha("cloud", "destroy", "--yes").json

    assert destroyed["status"] == "SUCCEEDED" and destroyed["stackStatus"] == "DELETE_COMPLETE"
    assert deployed["bucketName"] not in [
        b["Name"] for b in local_cloud.client("s3", account).list_buckets()["Buckets"]
    ]
    assert deployed["tableName"] not in local_cloud.client("dynamodb", account).list_tables()["TableNames"]
    with pytest.raises(ClientError, match="does not exist"):
        local_cloud.client("cloudformation", account).describe_stacks(StackName=USER_CLOUD_STACK)
    assert get(f"{deployed['cloudApiUrl']}/health", token(alice))[0] in (403, 404)
    assert signed_cloud_url(alice, platform) is None
    assert "cloudApiUrl" not in platform_view.directory_entry(alice.user_id)
    assert "Policy" not in local_cloud.client("events").describe_event_bus(Name=platform.outputs["PlatformEventBusArn"])
    assert states_entered(execution_history(local_cloud, platform, destroyed["deploymentId"])) == DESTROYED
    status = alice.device.imegha("cloud", "status").json
    assert "cloudApiUrl" not in status and status["stackStatus"] == "DELETE_COMPLETE"
    (entry,) = eventually(lambda: told_of(alice, destroyed["deploymentId"]))
    assert (entry["kind"], entry["action"], entry["status"]) == ("cloud", "destroy", "SUCCEEDED")
