"""A user's cloud as the platform knows it: the ExternalId, the deployment role, one deployment at a time, and what
the deploy state machine records (on the deployment, the cloud and the directory), repeated steps changing nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from imegha_service.errors import Conflict, InvalidRequest
from tests.unit.platform.regions import REGIONS

ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"
OTHER_ACCOUNTS_ROLE = "arn:aws:iam::333333333333:role/imegha-deployment-us-east-1"
OTHER_REGIONS_ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-eu-central-1"
STACK = {
    "phase": "SUCCEEDED",
    "stackStatus": "CREATE_COMPLETE",
    "cloudAccountId": "222222222222",
    "outputs": {
        "cloudApiUrl": "https://abc.execute-api.us-east-1.amazonaws.com",
        "bucketName": "imegha-b",
        "tableName": "imegha-t",
    },
}


class Bus:
    def __init__(self, fails: bool = False):
        self.fails = fails
        self.published: list[tuple[str, dict]] = []

    def publish(self, detail_type: str, detail: dict) -> None:
        if self.fails:
            raise RuntimeError("the bus is down")
        self.published.append((detail_type, detail))


@pytest.fixture(scope="module")
def platform_tables(tables_made_once):
    return tables_made_once


@pytest.fixture
def logic():
    from logic import deployments

    return deployments


@pytest.fixture
def store(platform_tables):
    from dal.deployments import DeploymentStore

    return DeploymentStore(platform_tables["DeploymentsTable"])


@pytest.fixture
def directory(stores, logic, me):
    from logic import directory

    directory.register_user(stores[0], me, f"{me}@example.org", "u" + me[-12:])
    return stores[0]


@pytest.fixture
def connected(logic, store, me):
    logic.connect(store, me, "111111111111", REGIONS)
    logic.set_role(store, me, ROLE, REGIONS)
    return store


def test_each_user_gets_an_external_id_of_their_own_and_keeps_it(logic, store, me):
    first = logic.connect(store, me, "111111111111", REGIONS)
    again = logic.connect(store, me, "111111111111", REGIONS)
    bobs = logic.connect(store, "bob-id", "111111111111", REGIONS)

    assert re.fullmatch(
        r"imegha-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["externalId"]
    )
    assert again["externalId"] == first["externalId"] != bobs["externalId"]
    assert (first["platformAccountId"], first["roleArn"]) == ("111111111111", None)


def test_only_a_deployment_role_made_by_the_bootstrap_stack_is_recorded_and_only_after_connecting(logic, store, me):
    with pytest.raises(Conflict, match="ExternalId first"):
        logic.set_role(store, me, ROLE, REGIONS)
    logic.connect(store, me, "111111111111", REGIONS)
    for wrong in (
        "arn:aws:iam::222222222222:role/admin",
        "arn:aws:iam::2222:role/imegha-deployment-x",
        "arn:aws:iam::222222222222:user/imegha-deployment-x",
    ):
        with pytest.raises(InvalidRequest) as refused:
            logic.set_role(store, me, wrong, REGIONS)
        assert refused.value.field == "roleArn"

    assert logic.set_role(store, me, ROLE, REGIONS)["accountId"] == "222222222222"
    assert logic.cloud(store, me, REGIONS)["connected"] is True


def test_a_deployment_needs_a_connected_role_and_holds_the_cloud_until_it_ends(logic, connected, directory, me):
    with pytest.raises(Conflict, match="connect your AWS account first"):
        logic.request_deployment(connected, Bus(), REGIONS, "bob-id", "deploy")
    with pytest.raises(InvalidRequest):
        logic.request_deployment(connected, Bus(), REGIONS, me, "format")

    bus = Bus()
    first = logic.request_deployment(connected, bus, REGIONS, me, "deploy")
    assert bus.published == [
        ("Deployment Requested", {"userId": me, "deploymentId": first["deploymentId"], "action": "deploy"})
    ]
    with pytest.raises(Conflict, match=first["deploymentId"]):
        logic.request_deployment(connected, bus, REGIONS, me, "destroy")
    with pytest.raises(Conflict, match="under way"):
        logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE, REGIONS)

    logic.record_status(connected, directory, me, first["deploymentId"], "SUCCEEDED", stack=STACK)
    assert logic.request_deployment(connected, bus, REGIONS, me, "deploy")["status"] == "REQUESTED"


def test_a_lost_deployment_holds_the_cloud_no_longer_than_its_lifetime(logic, connected, monkeypatch, me):
    lost = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")
    now = logic._now()
    monkeypatch.setattr(logic, "_now", lambda: now + logic.LOCK_LIFETIME + timedelta(seconds=1))

    later = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")

    assert later["deploymentId"] != lost["deploymentId"]
    assert logic.cloud(connected, me, REGIONS)["activeDeploymentId"] == later["deploymentId"]


def test_a_request_that_cannot_be_announced_is_failed_and_frees_the_cloud(logic, connected, me):
    with pytest.raises(RuntimeError):
        logic.request_deployment(connected, Bus(fails=True), REGIONS, me, "deploy")

    cloud = logic.cloud(connected, me, REGIONS)
    assert "activeDeploymentId" not in cloud
    assert logic.deployment(connected, me, cloud["lastDeploymentId"])["status"] == "FAILED"


def test_a_deployment_recorded_as_succeeded_links_the_cloud_in_the_directory_once(logic, connected, directory, me):
    requested = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")
    deployment_id = requested["deploymentId"]

    started = logic.record_status(connected, directory, me, deployment_id, "IN_PROGRESS", "arn:execution")
    assert started == {"recorded": True, "action": "deploy"}
    assert logic.record_status(connected, directory, me, deployment_id, "IN_PROGRESS", "arn:x")["recorded"] is False
    assert logic.record_status(connected, directory, me, deployment_id, "SUCCEEDED", stack=STACK)["recorded"]

    entry = directory.user(me)
    assert (entry["cloudApiUrl"], entry["cloudAccountId"]) == (STACK["outputs"]["cloudApiUrl"], "222222222222")
    cloud = logic.cloud(connected, me, REGIONS)
    assert (cloud["stackStatus"], cloud["bucketName"], cloud["tableName"]) == (
        "CREATE_COMPLETE",
        "imegha-b",
        "imegha-t",
    )
    assert "activeDeploymentId" not in cloud
    shown = logic.deployment(connected, me, deployment_id)
    assert (shown["status"], shown["executionArn"], shown["cloudAccountId"]) == (
        "SUCCEEDED",
        "arn:execution",
        "222222222222",
    )

    directory.clear_cloud(me)  # a repeated step must not link it again
    again = logic.record_status(connected, directory, me, deployment_id, "SUCCEEDED", stack=STACK)
    assert again["recorded"] is False and "cloudApiUrl" not in directory.user(me)


def test_a_destroyed_cloud_is_unlinked_everywhere(logic, connected, directory, me):
    deployed = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")["deploymentId"]
    logic.record_status(connected, directory, me, deployed, "SUCCEEDED", stack=STACK)
    destroyed = logic.request_deployment(connected, Bus(), REGIONS, me, "destroy")["deploymentId"]

    logic.record_status(
        connected,
        directory,
        me,
        destroyed,
        "SUCCEEDED",
        stack={"phase": "SUCCEEDED", "stackStatus": "DELETE_COMPLETE", "cloudAccountId": "222222222222"},
    )

    assert not {"cloudApiUrl", "cloudAccountId"} & set(directory.user(me))
    cloud = logic.cloud(connected, me, REGIONS)
    assert cloud["stackStatus"] == "DELETE_COMPLETE"
    assert not {"cloudApiUrl", "cloudAccountId", "bucketName", "tableName", "activeDeploymentId"} & set(cloud)
    # With no cloud standing, the user may connect another account.
    assert logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE, REGIONS)["accountId"] == "333333333333"


def test_a_cloud_standing_in_one_account_keeps_its_role_until_it_is_destroyed(logic, connected, directory, me):
    deployed = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")["deploymentId"]
    logic.record_status(connected, directory, me, deployed, "SUCCEEDED", stack=STACK)

    with pytest.raises(Conflict, match="another AWS account"):
        logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE, REGIONS)


def test_a_failure_is_recorded_with_its_reason_and_how_the_roll_back_left_the_stack(logic, connected, directory, me):
    deployment_id = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")["deploymentId"]
    failure = {
        "Error": "StackFailed",
        "Cause": "the stack is ROLLBACK_COMPLETE: Api (AWS::Lambda::Function): refused",
        "stackStatus": "ROLLBACK_COMPLETE",
        "rollBack": {
            "phase": "SUCCEEDED",
            "stackStatus": "DELETE_COMPLETE",
            "cloudAccountId": "222222222222",
            "report": {"phase": "SUCCEEDED"},
        },
    }

    logic.record_status(connected, directory, me, deployment_id, "FAILED", failure=failure)

    shown = logic.deployment(connected, me, deployment_id)
    assert (shown["status"], shown["stackStatus"]) == ("FAILED", "DELETE_COMPLETE")
    assert shown["reason"] == failure["Cause"]
    assert "activeDeploymentId" not in logic.cloud(connected, me, REGIONS)


@pytest.mark.parametrize(
    "failure, reason",
    [
        (
            {
                "Error": "RoleRefused",
                "Cause": json.dumps({"errorMessage": "the platform cannot assume r", "errorType": "RoleRefused"}),
            },
            "the platform cannot assume r",
        ),
        ({"Error": "States.Timeout", "Cause": ""}, "States.Timeout"),
        (
            {
                "Error": "StackFailed",
                "Cause": "the stack is ROLLBACK_COMPLETE: X",
                "rollBack": {"phase": "FAILED", "report": {"reason": "the stack is DELETE_FAILED: Bucket not empty"}},
            },
            "the stack is ROLLBACK_COMPLETE: X; and it could not be rolled back: the stack is DELETE_FAILED: Bucket not empty",
        ),
        (
            {"Error": "Throttled", "Cause": "slow down", "rollBackError": {"Error": "RoleRefused", "Cause": "refused"}},
            "slow down; and it could not be rolled back: refused",
        ),
    ],
)
def test_a_failures_reason_reads_as_a_person_would_want_it(logic, failure, reason):
    assert logic.failure_reason(failure) == reason


# --- The region the person chose ---------------------------------------------------------------------------------


def test_the_cloud_stands_in_its_deployment_roles_region_which_status_and_the_deployment_name(logic, connected, me):
    shown = logic.cloud(connected, me, REGIONS)
    assert (shown["region"], shown["platformRegion"], shown["regions"]) == (
        "us-east-1",
        "us-east-1",
        list(REGIONS.supported),
    )

    requested = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy", region="us-east-1")

    assert requested["region"] == "us-east-1"
    assert logic.deployment(connected, me, requested["deploymentId"])["region"] == "us-east-1"


def test_a_role_of_another_supported_region_makes_the_cloud_stand_there(logic, connected, me):
    assert logic.set_role(connected, me, OTHER_REGIONS_ROLE, REGIONS)["region"] == "eu-central-1"

    requested = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy", region="eu-central-1")

    assert requested["region"] == logic.cloud(connected, me, REGIONS)["region"] == "eu-central-1"


def test_a_region_the_platform_does_not_publish_to_is_refused_naming_those_it_does(logic, connected, me):
    with pytest.raises(InvalidRequest) as refused:
        logic.request_deployment(connected, Bus(), REGIONS, me, "deploy", region="sa-east-1")
    assert refused.value.field == "region" and "us-east-1, eu-central-1" in refused.value.reason

    with pytest.raises(InvalidRequest) as refused:
        logic.set_role(connected, me, "arn:aws:iam::222222222222:role/imegha-deployment-sa-east-1", REGIONS)
    assert refused.value.field == "roleArn" and "sa-east-1" in refused.value.reason
    assert logic.cloud(connected, me, REGIONS)["roleArn"] == ROLE, "nothing changed"


def test_a_region_other_than_the_roles_is_refused_saying_to_launch_the_bootstrap_there(logic, connected, me):
    with pytest.raises(Conflict, match="launch the bootstrap stack in eu-central-1"):
        logic.request_deployment(connected, Bus(), REGIONS, me, "deploy", region="eu-central-1")
    assert "activeDeploymentId" not in logic.cloud(connected, me, REGIONS), "nothing was started"


def test_a_standing_cloud_is_never_moved_to_another_region_it_is_destroyed_first(logic, connected, directory, me):
    deployed = logic.request_deployment(connected, Bus(), REGIONS, me, "deploy")["deploymentId"]
    logic.record_status(connected, directory, me, deployed, "SUCCEEDED", stack=STACK)

    with pytest.raises(Conflict, match="Destroy it first"):
        logic.request_deployment(connected, Bus(), REGIONS, me, "deploy", region="eu-central-1")
    with pytest.raises(Conflict, match="another AWS account or region"):
        logic.set_role(connected, me, OTHER_REGIONS_ROLE, REGIONS)

    destroyed = logic.request_deployment(connected, Bus(), REGIONS, me, "destroy")["deploymentId"]
    logic.record_status(connected, directory, me, destroyed, "SUCCEEDED", stack={"stackStatus": "DELETE_COMPLETE"})
    assert logic.set_role(connected, me, OTHER_REGIONS_ROLE, REGIONS)["region"] == "eu-central-1"


def test_a_cloud_in_a_region_no_longer_offered_may_be_destroyed_and_not_deployed(logic, connected, me):
    fewer = type(REGIONS)("eu-central-1", ("eu-central-1",))

    with pytest.raises(InvalidRequest, match="does not deploy to 'us-east-1'"):
        logic.request_deployment(connected, Bus(), fewer, me, "deploy")
    assert logic.request_deployment(connected, Bus(), fewer, me, "destroy")["region"] == "us-east-1"
