"""IAM on the local cloud, as AWS documents it for the sessions that matter most: a role another account assumes can
do only what its policies could allow, and no more than its permissions boundary could."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from imegha_local.cloud import Account, assume_deployment_role


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def held(local_cloud, other_account) -> Account:
    """The platform's session in another account, as a role that may read one bucket's objects and list tables,
    within a boundary that allows the objects only."""
    iam, s3 = local_cloud.client("iam", other_account), local_cloud.client("s3", other_account)
    s3.create_bucket(Bucket="held-readable")
    s3.put_object(Bucket="held-readable", Key="note", Body=b"readable")
    boundary = iam.create_policy(
        PolicyName="held-boundary",
        PolicyDocument=document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::held-*/*"}),
    )["Policy"]["Arn"]
    iam.create_role(
        RoleName="held",
        PermissionsBoundary=boundary,
        AssumeRolePolicyDocument=document(
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{local_cloud.platform.account_id}:root"},
            }
        ),
    )
    iam.put_role_policy(
        RoleName="held",
        PolicyName="grant",
        PolicyDocument=document(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::held-readable/*"},
            {"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"},
        ),
    )
    role = f"arn:aws:iam::{other_account.account_id}:role/held"
    return assume_deployment_role(local_cloud.endpoint_url, local_cloud.platform, role, None)


def refused(call) -> str:
    with pytest.raises(ClientError) as refusal:
        call()
    return refusal.value.response["Error"]["Code"]


def test_what_the_roles_policies_and_boundary_allow_goes_through(local_cloud, held):
    s3 = held.client("s3", local_cloud.endpoint_url)

    assert s3.get_object(Bucket="held-readable", Key="note")["Body"].read() == b"readable"
    assert held.client("sts", local_cloud.endpoint_url).get_caller_identity()["Account"] == held.account_id


def test_what_no_policy_of_the_role_allows_is_refused(local_cloud, held, other_account):
    s3 = held.client("s3", local_cloud.endpoint_url)

    assert refused(lambda: s3.put_object(Bucket="held-readable", Key="note", Body=b"overwritten")) == "AccessDenied"
    assert refused(lambda: s3.get_object(Bucket="held-elsewhere", Key="note")) == "AccessDenied"
    assert refused(lambda: held.client("kms", local_cloud.endpoint_url).list_keys()) == "AccessDeniedException"
    owner = local_cloud.client("s3", other_account)  # the account's own administrator: nothing was overwritten
    assert owner.get_object(Bucket="held-readable", Key="note")["Body"].read() == b"readable"


def test_what_the_role_is_granted_but_its_boundary_does_not_allow_is_refused(local_cloud, held):
    dynamodb = held.client("dynamodb", local_cloud.endpoint_url)

    assert refused(dynamodb.list_tables) == "AccessDeniedException"
