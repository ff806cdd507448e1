"""The bootstrap role a user launches: who may assume it, and what its boundary lets anything in the user's cloud do."""

import copy

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows, substitute

USER_ACCOUNT = "222222222222"
PLATFORM_ACCOUNT = "111111111111"
REGION = "eu-west-1"
BUS = f"arn:aws:events:us-east-1:{PLATFORM_ACCOUNT}:event-bus/imegha-platform"
VARIABLES = {
    "AWS::AccountId": USER_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "PlatformAccountId": PLATFORM_ACCOUNT,
    "ExternalId": "imegha-0f8fad5b-d9cb-469f-a165-70867728950e",
    "PlatformEventBusArn": BUS,
    "DeploymentBoundary": f"arn:aws:iam::{USER_ACCOUNT}:policy/imegha-deployment-boundary-{REGION}",
}
BOUNDARY_ARN = VARIABLES["DeploymentBoundary"]
DEPLOYMENT_ROLE = f"arn:aws:iam::{USER_ACCOUNT}:role/imegha-deployment-{REGION}"

# What no boundary of ours may ever allow, whatever the grant.
FORBIDDEN = [
    Request("iam:CreateUser", f"arn:aws:iam::{USER_ACCOUNT}:user/backdoor"),
    Request("iam:CreateGroup", f"arn:aws:iam::{USER_ACCOUNT}:group/admins"),
    Request("iam:CreateAccessKey", f"arn:aws:iam::{USER_ACCOUNT}:user/alice"),
    Request("iam:UpdateAccessKey", f"arn:aws:iam::{USER_ACCOUNT}:user/alice"),
    Request("iam:CreateLoginProfile", f"arn:aws:iam::{USER_ACCOUNT}:user/alice"),
    Request("iam:UpdateAssumeRolePolicy", DEPLOYMENT_ROLE),
    Request("iam:PutRolePolicy", DEPLOYMENT_ROLE, {"iam:PermissionsBoundary": BOUNDARY_ARN}),
    Request("iam:DeleteRolePermissionsBoundary", DEPLOYMENT_ROLE),
    Request("iam:CreatePolicyVersion", BOUNDARY_ARN),
    Request("iam:CreateRole", f"arn:aws:iam::{USER_ACCOUNT}:role/imegha-escape"),
    Request("iam:CreateRole", f"arn:aws:iam::{USER_ACCOUNT}:role/admin", {"iam:PermissionsBoundary": BOUNDARY_ARN}),
    Request("ec2:RunInstances", f"arn:aws:ec2:{REGION}:{USER_ACCOUNT}:instance/*"),
    Request("organizations:LeaveOrganization", "*"),
    Request("s3:GetObject", "arn:aws:s3:::someone-elses-bucket/secret"),
    Request("events:PutEvents", "arn:aws:events:us-east-1:999999999999:event-bus/elsewhere"),
]

NEEDED = [
    Request("cloudformation:CreateStack", f"arn:aws:cloudformation:{REGION}:{USER_ACCOUNT}:stack/imegha-cloud/abc"),
    Request("s3:CreateBucket", "arn:aws:s3:::imegha-cloud-storage-1a2b3c"),
    Request("s3:PutObject", "arn:aws:s3:::imegha-cloud-storage-1a2b3c/objects/0001"),
    Request("dynamodb:CreateTable", f"arn:aws:dynamodb:{REGION}:{USER_ACCOUNT}:table/imegha-cloud-Database-XYZ"),
    Request("lambda:CreateFunction", f"arn:aws:lambda:{REGION}:{USER_ACCOUNT}:function:imegha-cloud-Storage-Fn"),
    Request(
        "iam:CreateRole",
        f"arn:aws:iam::{USER_ACCOUNT}:role/imegha-cloud-StorageRole",
        {"iam:PermissionsBoundary": BOUNDARY_ARN},
    ),
    Request("iam:PassRole", f"arn:aws:iam::{USER_ACCOUNT}:role/imegha-cloud-StorageRole"),
    Request("kms:CreateKey", "*"),
    Request("events:PutEvents", BUS),
    # Deploying reads the release the platform published (templates and code in its imegha-* bucket) ...
    Request("s3:GetObject", f"arn:aws:s3:::imegha-dev-artifacts-{PLATFORM_ACCOUNT}-us-east-1/user-cloud/0a1b.zip"),
    # ... and destroying empties the cloud's versioned bucket before CloudFormation deletes it.
    Request("s3:ListBucketVersions", "arn:aws:s3:::imegha-user-cloud-storagestack-1a2b-filesbucket-3c4d"),
    Request("s3:DeleteObjectVersion", "arn:aws:s3:::imegha-user-cloud-storagestack-1a2b-filesbucket-3c4d/f/1"),
    Request(
        "cloudformation:DescribeStackEvents",
        f"arn:aws:cloudformation:{REGION}:{USER_ACCOUNT}:stack/imegha-user-cloud/abc",
    ),
    # The user cloud's templates are SAM templates: CloudFormation transforms them only for a caller allowed this.
    Request("cloudformation:CreateChangeSet", f"arn:aws:cloudformation:{REGION}:aws:transform/Serverless-2016-10-31"),
]


@pytest.fixture(scope="module")
def template():
    return substitute(load_template(ROOT / "user-cloud" / "bootstrap-role.yaml"), VARIABLES)


def boundary_violations(policy: dict) -> list[Request]:
    return [request for request in FORBIDDEN if allows(policy, request)]


def test_the_boundary_allows_nothing_forbidden(template):
    assert boundary_violations(template["Resources"]["DeploymentBoundary"]["Properties"]["PolicyDocument"]) == []


def test_the_boundary_allows_what_a_user_cloud_needs(template):
    policy = template["Resources"]["DeploymentBoundary"]["Properties"]["PolicyDocument"]

    assert [request for request in NEEDED if not allows(policy, request)] == []


def test_a_boundary_that_would_allow_creating_users_is_caught(template):
    loosened = copy.deepcopy(template["Resources"]["DeploymentBoundary"]["Properties"]["PolicyDocument"])
    loosened["Statement"] = [s for s in loosened["Statement"] if s.get("Sid") != "NeverUsersGroupsOrCredentials"]
    loosened["Statement"].append({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"})

    assert Request("iam:CreateUser", f"arn:aws:iam::{USER_ACCOUNT}:user/backdoor") in boundary_violations(loosened)


def test_only_the_platform_account_with_this_users_external_id_may_assume_the_role(template):
    role = template["Resources"]["DeploymentRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]

    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT}:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": VARIABLES["ExternalId"]}}
    assert role["MaxSessionDuration"] == 3600
    assert role["PermissionsBoundary"] == BOUNDARY_ARN


def test_the_deployment_role_carries_no_other_grant(template):
    role = template["Resources"]["DeploymentRole"]["Properties"]

    assert role["ManagedPolicyArns"] == [BOUNDARY_ARN]
    assert "Policies" not in role
