"""Lambda on the local cloud, as AWS documents it: a function runs its own code, with its template's environment,
layer and role; ``Event`` invocations run in the background and, failing, are retried twice and then dead-lettered."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.integration.polling import eventually

FAILING = "def handler(event, context):\n    raise RuntimeError('the push service is down')\n"


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def test_invoke_runs_the_handler_from_its_code_uri_with_its_environment_layer_and_role(local_cloud, probe):
    answer = local_cloud.client("lambda").invoke(FunctionName=probe["WhoAmI"], Payload=b'{"hello": "world"}')

    result = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer
    assert result["event"] == {"hello": "world"}
    assert result["setting"] == "set by the template"
    assert result["layer"] == "from the probe layer"
    assert result["account"] == local_cloud.platform.account_id
    assert ":assumed-role/" in result["arn"] and "WhoAmIRole" in result["arn"]


def test_an_event_invocation_returns_at_once_and_runs_in_the_background(local_cloud, records):
    functions = local_cloud.client("lambda")
    recorder = next(
        f["FunctionName"] for f in functions.list_functions()["Functions"] if "Recorder" in f["FunctionName"]
    )
    marker = str(uuid.uuid4())

    answer = functions.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps({"id": marker}))

    assert answer["StatusCode"] == 202
    assert eventually(lambda: f"direct:{marker}" in records())


def test_a_function_whose_role_lambda_cannot_assume_is_refused(local_cloud, probe):
    role = local_cloud.client("iam").create_role(
        RoleName="not-for-lambda",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}
                ],
            }
        ),
    )["Role"]
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("lambda").create_function(
            FunctionName="wrong-role",
            Runtime="python3.12",
            Role=role["Arn"],
            Handler="app.whoami",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
    assert refusal.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "cannot be assumed by Lambda" in refusal.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def lambda_role(local_cloud) -> dict:
    """A role Lambda may assume, for the functions the invocation tests make (each test may run first)."""
    return local_cloud.client("iam").create_role(
        RoleName="event-invoked-function",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
                ],
            }
        ),
    )["Role"]


def test_a_failing_event_invocation_is_retried_twice_then_lands_in_the_dead_letter_queue(
    local_cloud, invocations, lambda_role
):
    sqs, functions = local_cloud.client("sqs"), local_cloud.client("lambda")
    queue = sqs.create_queue(QueueName="dead-letters")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    functions.create_function(
        FunctionName="always-fails",
        Runtime="python3.12",
        Role=lambda_role["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zipped(FAILING)},
        DeadLetterConfig={"TargetArn": queue_arn},
    )
    marker = str(uuid.uuid4())

    functions.invoke(FunctionName="always-fails", InvocationType="Event", Payload=json.dumps({"id": marker}))

    (letter,) = eventually(lambda: sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"]).get("Messages"))
    assert json.loads(letter["Body"]) == {"id": marker}
    assert letter["MessageAttributes"]["ErrorMessage"]["StringValue"] == "the push service is down"
    assert {"RequestID", "ErrorCode"} <= set(letter["MessageAttributes"])
    runs = [record for record in invocations() if record["function"] == "always-fails"]
    assert len(runs) == 3 and all(run["outcome"] == "error" for run in runs)


def test_an_event_invocation_that_succeeds_runs_once_and_leaves_nothing_behind(local_cloud, invocations, lambda_role):
    functions = local_cloud.client("lambda")
    functions.create_function(
        FunctionName="succeeds",
        Runtime="python3.12",
        Role=lambda_role["Arn"],
        Handler="app.handler",
        Code={"ZipFile": zipped("def handler(event, context):\n    return 'ok'\n")},
    )

    functions.invoke(FunctionName="succeeds", InvocationType="Event", Payload=b"{}")

    assert eventually(lambda: [r for r in invocations() if r["function"] == "succeeds"])
    assert [r["outcome"] for r in invocations() if r["function"] == "succeeds"] == ["ok"]


def test_a_function_reads_its_code_only_from_a_bucket_in_its_own_region(local_cloud, lambda_role):
    """AWS: 'S3 Error Code: PermanentRedirect' for code in another region's bucket; why the platform publishes each
    release to a bucket in every region users' clouds may stand in."""
    frankfurt = "eu-central-1"
    s3 = local_cloud.platform.client("s3", local_cloud.endpoint_url, frankfurt)
    s3.create_bucket(Bucket="imegha-code-in-frankfurt", CreateBucketConfiguration={"LocationConstraint": frankfurt})
    s3.put_object(Bucket="imegha-code-in-frankfurt", Key="app.zip", Body=zipped(FAILING))
    code = {"S3Bucket": "imegha-code-in-frankfurt", "S3Key": "app.zip"}
    made = {"Runtime": "python3.12", "Role": lambda_role["Arn"], "Handler": "app.handler", "Code": code}

    with pytest.raises(ClientError) as refusal:
        local_cloud.client("lambda").create_function(FunctionName="code-elsewhere", **made)
    with pytest.raises(ClientError) as layer_refusal:
        local_cloud.client("lambda").publish_layer_version(LayerName="code-elsewhere", Content=code)
    in_frankfurt = local_cloud.platform.client("lambda", local_cloud.endpoint_url, frankfurt)

    assert refusal.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "PermanentRedirect" in refusal.value.response["Error"]["Message"]
    assert frankfurt in refusal.value.response["Error"]["Message"]
    assert "PermanentRedirect" in layer_refusal.value.response["Error"]["Message"]
    assert in_frankfurt.create_function(FunctionName="code-at-home", **made)["FunctionName"] == "code-at-home"
