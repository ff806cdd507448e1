"""The deploy state machine's steps on a user's stack: through the role on the deployment and the user's own
ExternalId; CloudFormation acts as the bootstrap's own role; deploying twice updates; destroy deletes the stack and
touches nothing in it (the stack empties its own bucket); a failed creation is rolled back and a failed
update left as CloudFormation put it back; AWS's refusals and throttling become errors the state machine can tell."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from tests.unit.platform.regions import REGIONS

ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"
CLOUDFORMATION_ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-cloudformation-us-east-1"
OUTPUTS = {
    "CloudApiUrl": "https://api.example",
    "BucketName": "imegha-files",
    "TableName": "imegha-table",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:222222222222:imegha-alarms",
}


class FakeStack:
    """The user's stack as CloudFormation would answer; records what was asked of it."""

    account_id = "222222222222"

    def __init__(self, status: str | None = None, settles_as: str = "CREATE_COMPLETE", changes: bool = True):
        from dal.user_cloud_stack import StackState

        self._state = StackState
        self.current = StackState("stack-id", status, OUTPUTS) if status else None
        self.settles_as, self.changes = settles_as, changes
        self.calls: list[tuple] = []

    def state(self):
        return self.current

    def create(self, template_url, parameters):
        self.calls.append(("create", template_url, parameters))
        self.current = self._state("stack-id", self.settles_as, OUTPUTS)

    def update(self, template_url, parameters):
        self.calls.append(("update", template_url, parameters))
        if self.changes:
            self.current = self._state("stack-id", self.settles_as, OUTPUTS)
        return self.changes

    def delete(self):
        self.calls.append(("delete",))
        self.current = None

    def failures(self):
        return ["ApiStack (AWS::CloudFormation::Stack): Embedded stack failed", "Api (AWS::Lambda::Function): refused"]


@pytest.fixture(scope="module")
def platform_tables(tables_made_once):
    return tables_made_once


@pytest.fixture
def user_cloud():
    from logic import user_cloud

    return user_cloud


@pytest.fixture
def platform(user_cloud):
    return user_cloud.Platform(
        template_url="https://s3.{region}.amazonaws.com/imegha-dev-artifacts-111111111111-{region}/user-cloud.yaml",
        issuer="https://abc123.execute-api.us-east-1.amazonaws.com/dev",
        doorbell_url="https://d00rbe11.execute-api.us-east-1.amazonaws.com/dev/doorbell",
        doorbell_arn="arn:aws:execute-api:us-east-1:111111111111:d00rbe11/dev/POST/doorbell",
        regions=REGIONS,
        web_app_origin="https://app.example",
    )


@pytest.fixture
def store(platform_tables, me):
    from dal.deployments import DeploymentStore
    from logic import deployments

    store = DeploymentStore(platform_tables["DeploymentsTable"])
    deployments.connect(store, me, "111111111111", REGIONS)
    deployments.set_role(store, me, ROLE, REGIONS)
    return store


def requested(store, me: str, action: str, alarm_email: str | None = None) -> str:
    from logic import deployments

    class Bus:
        def publish(self, *_):
            pass

    deployment_id = deployments.request_deployment(store, Bus(), REGIONS, me, action, alarm_email)["deploymentId"]
    deployments.record_status(store, None, me, deployment_id, "IN_PROGRESS", "arn:execution")
    return deployment_id


def reached(stack: FakeStack, asked: list):
    def connect(role_arn, external_id, session_name, region):
        asked.append((role_arn, external_id, session_name, region))
        return stack

    return connect


