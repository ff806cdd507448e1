"""Asynchronous invocations that fail, as Lambda handles them: retried twice, then sent to the dead-letter queue."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

from tests.integration.polling import eventually

FAILING = "def handler(event, context):\n    raise RuntimeError('the push service is down')\n"


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def test_a_failing_event_invocation_is_retried_twice_then_lands_in_the_dead_letter_queue(local_cloud, invocations):
    sqs, functions = local_cloud.client("sqs"), local_cloud.client("lambda")
    queue = sqs.create_queue(QueueName="dead-letters")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    role = local_cloud.client("iam").create_role(RoleName="failing-function", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}],
    }))["Role"]
    functions.create_function(FunctionName="always-fails", Runtime="python3.12", Role=role["Arn"],
                              Handler="app.handler", Code={"ZipFile": zipped(FAILING)},
                              DeadLetterConfig={"TargetArn": queue_arn})
    marker = str(uuid.uuid4())

    functions.invoke(FunctionName="always-fails", InvocationType="Event", Payload=json.dumps({"id": marker}))

    (letter,) = eventually(lambda: sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"]).get("Messages"))
    assert json.loads(letter["Body"]) == {"id": marker}
    assert letter["MessageAttributes"]["ErrorMessage"]["StringValue"] == "the push service is down"
    assert {"RequestID", "ErrorCode"} <= set(letter["MessageAttributes"])
    runs = [record for record in invocations() if record["function"] == "always-fails"]
    assert len(runs) == 3 and all(run["outcome"] == "error" for run in runs)


def test_an_event_invocation_that_succeeds_runs_once_and_leaves_nothing_behind(local_cloud, invocations):
    functions = local_cloud.client("lambda")
    role = local_cloud.client("iam").get_role(RoleName="failing-function")["Role"]
    functions.create_function(FunctionName="succeeds", Runtime="python3.12", Role=role["Arn"], Handler="app.handler",
                              Code={"ZipFile": zipped("def handler(event, context):\n    return 'ok'\n")})

    functions.invoke(FunctionName="succeeds", InvocationType="Event", Payload=b"{}")

    assert eventually(lambda: [r for r in invocations() if r["function"] == "succeeds"])
    assert [r["outcome"] for r in invocations() if r["function"] == "succeeds"] == ["ok"]
