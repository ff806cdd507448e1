"""What the platform can do in a user's account, on the local cloud: as the deployment role the user launched, it may
follow its stack; it is refused the cloud's table and bucket, its key, its API, its functions and its roles.

The local cloud holds a role another account assumes to its policies within its boundary
(``imegha_local.shims.iam``), so these refusals are the bootstrap stack's own, as IAM would make them; what the
local cloud cannot show (conditions, CloudFormation acting as its role) the unit tests of the policies do.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from imegha_local.cloud import USER_CLOUD_STACK, assume_deployment_role


@pytest.fixture(scope="module")
def cloud(local_cloud, platform):
    cloud = local_cloud.deploy_user_cloud(owner="reached-user")
    owner = local_cloud.client("s3", cloud.account)
    owner.put_object(Bucket=cloud.stack.outputs["BucketName"], Key="files/1/0001", Body=b"ciphertext")
    return cloud


@pytest.fixture(scope="module")
def as_platform(local_cloud, cloud):
    """A client in the user's account as the platform's session there (AssumeRole with the user's ExternalId)."""
    session = assume_deployment_role(local_cloud.endpoint_url, local_cloud.platform, cloud.role_arn, cloud.external_id)
    return lambda service: session.client(service, local_cloud.endpoint_url)


@pytest.fixture(scope="module")
def theirs(local_cloud, cloud) -> dict[str, str]:
    """The cloud's key, API, one function and one role, as the user's own administrator sees them."""
    as_owner = lambda service: local_cloud.client(service, cloud.account)  # noqa: E731 - a name for one lookup each
    return {
        "key": as_owner("kms").list_keys()["Keys"][0]["KeyId"],
        "api": as_owner("apigatewayv2").get_apis()["Items"][0]["ApiId"],
        "function": as_owner("lambda").list_functions()["Functions"][0]["FunctionName"],
        "role": next(
            role["RoleName"]
            for role in as_owner("iam").list_roles()["Roles"]
            if role["RoleName"].startswith("imegha-user-cloud-")
        ),
    }


TRUSTS_ANOTHER_ACCOUNT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}
        ],
    }
)
KEY = {"pk": {"S": "audit"}, "sk": {"S": "0001"}}
REFUSED = {
    "read an item of the table": ("dynamodb", lambda c, o, t: c.get_item(TableName=o["TableName"], Key=KEY)),
    "write to the audit log": ("dynamodb", lambda c, o, t: c.put_item(TableName=o["TableName"], Item=KEY)),
    "scan the table": ("dynamodb", lambda c, o, t: c.scan(TableName=o["TableName"])),
    "delete the table": ("dynamodb", lambda c, o, t: c.delete_table(TableName=o["TableName"])),
    "list the bucket's versions": ("s3", lambda c, o, t: c.list_object_versions(Bucket=o["BucketName"])),
    "read an object": ("s3", lambda c, o, t: c.get_object(Bucket=o["BucketName"], Key="files/1/0001")),
    "write an object": ("s3", lambda c, o, t: c.put_object(Bucket=o["BucketName"], Key="files/1/0001", Body=b"x")),
    "delete an object": ("s3", lambda c, o, t: c.delete_object(Bucket=o["BucketName"], Key="files/1/0001")),
    "use the cloud's key": ("kms", lambda c, o, t: c.encrypt(KeyId=t["key"], Plaintext=b"x")),
    "schedule the key's deletion": ("kms", lambda c, o, t: c.schedule_key_deletion(KeyId=t["key"])),
    "read the cloud's API": ("apigatewayv2", lambda c, o, t: c.get_api(ApiId=t["api"])),
    "delete the cloud's API": ("apigatewayv2", lambda c, o, t: c.delete_api(ApiId=t["api"])),
    "invoke a function of the cloud": ("lambda", lambda c, o, t: c.invoke(FunctionName=t["function"])),
    "create a role that trusts another account": (
        "iam",
        lambda c, o, t: c.create_role(RoleName="imegha-backdoor", AssumeRolePolicyDocument=TRUSTS_ANOTHER_ACCOUNT),
    ),
    "widen a role's trust": (
        "iam",
        lambda c, o, t: c.update_assume_role_policy(RoleName=t["role"], PolicyDocument=TRUSTS_ANOTHER_ACCOUNT),
    ),
}


def test_the_platform_may_follow_its_stack_in_the_users_account(as_platform):
    (stack,) = as_platform("cloudformation").describe_stacks(StackName=USER_CLOUD_STACK)["Stacks"]

    assert stack["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("service, call", REFUSED.values(), ids=REFUSED.keys())
def test_the_platform_may_not(as_platform, cloud, theirs, service, call):
    with pytest.raises(ClientError) as refusal:
        call(as_platform(service), cloud.stack.outputs, theirs)

    assert refusal.value.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"), refusal.value.response


def test_what_the_platform_was_refused_is_as_it_was(local_cloud, cloud, theirs):
    as_owner = lambda service: local_cloud.client(service, cloud.account)  # noqa: E731
    outputs = cloud.stack.outputs

    assert as_owner("s3").get_object(Bucket=outputs["BucketName"], Key="files/1/0001")["Body"].read() == b"ciphertext"
    assert as_owner("dynamodb").scan(TableName=outputs["TableName"])["Count"] == 0
    assert as_owner("kms").describe_key(KeyId=theirs["key"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert as_owner("apigatewayv2").get_api(ApiId=theirs["api"])["ApiId"] == theirs["api"]
    assert "imegha-backdoor" not in [role["RoleName"] for role in as_owner("iam").list_roles()["Roles"]]