def test_a_first_deployment_creates_the_stack_as_the_role_on_the_deployment_with_the_users_external_id(
    user_cloud, platform, store, me
):
    deployment_id = requested(store, me, "deploy")
    stack, asked = FakeStack(), []

    report = user_cloud.deploy(store, reached(stack, asked), platform, me, deployment_id)

    assert asked == [(ROLE, store.cloud(me)["externalId"], f"imegha-{deployment_id}", "us-east-1")]
    ((operation, url, parameters),) = stack.calls
    assert (operation, url) == (
        "create",
        "https://s3.us-east-1.amazonaws.com/imegha-dev-artifacts-111111111111-us-east-1/user-cloud.yaml",
    )
    assert parameters == {
        "OwnerUserId": me,
        "OwnerAlarmEmail": "",
        "PlatformIssuer": platform.issuer,
        "PlatformDoorbellUrl": platform.doorbell_url,
        "PlatformDoorbellArn": platform.doorbell_arn,
        "WebAppOrigin": "https://app.example",
        "PermissionsBoundaryArn": "arn:aws:iam::222222222222:policy/imegha-cloud-boundary-us-east-1",
    }
    assert report == {
        "phase": "SUCCEEDED",
        "stackStatus": "CREATE_COMPLETE",
        "cloudAccountId": "222222222222",
        "outputs": {"cloudApiUrl": "https://api.example", "bucketName": "imegha-files", "tableName": "imegha-table"},
    }


def test_a_cloud_in_another_region_is_built_there_from_that_regions_release_under_that_regions_boundary(
    user_cloud, platform, store, me
):
    from logic import deployments

    frankfurt = "arn:aws:iam::222222222222:role/imegha-deployment-eu-central-1"
    deployments.set_role(store, me, frankfurt, REGIONS)
    deployment_id = requested(store, me, "deploy")
    stack, asked = FakeStack(), []

    user_cloud.deploy(store, reached(stack, asked), platform, me, deployment_id)

    assert asked[0][0] == frankfurt and asked[0][3] == "eu-central-1"
    ((_, url, parameters),) = stack.calls
    assert url == "https://s3.eu-central-1.amazonaws.com/imegha-dev-artifacts-111111111111-eu-central-1/user-cloud.yaml"
    assert parameters["PermissionsBoundaryArn"] == "arn:aws:iam::222222222222:policy/imegha-cloud-boundary-eu-central-1"
    assert parameters["PlatformDoorbellArn"].startswith("arn:aws:execute-api:us-east-1:"), "it rings the platform's"


def test_a_deployment_to_a_region_no_longer_published_to_builds_nothing(user_cloud, platform, store, me):
    from imegha_service.errors import InvalidRequest
    from logic.regions import Regions

    deployment_id = requested(store, me, "deploy")
    elsewhere = type(platform)(**{**platform.__dict__, "regions": Regions("us-east-1", ("eu-central-1",))})
    stack = FakeStack()

    with pytest.raises(InvalidRequest, match="does not deploy to 'us-east-1'"):
        user_cloud.deploy(store, reached(stack, []), elsewhere, me, deployment_id)
    assert stack.calls == []


def test_deploying_to_a_standing_stack_updates_it_and_nothing_to_change_is_success(user_cloud, platform, store, me):
    deployment_id = requested(store, me, "deploy")
    changing = FakeStack("CREATE_COMPLETE", settles_as="UPDATE_IN_PROGRESS")
    unchanged = FakeStack("UPDATE_COMPLETE", changes=False)

    assert user_cloud.deploy(store, reached(changing, []), platform, me, deployment_id)["phase"] == "IN_PROGRESS"
    assert [call[0] for call in changing.calls] == ["update"]
    report = user_cloud.deploy(store, reached(unchanged, []), platform, me, deployment_id)
    assert (report["phase"], report["stackStatus"]) == ("SUCCEEDED", "UPDATE_COMPLETE")


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS", "DELETE_FAILED"])
def test_a_stack_that_cannot_take_a_deployment_now_is_not_touched(user_cloud, platform, store, status, me):
    stack = FakeStack(status)

    report = user_cloud.deploy(store, reached(stack, []), platform, me, requested(store, me, "deploy"))

    assert report["phase"] == "FAILED" and status in report["reason"]
    assert stack.calls == []


def test_a_failed_stack_reports_cloudformations_reasons_first_failure_first(user_cloud, store, me):
    report = user_cloud.describe(store, reached(FakeStack("ROLLBACK_COMPLETE"), []), me, requested(store, me, "deploy"))

    assert report["phase"] == "FAILED"
    assert report["reason"] == (
        "the stack is ROLLBACK_COMPLETE: ApiStack (AWS::CloudFormation::Stack): Embedded stack "
        "failed; Api (AWS::Lambda::Function): refused"
    )


