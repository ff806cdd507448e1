"""The probe stack's functions: each shows, from inside a Lambda, what the local cloud gave it."""

import json
import os

import boto3
import probe_layer


def whoami(event, context):
    """Who this function runs as, and what its template and layer gave it."""
    identity = boto3.client("sts").get_caller_identity()
    return {
        "account": identity["Account"],
        "arn": identity["Arn"],
        "setting": os.environ.get("PROBE_SETTING"),
        "nested_greeting": os.environ.get("NESTED_GREETING"),
        "layer": probe_layer.MARK,
        "event": event,
    }


def record(event, context):
    """Keep what arrived, keyed by its source and id, for the test to read; return it (as a Cognito trigger must)."""
    source = event.get("triggerSource") or event.get("source") or "direct"
    key = event.get("id") or event.get("userName") or context.aws_request_id
    table = boto3.resource("dynamodb").Table(os.environ["RECORDS_TABLE"])
    table.put_item(Item={"id": f"{source}:{key}", "event": json.dumps(event)})
    return event


def gatekeeper(event, context):
    """A PreSignUp trigger: only example.org addresses may sign up."""
    email = event["request"]["userAttributes"].get("email", "")
    if not email.endswith("@example.org"):
        raise ValueError(f"{email} may not sign up here")
    return event
