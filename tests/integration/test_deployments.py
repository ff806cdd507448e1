"""Deploying users' clouds on the local cloud, under attack and when things fail: through the platform's API, the
'Deployment Requested' rule and the deploy state machine, as the platform runs them; each user's account is a
simulated AWS account of its own with the bootstrap stack launched in it.

- a deployment role launched with another ExternalId, or none, refuses the platform (the confused deputy);
- one user's deployment never touches another user's account, even given their role;
- a 'Deployment Requested' event from anywhere but the platform's account, or for no requested deployment, starts nothing;
- a release that fails halfway is rolled back: no stack, bucket or table stays, and the status says why;
- Deployment Started / Succeeded / Failed go on the platform bus.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from imegha.platform_api import ApiError, PlatformApi
from imegha_local.cloud import ROOT, USER_CLOUD_STACK, Account, bootstrap_account, publish_user_cloud
from imegha_local.people import upload_first_keys
from tests.integration.polling import eventually
from tests.signed_events import FAST

DEPLOYMENT_EVENTS = ["Deployment Requested", "Deployment Started", "Deployment Succeeded", "Deployment Failed"]


@dataclass
class User:
    user_id: str
    api: PlatformApi
    account: Account | None = None
    role_arn: str | None = None


@pytest.fixture(scope="module")
def sign_up(local_cloud, platform):
    cognito = boto3.client(
        "cognito-idp",
        region_name=local_cloud.region,
        endpoint_url=local_cloud.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )
    client_id, pool = platform.outputs["UserPoolClientId"], platform.outputs["UserPoolId"]

    def make(name: str) -> User:
        email, password = f"{name.lower()}@example.org", f"{name}'s long password"
        sub = cognito.sign_up(
            ClientId=client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:imtag", "Value": name}],
        )["UserSub"]
        local_cloud.client("cognito-idp").admin_confirm_sign_up(UserPoolId=pool, Username=email)
        tokens = cognito.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password}
        )
        api = PlatformApi(platform.outputs["PlatformApiUrl"], tokens["AuthenticationResult"]["IdToken"])
        return User(sub, upload_first_keys(api, password, FAST))

    return make


def connect(local_cloud, user: User, external_id: str | None = None) -> User:
    """The user's part: their ExternalId from the platform, the bootstrap stack in an account of their own
    (launched with ``external_id`` instead, to model a mistake), the role given back to the platform."""
    connection = user.api.connect_cloud()
    user.account, bootstrap = bootstrap_account(
        local_cloud.endpoint_url,
        connection["platformAccountId"],
        external_id or connection["externalId"],
    )
    user.role_arn = bootstrap.outputs["DeploymentRoleArn"]
    user.api.record_deployment_role(user.role_arn)
    return user


def run(user: User, action: str = "deploy") -> dict:
    requested = user.api.request_deployment(action)
    finished = eventually(
        lambda: (lambda d: d if d["status"] in ("SUCCEEDED", "FAILED") else None)(
            user.api.deployment(requested["deploymentId"])
        ),
        timeout_s=60,
    )
    assert finished, f"{action} {requested['deploymentId']} did not finish"
    return finished


def stacks_in(local_cloud, account: Account) -> dict[str, dict]:
    return {
        stack["StackName"]: stack for stack in local_cloud.client("cloudformation", account).describe_stacks()["Stacks"]
    }


def states_entered(local_cloud, deployment: dict) -> list[str]:
    """The states the deployment's execution entered, once it has ended."""
    sfn = local_cloud.client("stepfunctions")
    assert eventually(lambda: sfn.describe_execution(executionArn=deployment["executionArn"])["status"] != "RUNNING")
    history = sfn.get_execution_history(executionArn=deployment["executionArn"])["events"]
    return [event["stateEnteredEventDetails"]["name"] for event in history if "stateEnteredEventDetails" in event]