def test_destroy_deletes_the_stack_and_nothing_else(user_cloud, store, me):
    stack, deployment_id = FakeStack("UPDATE_COMPLETE"), requested(store, me, "destroy")

    report = user_cloud.destroy(store, reached(stack, []), me, deployment_id)

    assert stack.calls == [("delete",)], "the stack empties its own bucket: the platform reads and deletes no object"
    assert (report["phase"], report["stackStatus"]) == ("SUCCEEDED", "DELETE_COMPLETE")
    assert user_cloud.describe(store, reached(stack, []), me, deployment_id)["phase"] == "SUCCEEDED", (
        "for a destroy, a stack that is gone is success"
    )


def test_a_deletion_that_failed_says_why_and_destroying_again_deletes_again(user_cloud, store, me):
    stack, deployment_id = FakeStack("DELETE_FAILED"), requested(store, me, "destroy")

    said = user_cloud.describe(store, reached(stack, []), me, deployment_id)
    again = user_cloud.destroy(store, reached(stack, []), me, deployment_id)

    assert said["phase"] == "FAILED" and said["reason"].startswith("the stack is DELETE_FAILED: ")
    assert stack.calls == [("delete",)] and again["phase"] == "SUCCEEDED"


@pytest.mark.parametrize(
    "status, phase, deleted",
    [
        (None, "SUCCEEDED", False),
        ("ROLLBACK_COMPLETE", "SUCCEEDED", True),  # a creation that failed: nothing of it stays
        ("ROLLBACK_FAILED", "SUCCEEDED", True),
        ("UPDATE_ROLLBACK_COMPLETE", "SUCCEEDED", False),  # CloudFormation put the previous version back
        ("CREATE_COMPLETE", "SUCCEEDED", False),  # a step after the stack failed: the stack is whole
        ("UPDATE_ROLLBACK_IN_PROGRESS", "IN_PROGRESS", False),
        ("DELETE_FAILED", "FAILED", False),  # needs a person: said, not retried for ever
    ],
)
def test_rolling_back_leaves_no_half_built_stack(user_cloud, store, status, phase, deleted, me):
    stack = FakeStack(status)

    report = user_cloud.roll_back(store, reached(stack, []), me, requested(store, me, "deploy"))

    assert report["phase"] == phase
    assert (("delete",) in stack.calls) is deleted


# --- The adapter: AWS's refusals and throttling ----------------------------------------------------------


def test_a_refused_assume_role_and_throttling_become_errors_the_state_machine_tells_apart():
    from dal.user_cloud_stack import RoleRefused, Throttled, assume_deployment_role

    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "User is not authorized to perform: sts:AssumeRole")
        stub.add_client_error("assume_role", "Throttling", "Rate exceeded")
        with pytest.raises(RoleRefused, match=f"cannot assume {ROLE} with your ExternalId: User is not authorized"):
            assume_deployment_role(ROLE, "imegha-x", "imegha-d", "us-east-1", "us-east-1", sts)
        with pytest.raises(Throttled):
            assume_deployment_role(ROLE, "imegha-x", "imegha-d", "us-east-1", "us-east-1", sts)


def test_the_assumed_session_lasts_an_hour_and_presents_the_external_id():
    from dal.user_cloud_stack import assume_deployment_role

    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                    "SecretAccessKey": "s" * 40,
                    "SessionToken": "t" * 40,
                    "Expiration": "2030-01-01T00:00:00Z",
                }
            },
            {"RoleArn": ROLE, "RoleSessionName": "imegha-d", "ExternalId": "imegha-x", "DurationSeconds": 3600},
        )
        stack = assume_deployment_role(ROLE, "imegha-x", "imegha-d", "us-east-1", "us-east-1", sts)
    assert (stack.account_id, stack.role_arn) == ("222222222222", CLOUDFORMATION_ROLE)


