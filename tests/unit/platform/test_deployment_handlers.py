"""The deployment Lambdas on their sample events, loaded as `sam local invoke` loads them (the template's CodeUri and
Handler, env.json), against mocked AWS: the route that asks for a deployment, then two steps of the deploy state
machine as it invokes them: the stack step creating the user's cloud in their own account, and the step recording
that it stands. The stack step's report is the ``stack`` the recording step's sample carries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.conftest import EVENTS, ROOT
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import SAM_ENVIRONMENT, sam_handler
from tests.signed_events import signed, with_keys

ALICE = "11111111-2222-3333-4444-555555555555"
ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"
EXTERNAL_ID = "imegha-0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
BUS = SAM_ENVIRONMENT["DeploymentsFunction"]["PLATFORM_EVENT_BUS_NAME"]
TOKEN_ISSUER_PARAMETER = SAM_ENVIRONMENT["UserCloudStackFunction"]["TOKEN_ISSUER_PARAMETER"]
TOKEN_ISSUER = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


SUCCEEDED = sample("platform_deployment_succeeded.json")
DEPLOYMENT = SUCCEEDED["deploymentId"]


def published_user_cloud_template() -> dict:
    """Stands in for the packaged user-cloud.yaml: the parameters the platform passes, the outputs it reads."""
    parameters = (
        "OwnerUserId",
        "PlatformIssuer",
        "PlatformDoorbellUrl",
        "PlatformDoorbellArn",
        "PermissionsBoundaryArn",
        "WebAppOrigin",
    )
    outputs = SUCCEEDED["stack"]["outputs"]
    return {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        "Resources": {"AlarmTopic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "CloudApiUrl": {"Value": outputs["cloudApiUrl"]},
            "BucketName": {"Value": outputs["bucketName"]},
            "TableName": {"Value": outputs["tableName"]},
        },
    }


@pytest.fixture
def aws(platform_tables, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # as Lambda sets it
    boto3.client("events").create_event_bus(Name=BUS)
    boto3.client("ssm").put_parameter(Name=TOKEN_ISSUER_PARAMETER, Type="String", Value=TOKEN_ISSUER)
    template_url = SAM_ENVIRONMENT["UserCloudStackFunction"]["USER_CLOUD_TEMPLATE_URL"].replace("{region}", "us-east-1")
    bucket, key = template_url.split("/", 4)[3:]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(published_user_cloud_template()))
    return platform_tables


def handler(monkeypatch, function: str):
    return sam_handler(monkeypatch, ROOT / "template.yaml", function)


def connected(stores) -> None:
    """Alice has an account and has connected her AWS account: her ExternalId, her deployment role."""
    from logic import directory

    directory.register_user(stores[0], ALICE, "alice@example.org", "Alice")
    deployments = _deployments()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    deployments.connect(ALICE, EXTERNAL_ID, now)
    deployments.set_role(ALICE, ROLE, "222222222222", now)


def requested_and_started(stores) -> None:
    """The deployment of the samples, requested and recorded as started by the state machine's first step."""
    connected(stores)
    deployments, now = _deployments(), datetime.now(UTC)
    deployments.start(
        ALICE,
        DEPLOYMENT,
        "deploy",
        ROLE,
        "us-east-1",
        now.isoformat(timespec="seconds"),
        (now + timedelta(hours=2)).isoformat(timespec="seconds"),
    )
    deployments.advance(ALICE, DEPLOYMENT, "IN_PROGRESS", now.isoformat(timespec="seconds"))


def signed_by_alice(alice) -> dict:
    """The sample request, signed by Alice's device under a nonce the platform has just issued her."""
    from dal.nonces import NonceStore
    from logic import signed_requests

    nonce = signed_requests.issue_nonce(NonceStore("RequestNoncesTable"), ALICE)["nonce"]
    return signed(sample("platform_request_deployment.json"), alice, ALICE, nonce)


def _deployments():
    from dal.deployments import DeploymentStore

    return DeploymentStore("DeploymentsTable")


def test_asking_for_a_deployment_records_it_and_announces_it_on_the_platform_bus(aws, stores, monkeypatch):
    events = boto3.client("events")
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="announced")["QueueUrl"]
    events.put_rule(
        Name="requested", EventBusName=BUS, EventPattern=json.dumps({"detail-type": ["Deployment Requested"]})
    )
    events.put_targets(
        Rule="requested",
        EventBusName=BUS,
        Targets=[
            {
                "Id": "q",
                "Arn": sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"],
            }
        ],
    )
    asking = handler(monkeypatch, "DeploymentsFunction")
    alice = with_keys(stores[0], ALICE, "Alice")

    refused = asking(signed_by_alice(alice), FakeLambdaContext())
    connected(stores)
    response = asking(signed_by_alice(alice), FakeLambdaContext())

    assert refused["statusCode"] == 409 and "connect your AWS account first" in refused["body"]
    assert response["statusCode"] == 202
    answered = json.loads(response["body"])
    assert (answered["action"], answered["status"]) == ("deploy", "REQUESTED")
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"])["detail"] == {
        "userId": ALICE,
        "deploymentId": answered["deploymentId"],
        "action": "deploy",
    }


def test_the_stack_step_creates_the_users_cloud_in_their_own_account_as_their_deployment_role(aws, stores, monkeypatch):
    requested_and_started(stores)

    report = handler(monkeypatch, "UserCloudStackFunction")(
        sample("platform_user_cloud_stack_deploy.json"), FakeLambdaContext()
    )

    assert report == SUCCEEDED["stack"]  # what the state machine hands the recording step
    assumed = boto3.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="look", ExternalId=EXTERNAL_ID)[
        "Credentials"
    ]
    users_account = boto3.client(
        "cloudformation",
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    [stack] = users_account.describe_stacks(StackName="imegha-user-cloud")["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert (parameters["OwnerUserId"], parameters["PlatformIssuer"]) == (ALICE, TOKEN_ISSUER)
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []  # nothing in the platform's account


def test_recording_success_links_the_cloud_to_the_directory_once_and_a_repeat_changes_nothing(aws, stores, monkeypatch):
    requested_and_started(stores)
    record = handler(monkeypatch, "DeploymentStatusFunction")

    first = record(sample("platform_deployment_succeeded.json"), FakeLambdaContext())
    cloud = _deployments().cloud(ALICE)
    repeated = record(sample("platform_deployment_succeeded.json"), FakeLambdaContext())

    assert first == {"recorded": True, "action": "deploy"}
    assert repeated == {"recorded": False, "action": "deploy"}
    entry = stores[0].user(ALICE)
    assert (entry["cloudApiUrl"], entry["cloudAccountId"]) == (
        SUCCEEDED["stack"]["outputs"]["cloudApiUrl"],
        "222222222222",
    )
    assert "activeDeploymentId" not in cloud and cloud["stackStatus"] == "CREATE_COMPLETE"
    assert _deployments().cloud(ALICE) == cloud
    assert _deployments().get(ALICE, DEPLOYMENT)["status"] == "SUCCEEDED"
