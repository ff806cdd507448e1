"""EventBridge on the local cloud, as AWS documents it: a rule's Lambda, SNS and Step Functions targets receive the
events it matches, and another account's events land on a bus only once the bus's policy names that account."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

from imegha_local.faults import FaultRates
from tests.integration.polling import eventually


def put_event(local_cloud, detail_type: str, detail: dict) -> str:
    entries = local_cloud.client("events").put_events(
        Entries=[
            {
                "EventBusName": "probe-bus",
                "Source": "probe.test",
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert entries["FailedEntryCount"] == 0
    return entries["Entries"][0]["EventId"]


def test_a_rules_lambda_target_receives_the_event(local_cloud, probe, records):
    event_id = put_event(local_cloud, "to-lambda", {"deploymentId": "d-1"})

    received = eventually(lambda: records().get(f"probe.test:{event_id}"))
    assert received["detail-type"] == "to-lambda"
    assert received["detail"] == {"deploymentId": "d-1"}
    assert received["account"] == local_cloud.platform.account_id
    datetime.strptime(received["time"], "%Y-%m-%dT%H:%M:%SZ")  # ISO 8601, as EventBridge sends it


def test_another_account_puts_events_on_the_bus_only_once_its_policy_names_that_account(local_cloud, probe, records):
    sender = local_cloud.create_account()
    bus_arn = local_cloud.client("events").describe_event_bus(Name="probe-bus")["Arn"]
    entry = {"EventBusName": bus_arn, "Source": "user.cloud", "DetailType": "to-lambda", "Detail": '{"n": 3}'}

    with pytest.raises(ClientError) as refusal:
        local_cloud.client("events", sender).put_events(Entries=[entry])
    assert refusal.value.response["Error"]["Code"] == "AccessDeniedException"

    local_cloud.client("events").put_permission(
        EventBusName="probe-bus", Action="events:PutEvents", Principal=sender.account_id, StatementId="sender"
    )
    event_id = local_cloud.client("events", sender).put_events(Entries=[entry])["Entries"][0]["EventId"]
    received = eventually(lambda: records().get(f"user.cloud:{event_id}"))
    assert received["account"] == sender.account_id, "the sender's account, not the bus owner's"

    local_cloud.client("events").remove_permission(EventBusName="probe-bus", StatementId="sender")
    with pytest.raises(ClientError):
        local_cloud.client("events", sender).put_events(Entries=[entry])


def test_a_rules_topic_target_publishes_the_event(local_cloud, probe):
    event_id = put_event(local_cloud, "to-topic", {"n": 1})

    sqs = local_cloud.client("sqs")
    messages = eventually(lambda: sqs.receive_message(QueueUrl=probe["QueueUrl"]).get("Messages"))
    delivered = json.loads(messages[0]["Body"])
    assert delivered["id"] == event_id and delivered["detail"] == {"n": 1}


def test_a_rules_state_machine_target_starts_an_execution_with_the_event(local_cloud, probe):
    event_id = put_event(local_cloud, "to-state-machine", {"n": 2})

    sfn = local_cloud.client("stepfunctions")

    def finished():
        runs = sfn.list_executions(stateMachineArn=probe["MachineArn"])["executions"]
        return [sfn.describe_execution(executionArn=run["executionArn"]) for run in runs if run["status"] != "RUNNING"]

    execution = eventually(finished)[0]
    assert json.loads(execution["input"])["id"] == event_id
    assert execution["status"] == "SUCCEEDED", execution.get("error")


def test_under_injected_faults_an_event_reaches_its_lambda_target_twice_or_late_but_it_arrives(
    local_cloud, probe, records, invocations
):
    def recorder_runs() -> int:
        return sum(1 for run in invocations() if "Recorder" in run["function"] and run["source"] == "events")

    faults = local_cloud.faults
    before = recorder_runs()
    try:
        faults.inject(FaultRates(duplicate_events=1.0))
        twice = put_event(local_cloud, "to-lambda", {"deploymentId": "d-twice"})
        assert eventually(lambda: recorder_runs() == before + 2)
        faults.inject(FaultRates(reorder_events=1.0))
        late = put_event(local_cloud, "to-lambda", {"deploymentId": "d-late"})
    finally:
        faults.inject(FaultRates())

    assert records()[f"probe.test:{twice}"]["detail"] == {"deploymentId": "d-twice"}
    assert eventually(lambda: records().get(f"probe.test:{late}"))["detail"] == {"deploymentId": "d-late"}
    assert faults.injected["duplicate_events"] >= 1 and faults.injected["reorder_events"] >= 1
