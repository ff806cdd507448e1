"""A user's cloud as the platform knows it: the ExternalId, the deployment role, one deployment at a time, and what
the deploy state machine records (on the deployment, the cloud and the directory), repeated steps changing nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from imegha_service.errors import Conflict, InvalidRequest

ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"
OTHER_ACCOUNTS_ROLE = "arn:aws:iam::333333333333:role/imegha-deployment-us-east-1"
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
    logic.connect(store, me, "111111111111")
    logic.set_role(store, me, ROLE)
    return store


def test_each_user_gets_an_external_id_of_their_own_and_keeps_it(logic, store, me):
    first = logic.connect(store, me, "111111111111")
    again = logic.connect(store, me, "111111111111")
    bobs = logic.connect(store, "bob-id", "111111111111")

    assert re.fullmatch(
        r"imegha-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["externalId"]
    )
    assert again["externalId"] == first["externalId"] != bobs["externalId"]
    assert (first["platformAccountId"], first["roleArn"]) == ("111111111111", None)


def test_only_a_deployment_role_made_by_the_bootstrap_stack_is_recorded_and_only_after_connecting(logic, store, me):
    with pytest.raises(Conflict, match="ExternalId first"):
        logic.set_role(store, me, ROLE)
    logic.connect(store, me, "111111111111")
    for wrong in (
        "arn:aws:iam::222222222222:role/admin",
        "arn:aws:iam::2222:role/imegha-deployment-x",
        "arn:aws:iam::222222222222:user/imegha-deployment-x",
    ):
        with pytest.raises(InvalidRequest) as refused:
            logic.set_role(store, me, wrong)
        assert refused.value.field == "roleArn"

    assert logic.set_role(store, me, ROLE)["accountId"] == "222222222222"
    assert logic.cloud(store, me)["connected"] is True


def test_a_deployment_needs_a_connected_role_and_holds_the_cloud_until_it_ends(logic, connected, directory, me):
    with pytest.raises(Conflict, match="connect your AWS account first"):
        logic.request_deployment(connected, Bus(), "bob-id", "deploy")
    with pytest.raises(InvalidRequest):
        logic.request_deployment(connected, Bus(), me, "format")

    bus = Bus()
    first = logic.request_deployment(connected, bus, me, "deploy")
    assert bus.published == [
        ("Deployment Requested", {"userId": me, "deploymentId": first["deploymentId"], "action": "deploy"})
    ]
    with pytest.raises(Conflict, match=first["deploymentId"]):
        logic.request_deployment(connected, bus, me, "destroy")
    with pytest.raises(Conflict, match="under way"):
        logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE)

    logic.record_status(connected, directory, me, first["deploymentId"], "SUCCEEDED", stack=STACK)
    assert logic.request_deployment(connected, bus, me, "deploy")["status"] == "REQUESTED"


def test_a_lost_deployment_holds_the_cloud_no_longer_than_its_lifetime(logic, connected, monkeypatch, me):
    lost = logic.request_deployment(connected, Bus(), me, "deploy")
    now = logic._now()
    monkeypatch.setattr(logic, "_now", lambda: now + logic.LOCK_LIFETIME + timedelta(seconds=1))

    later = logic.request_deployment(connected, Bus(), me, "deploy")

    assert later["deploymentId"] != lost["deploymentId"]
    assert logic.cloud(connected, me)["activeDeploymentId"] == later["deploymentId"]


def test_a_request_that_cannot_be_announced_is_failed_and_frees_the_cloud(logic, connected, me):
    with pytest.raises(RuntimeError):
        logic.request_deployment(connected, Bus(fails=True), me, "deploy")

    cloud = logic.cloud(connected, me)
    assert "activeDeploymentId" not in cloud
    assert logic.deployment(connected, me, cloud["lastDeploymentId"])["status"] == "FAILED"


def test_a_deployment_recorded_as_succeeded_links_the_cloud_in_the_directory_once(logic, connected, directory, me):
    requested = logic.request_deployment(connected, Bus(), me, "deploy")
    deployment_id = requested["deploymentId"]

    started = logic.record_status(connected, directory, me, deployment_id, "IN_PROGRESS", "arn:execution")
    assert started == {"recorded": True, "action": "deploy"}
    assert logic.record_status(connected, directory, me, deployment_id, "IN_PROGRESS", "arn:x")["recorded"] is False
    assert logic.record_status(connected, directory, me, deployment_id, "SUCCEEDED", stack=STACK)["recorded"]

    entry = directory.user(me)
    assert (entry["cloudApiUrl"], entry["cloudAccountId"]) == (STACK["outputs"]["cloudApiUrl"], "222222222222")
    cloud = logic.cloud(connected, me)
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
    deployed = logic.request_deployment(connected, Bus(), me, "deploy")["deploymentId"]
    logic.record_status(connected, directory, me, deployed, "SUCCEEDED", stack=STACK)
    destroyed = logic.request_deployment(connected, Bus(), me, "destroy")["deploymentId"]

    logic.record_status(
        connected,
        directory,
        me,
        destroyed,
        "SUCCEEDED",
        stack={"phase": "SUCCEEDED", "stackStatus": "DELETE_COMPLETE", "cloudAccountId": "222222222222"},
    )

    assert not {"cloudApiUrl", "cloudAccountId"} & set(directory.user(me))
    cloud = logic.cloud(connected, me)
    assert cloud["stackStatus"] == "DELETE_COMPLETE"
    assert not {"cloudApiUrl", "cloudAccountId", "bucketName", "tableName", "activeDeploymentId"} & set(cloud)
    # With no cloud standing, the user may connect another account.
    assert logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE)["accountId"] == "333333333333"


def test_a_cloud_standing_in_one_account_keeps_its_role_until_it_is_destroyed(logic, connected, directory, me):
    deployed = logic.request_deployment(connected, Bus(), me, "deploy")["deploymentId"]
    logic.record_status(connected, directory, me, deployed, "SUCCEEDED", stack=STACK)

    with pytest.raises(Conflict, match="another AWS account"):
        logic.set_role(connected, me, OTHER_ACCOUNTS_ROLE)


def test_a_failure_is_recorded_with_its_reason_and_how_the_roll_back_left_the_stack(logic, connected, directory, me):
    deployment_id = logic.request_deployment(connected, Bus(), me, "deploy")["deploymentId"]
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
    assert "activeDeploymentId" not in logic.cloud(connected, me)


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
