"""The deploy state machine and its wiring, read from the files that are deployed: throttling is retried with
backoff, every failure leads to the roll-back and the record of why, users' accounts are reached only through the
function that presents their ExternalId, and only the platform's own account can start it."""

from __future__ import annotations

import json

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT

MACHINE = json.loads((ROOT / "statemachines" / "deploy_user_cloud.asl.json").read_text())
STATES = MACHINE["States"]
FAILURE_PATH = {
    "RollBackIfDeploying",
    "RollBack",
    "IsRollBackDone",
    "WaitForRollBack",
    "RecordFailed",
    "AnnounceFailed",
    "DeploymentFailed",
}
TASKS = {name: state for name, state in STATES.items() if state["Type"] == "Task"}


@pytest.fixture(scope="module")
def template():
    return load_template(ROOT / "template.yaml")


def reachable(start: str) -> set[str]:
    """The states an execution can reach from ``start`` (by Next, Default, Choices and Catch)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = STATES[name]
        todo += [state[key] for key in ("Next", "Default") if key in state]
        todo += [choice["Next"] for choice in state.get("Choices", [])]
        todo += [catcher["Next"] for catcher in state.get("Catch", [])]
    return seen


def test_it_is_jsonpath_and_every_state_is_reachable():
    assert MACHINE.get("QueryLanguage", "JSONPath") == "JSONPath"
    assert all(state.get("QueryLanguage", "JSONPath") == "JSONPath" for state in STATES.values())
    assert reachable(MACHINE["StartAt"]) == set(STATES)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_throttling_with_exponential_backoff(name):
    retriers = TASKS[name].get("Retry", [])
    assert retriers, f"{name} never retries"
    retried = {error for retrier in retriers for error in retrier["ErrorEquals"]}
    if TASKS[name]["Resource"] == "arn:aws:states:::lambda:invoke":
        assert {"Throttled", "Lambda.TooManyRequestsException"} <= retried
    assert all(retrier["BackoffRate"] >= 2 and retrier["MaxAttempts"] >= 3 for retrier in retriers)


@pytest.mark.parametrize("name", sorted(set(TASKS) - FAILURE_PATH - {"RecordInProgress", "AnnounceSucceeded"}))
def test_every_step_that_acts_leads_on_failure_to_the_roll_back_and_the_record_of_why(name):
    caught = [catcher for catcher in TASKS[name].get("Catch", []) if "States.ALL" in catcher["ErrorEquals"]]
    assert caught, f"a failure in {name} would end the execution without recording why"
    assert {"RecordFailed", "AnnounceFailed"} <= reachable(caught[0]["Next"])
    assert caught[0]["ResultPath"] == "$.failure"


def test_users_accounts_are_reached_only_through_the_function_that_presents_their_external_id():
    """Step Functions' own cross-account Credentials cannot present an ExternalId, so no state may use them."""
    assert not [name for name, state in TASKS.items() if "Credentials" in state]
    functions = {
        state["Parameters"]["FunctionName"]
        for state in TASKS.values()
        if state["Resource"] == "arn:aws:states:::lambda:invoke"
    }
    assert functions == {"${DeploymentStatusFunctionArn}", "${UserCloudStackFunctionArn}"}
    others = {state["Resource"] for state in TASKS.values() if state["Resource"] != "arn:aws:states:::lambda:invoke"}
    assert others == {
        "arn:aws:states:::events:putEvents",
    }


def test_a_deployment_acts_only_once_the_platform_recorded_it_as_requested():
    assert MACHINE["StartAt"] == "RecordInProgress"
    assert STATES["RecordInProgress"]["Next"] == "WasItRequested"
    (choice,) = STATES["WasItRequested"]["Choices"]
    assert (choice["Variable"], choice["BooleanEquals"]) == ("$.deployment.recorded", True)
    assert STATES[STATES["WasItRequested"]["Default"]]["Type"] == "Fail"
    assert STATES["DeployOrDestroy"]["Choices"][0]["Variable"] == "$.deployment.action", (
        "the action the platform recorded, never the one an event claims"
    )


def test_only_the_platforms_own_account_can_start_a_deployment(template):
    rule = template["Resources"]["DeployUserCloudStateMachine"]["Properties"]["Events"]["DeploymentRequested"]
    assert rule["Properties"]["Pattern"]["account"] == [{"Ref": "AWS::AccountId"}]


def test_only_the_stack_function_may_assume_users_roles_and_only_deployment_roles(template):
    assumers = {}
    for name, resource in template["Resources"].items():
        for policy in (
            resource.get("Properties", {}).get("Policies", []) if isinstance(resource.get("Properties"), dict) else []
        ):
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if any(action.startswith("sts:") for action in actions):
                    assumers[name] = statement["Resource"]
    assert assumers == {"UserCloudStackFunction": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/imegha-deployment-*"}}