def test_cloudformation_creates_updates_and_deletes_the_stack_as_the_bootstraps_role_never_the_platforms():
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stack = stack_with(cloudformation)
    asked = {"StackName": "imegha-user-cloud", "RoleARN": CLOUDFORMATION_ROLE}
    with Stubber(cloudformation) as stub:
        for operation in ("create_stack", "update_stack"):
            stub.add_response(
                operation,
                {"StackId": "arn:aws:cloudformation:us-east-1:222222222222:stack/imegha-user-cloud/1"},
                {**asked, "TemplateURL": "https://t", "Parameters": [], "Capabilities": ANY}
                | ({"TimeoutInMinutes": ANY, "OnFailure": "ROLLBACK"} if operation == "create_stack" else {}),
            )
        stub.add_response("delete_stack", {}, asked)
        stack.create("https://t", {})
        stack.update("https://t", {})
        stack.delete()


def stack_with(cloudformation):
    from dal.user_cloud_stack import UserCloudStack

    stack = UserCloudStack(
        boto3.Session(region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"),
        "222222222222",
        CLOUDFORMATION_ROLE,
    )
    stack._cloudformation = cloudformation
    return stack


def test_nothing_to_update_is_not_an_error_and_cloudformation_throttling_is_retried():
    from dal.user_cloud_stack import StackRefused, Throttled

    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stack = stack_with(cloudformation)
    with Stubber(cloudformation) as stub:
        stub.add_client_error("update_stack", "ValidationError", "No updates are to be performed.")
        stub.add_client_error("update_stack", "Throttling", "Rate exceeded")
        stub.add_client_error("update_stack", "ValidationError", "Parameter OwnerUserId is missing")
        assert stack.update("https://t", {}) is False
        with pytest.raises(Throttled):
            stack.update("https://t", {})
        with pytest.raises(StackRefused, match="OwnerUserId"):
            stack.update("https://t", {})


def test_the_failures_reported_are_those_of_the_latest_operation_root_causes_first(user_cloud):
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    stack = stack_with(cloudformation)
    parent, nested = (
        "arn:aws:cloudformation:us-east-1:2:stack/imegha-user-cloud/1",
        "arn:aws:cloudformation:us-east-1:2:stack/n/2",
    )

    def event(stack_id, logical_id, physical_id, status, reason=None, kind="AWS::CloudFormation::Stack"):
        return {
            "StackId": stack_id,
            "EventId": "e",
            "StackName": "s",
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": kind,
            "Timestamp": "2030-01-01T00:00:00Z",
            "ResourceStatus": status,
            **({"ResourceStatusReason": reason} if reason else {}),
        }

    parents = [  # newest first, as CloudFormation lists them
        event(parent, "imegha-user-cloud", parent, "UPDATE_ROLLBACK_COMPLETE"),
        event(parent, "ApiStack", nested, "UPDATE_FAILED", "Embedded stack failed: [Health]"),
        event(parent, "Topic", "t", "UPDATE_FAILED", "Resource update cancelled", "AWS::SNS::Topic"),
        event(parent, "imegha-user-cloud", parent, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(parent, "Table", "t", "CREATE_FAILED", "an older operation's failure", "AWS::DynamoDB::Table"),
    ]
    nesteds = [
        event(nested, "Health", "", "UPDATE_FAILED", "cannot be assumed by Lambda", "AWS::Lambda::Function"),
        event(nested, "n", nested, "UPDATE_IN_PROGRESS"),
    ]
    with Stubber(cloudformation) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": parents}, {"StackName": "imegha-user-cloud"})
        stub.add_response("describe_stack_events", {"StackEvents": nesteds}, {"StackName": nested})
        assert stack.failures() == [
            "Topic (AWS::SNS::Topic): Resource update cancelled",
            "Health (AWS::Lambda::Function): cannot be assumed by Lambda",
            "ApiStack (AWS::CloudFormation::Stack): Embedded stack failed: [Health]",
        ]


def test_the_alarm_email_the_owner_gave_at_deploy_reaches_the_stack_and_stays_for_the_next_deployments(
    user_cloud, platform, store, me
):
    stack, asked = FakeStack(), []
    first = requested(store, me, "deploy", alarm_email="owner@example.org")
    user_cloud.deploy(store, reached(stack, asked), platform, me, first)
    store.finish(me, first)
    user_cloud.deploy(store, reached(stack, asked), platform, me, requested(store, me, "deploy"))

    assert [call[2]["OwnerAlarmEmail"] for call in stack.calls] == ["owner@example.org"] * 2
