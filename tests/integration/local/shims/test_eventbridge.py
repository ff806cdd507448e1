"""EventBridge on the local cloud, as AWS documents it: a rule's Lambda, SNS and Step Functions targets receive the
events it matches, and another account's events land on a bus only once the bus's policy names that account."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

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
