"""CloudFormation on the local cloud, as AWS documents it: a nested stack's outputs resolve wherever a template
names them (``Fn::GetAtt Nested.Outputs.X``), in its own outputs and in its resources' properties; a custom
resource is created, updated and deleted by its function, before what it names is deleted; a stack acts as a
service role only if CloudFormation may assume it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from imegha_local.cloud import LocalCloudError


def test_getatt_of_a_nested_stack_output_resolves_in_outputs_and_properties(local_cloud, probe):
    assert probe["NestedGreeting"] == "hello probe"
    answer = json.loads(local_cloud.client("lambda").invoke(FunctionName=probe["WhoAmI"])["Payload"].read())
    assert answer["nested_greeting"] == "hello probe"


# --- Custom resources: their function is asked to create, update and delete them ---------------------------

MARKER = Path(__file__).parent / "custom" / "marker.yaml"


def objects_in(local_cloud, bucket: str) -> set[str]:
    return {entry["Key"] for entry in local_cloud.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_a_custom_resource_is_what_its_function_answers_and_is_updated_and_deleted_through_it(local_cloud):
    created = local_cloud.deploy(MARKER, "marker", {"Name": "first"}).outputs
    assert (created["Marker"], created["Greeting"]) == ("first", "hello first"), "Ref and GetAtt: the answer"
    assert objects_in(local_cloud, created["Bucket"]) == {"first"}

    updated = local_cloud.deploy(MARKER, "marker", {"Name": "second"}).outputs
    assert (updated["Marker"], updated["Greeting"]) == ("second", "hello second")
    assert objects_in(local_cloud, created["Bucket"]) == {"second"}, "a new physical id: the old one is deleted"

    local_cloud.client("cloudformation").delete_stack(StackName="marker")
    buckets = [bucket["Name"] for bucket in local_cloud.client("s3").list_buckets()["Buckets"]]
    assert created["Bucket"] not in buckets, "the resource was deleted (its object with it) before its bucket"


def test_a_custom_resource_its_function_refuses_fails_the_stack_with_the_functions_reason(local_cloud):
    with pytest.raises(LocalCloudError) as failed:
        local_cloud.deploy(MARKER, "refused-marker", {"Name": "never", "Refuse": "Create"})

    assert "ROLLBACK_COMPLETE" in str(failed.value)
    assert "Marker (Custom::Marker): Marker: told to refuse to create never" in str(failed.value)


# --- A stack's service role: CloudFormation must be able to assume it -------------------------------------


def trusting_cloudformation(local_cloud, name: str, source_account: str) -> str:
    return local_cloud.client("iam").create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudformation.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": source_account}},
                    }
                ],
            }
        ),
    )["Role"]["Arn"]


def test_a_stack_is_created_only_as_a_service_role_cloudformation_may_assume_for_its_account(local_cloud, tmp_path):
    account = local_cloud.platform.account_id
    template = tmp_path / "empty.yaml"
    template.write_text("Resources:\n  Nothing:\n    Type: AWS::SNS::Topic\n")
    ours = trusting_cloudformation(local_cloud, "stacks-here", account)
    elsewhere = trusting_cloudformation(local_cloud, "stacks-elsewhere", "999999999999")
    cloudformation = local_cloud.client("cloudformation")
    body = template.read_text()

    for refused in (elsewhere, f"arn:aws:iam::{account}:role/no-such-role"):
        with pytest.raises(ClientError) as refusal:
            cloudformation.create_stack(StackName="as-a-role", TemplateBody=body, RoleARN=refused)
        assert refusal.value.response["Error"]["Message"] == f"Role {refused} is invalid or cannot be assumed"
    cloudformation.create_stack(StackName="as-a-role", TemplateBody=body, RoleARN=ours)
    assert cloudformation.describe_stacks(StackName="as-a-role")["Stacks"][0]["RoleARN"] == ours


def test_a_resource_whose_condition_is_false_is_not_in_the_stack_and_hides_none_after_it(local_cloud):
    body = (
        "Conditions:\n  Never: !Equals [a, b]\n"
        "Resources:\n  Skipped:\n    Type: AWS::SNS::Topic\n    Condition: Never\n"
        "  Kept:\n    Type: AWS::SNS::Topic\n"
    )
    cloudformation = local_cloud.client("cloudformation")
    cloudformation.create_stack(StackName="conditioned", TemplateBody=body)

    kept = cloudformation.describe_stack_resource(StackName="conditioned", LogicalResourceId="Kept")
    assert kept["StackResourceDetail"]["PhysicalResourceId"].startswith("arn:aws:sns:")
    listed = cloudformation.describe_stack_resources(StackName="conditioned")["StackResources"]
    assert [resource["LogicalResourceId"] for resource in listed] == ["Kept"]