@pytest.fixture(scope="module")
def bus_events(local_cloud, platform):
    """Every deployment event on the platform bus, by deployment id, in the order they came."""
    sqs, events = local_cloud.client("sqs"), local_cloud.client("events")
    queue = sqs.create_queue(QueueName="deployment-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = platform.outputs["PlatformEventBusArn"].split("/")[-1]
    events.put_rule(
        Name="deployment-events", EventBusName=bus, EventPattern=json.dumps({"detail-type": DEPLOYMENT_EVENTS})
    )
    events.put_targets(Rule="deployment-events", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    seen: dict[str, list[str]] = {}

    def of(deployment_id: str) -> list[str]:
        while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                event = json.loads(message["Body"])
                seen.setdefault(event["detail"]["deploymentId"], []).append(event["detail-type"])
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return seen.get(deployment_id, [])

    return of


@pytest.fixture(scope="module")
def bob(local_cloud, sign_up, bus_events):
    """A user whose cloud stands."""
    user = connect(local_cloud, sign_up("Bob"))
    assert run(user)["status"] == "SUCCEEDED"
    return user


# --- The confused deputy ---------------------------------------------------------------------


def test_the_deployment_role_refuses_the_platform_without_the_users_external_id(local_cloud, bob):
    sts = local_cloud.client("sts")
    for wrong in ({}, {"ExternalId": f"imegha-{uuid.uuid4()}"}):
        with pytest.raises(ClientError) as refusal:
            sts.assume_role(RoleArn=bob.role_arn, RoleSessionName="deploy", **wrong)
        assert refusal.value.response["Error"]["Code"] == "AccessDenied"


def test_a_role_launched_with_another_external_id_is_refused_and_nothing_is_built(local_cloud, sign_up, bus_events):
    carol = connect(local_cloud, sign_up("Carol"), external_id=f"imegha-{uuid.uuid4()}")

    failed = run(carol)

    assert failed["status"] == "FAILED"
    assert f"the platform cannot assume {carol.role_arn} with your ExternalId" in failed["reason"]
    refused = next(step for step in failed["steps"] if step["step"] == "CreateOrUpdateStack")
    assert refused["error"] == "RoleRefused"
    assert set(stacks_in(local_cloud, carol.account)) == {"imegha-bootstrap"}
    assert bus_events(failed["deploymentId"]) == ["Deployment Requested", "Deployment Started", "Deployment Failed"]
    assert carol.api.cloud().get("activeDeploymentId") is None, "the lock is released: the user can try again"


def test_one_users_deployment_never_touches_another_users_account(local_cloud, sign_up, bob):
    before = stacks_in(local_cloud, bob.account)[USER_CLOUD_STACK]
    mallory = sign_up("Mallory")
    mallory.api.connect_cloud()
    mallory.api.record_deployment_role(bob.role_arn)  # the platform cannot tell whose role it is: Bob's role can

    for action in ("deploy", "destroy"):
        failed = run(mallory, action)
        assert failed["status"] == "FAILED" and "cannot assume" in failed["reason"]

    after = stacks_in(local_cloud, bob.account)[USER_CLOUD_STACK]
    assert (after["StackId"], after["StackStatus"], after.get("LastUpdatedTime")) == (
        before["StackId"],
        before["StackStatus"],
        before.get("LastUpdatedTime"),
    )
    bucket = bob.api.cloud()["bucketName"]
    assert bucket in [b["Name"] for b in local_cloud.client("s3", bob.account).list_buckets()["Buckets"]]
    with pytest.raises(ApiError) as hidden:
        mallory.api.deployment(bob.api.cloud()["lastDeploymentId"])
    assert hidden.value.status == 404


def test_a_deployment_request_from_a_users_cloud_starts_nothing(local_cloud, platform, bob):
    sfn = local_cloud.client("stepfunctions")
    machine = platform.outputs["DeployUserCloudStateMachineArn"]
    executions = len(sfn.list_executions(stateMachineArn=machine)["executions"])
    forged = {"userId": bob.user_id, "deploymentId": str(uuid.uuid4()), "action": "destroy"}

    # Bob's cloud rings the doorbell API; it may not put events on the platform bus at all, let alone ask for deployments.
    with pytest.raises(ClientError, match="AccessDenied"):
        local_cloud.client("events", bob.account).put_events(
            Entries=[
                {
                    "EventBusName": platform.outputs["PlatformEventBusArn"],
                    "Source": "imegha.platform",
                    "DetailType": "Deployment Requested",
                    "Detail": json.dumps(forged),
                }
            ]
        )

    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == executions
    assert stacks_in(local_cloud, bob.account)[USER_CLOUD_STACK]["StackStatus"] == "CREATE_COMPLETE"


def test_an_event_for_no_requested_deployment_stops_before_touching_anything(local_cloud, platform, bob):
    sfn = local_cloud.client("stepfunctions")
    replayed = {
        "detail": {"userId": bob.user_id, "deploymentId": bob.api.cloud()["lastDeploymentId"], "action": "destroy"}
    }

    run_ = sfn.start_execution(
        stateMachineArn=platform.outputs["DeployUserCloudStateMachineArn"], input=json.dumps(replayed)
    )
    execution = eventually(
        lambda: (lambda e: e if e["status"] != "RUNNING" else None)(
            sfn.describe_execution(executionArn=run_["executionArn"])
        )
    )

    assert (execution["status"], execution.get("error")) == ("FAILED", "NotStarted")
    history = sfn.get_execution_history(executionArn=run_["executionArn"])["events"]
    assert [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e] == [
        "RecordInProgress",
        "WasItRequested",
        "NotStarted",
    ]
    assert stacks_in(local_cloud, bob.account)[USER_CLOUD_STACK]["StackStatus"] == "CREATE_COMPLETE"


# --- Faults ----------------------------------------------------------------------------------------


@pytest.fixture
def broken_release(local_cloud, platform, tmp_path):
    """Publishes a release of user-cloud.yaml whose health function's role trusts EC2, not Lambda: its storage,
    database and IAM stacks are created, then its API stack fails. Yields what publishes the good release again."""
    release = tmp_path / "release"
    (release / "user-cloud").mkdir(parents=True)
    # Links to everything else, so packaging finds the same code (and its zips already made) where it was.
    (release / "layers").symlink_to(ROOT / "layers")
    for entry in (ROOT / "user-cloud").iterdir():
        if entry.name not in ("iam.yaml", "user-cloud.yaml"):
            (release / "user-cloud" / entry.name).symlink_to(entry)
    shutil.copy(ROOT / "user-cloud" / "user-cloud.yaml", release / "user-cloud")
    iam = (ROOT / "user-cloud" / "iam.yaml").read_text()
    (release / "user-cloud" / "iam.yaml").write_text(
        iam.replace("Service: lambda.amazonaws.com", "Service: ec2.amazonaws.com", 1)
    )
    publish_user_cloud(
        local_cloud.endpoint_url,
        local_cloud.platform,
        platform.outputs,
        template=release / "user-cloud" / "user-cloud.yaml",
    )

    def good_release() -> None:
        publish_user_cloud(local_cloud.endpoint_url, local_cloud.platform, platform.outputs)

    yield good_release
    good_release()


def test_a_release_failing_halfway_is_rolled_back_and_the_status_says_why(
    local_cloud, sign_up, broken_release, bus_events
):
    dave = connect(local_cloud, sign_up("Dave"))

    failed = run(dave)

    assert failed["status"] == "FAILED" and failed["stackStatus"] == "DELETE_COMPLETE"
    assert "ApiStack (AWS::CloudFormation::Stack)" in failed["reason"]
    assert "cannot be assumed by Lambda" in failed["reason"]
    assert states_entered(local_cloud, failed) == [
        "RecordInProgress",
        "WasItRequested",
        "AnnounceStarted",
        "DeployOrDestroy",
        "CreateOrUpdateStack",
        "IsStackSettled",
        "StackFailed",
        "RollBackIfDeploying",
        "RollBack",
        "IsRollBackDone",
        "RecordFailed",
        "AnnounceFailed",
        "DeploymentFailed",
    ]
    assert {
        name
        for name, stack in stacks_in(local_cloud, dave.account).items()
        if stack["StackStatus"] != "DELETE_COMPLETE"
    } == {"imegha-bootstrap"}
    assert local_cloud.client("s3", dave.account).list_buckets()["Buckets"] == []
    assert local_cloud.client("dynamodb", dave.account).list_tables()["TableNames"] == []
    cloud = dave.api.cloud()
    assert "cloudApiUrl" not in cloud and "activeDeploymentId" not in cloud
    assert bus_events(failed["deploymentId"]) == ["Deployment Requested", "Deployment Started", "Deployment Failed"]

    broken_release()  # the fixed release: nothing of the failed one stands in the way
    assert run(dave)["stackStatus"] == "CREATE_COMPLETE"


def test_each_deployment_is_announced_on_the_platform_bus_and_changes_no_policy(local_cloud, platform, bob, bus_events):
    deployment_id = bob.api.cloud()["lastDeploymentId"]
    assert bus_events(deployment_id) == ["Deployment Requested", "Deployment Started", "Deployment Succeeded"]
    bus = local_cloud.client("events").describe_event_bus(Name=platform.outputs["PlatformEventBusArn"].split("/")[-1])
    assert "Policy" not in bus  # the cloud rings the doorbell API as its own role: no account is let onto the bus


# --- Requests -------------------------------------------------------------------------------------------


def test_a_deployment_needs_a_connected_account_and_a_deployment_role(sign_up):
    frank = sign_up("Frank")
    with pytest.raises(ApiError) as refused:
        frank.api.request_deployment("deploy")
    assert refused.value.status == 409 and "connect your AWS account first" in refused.value.message
    with pytest.raises(ApiError) as early:
        frank.api.record_deployment_role("arn:aws:iam::123456789012:role/imegha-deployment-us-east-1")
    assert early.value.status == 409

    frank.api.connect_cloud()
    for wrong in ("arn:aws:iam::123456789012:role/admin", "arn:aws:iam::12345:role/imegha-deployment-x", "*"):
        with pytest.raises(ApiError) as invalid:
            frank.api.record_deployment_role(wrong)
        assert (invalid.value.status, invalid.value.field) == (400, "roleArn")
    with pytest.raises(ApiError) as unknown:
        frank.api._signed_call("POST", "/deployments", {"action": "format-disk"})
    assert unknown.value.status == 400
