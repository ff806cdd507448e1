"""STS on the local cloud, as AWS documents it: a role is assumed only as its trust policy allows, its
``sts:ExternalId`` condition included (the confused-deputy defence of cross-account deployment)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from imegha_local.cloud import Account


@pytest.fixture(scope="module")
def deployment_role(local_cloud, other_account) -> str:
    """A role in another account that the platform may assume with one ExternalId only (the bootstrap's shape)."""
    return local_cloud.client("iam", other_account).create_role(
        RoleName="deployment",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{local_cloud.platform.account_id}:root"},
                        "Condition": {"StringEquals": {"sts:ExternalId": "imegha-right"}},
                    }
                ],
            }
        ),
    )["Role"]["Arn"]


@pytest.mark.parametrize("external_id", ["imegha-wrong", None], ids=["wrong", "missing"])
def test_assume_role_without_the_right_external_id_is_denied(local_cloud, deployment_role, external_id):
    extra = {"ExternalId": external_id} if external_id else {}
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("sts").assume_role(RoleArn=deployment_role, RoleSessionName="deploy", **extra)
    assert refusal.value.response["Error"]["Code"] == "AccessDenied"


def test_assume_role_with_the_right_external_id_acts_in_the_other_account(local_cloud, deployment_role, other_account):
    credentials = local_cloud.client("sts").assume_role(
        RoleArn=deployment_role, RoleSessionName="deploy", ExternalId="imegha-right"
    )["Credentials"]
    session = Account(
        other_account.account_id,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )

    identity = session.client("sts", local_cloud.endpoint_url).get_caller_identity()
    assert identity["Account"] == other_account.account_id
    assert identity["Arn"].endswith(":assumed-role/deployment/deploy")


def test_a_principal_the_trust_policy_does_not_name_is_denied_even_with_the_external_id(local_cloud, deployment_role):
    stranger = local_cloud.create_account()
    with pytest.raises(ClientError) as refusal:
        local_cloud.client("sts", stranger).assume_role(
            RoleArn=deployment_role, RoleSessionName="deploy", ExternalId="imegha-right"
        )
    assert refusal.value.response["Error"]["Code"] == "AccessDenied"
