"""The bootstrap stack a user launches: who may assume its roles, and what each may do in the user's account.

Three kinds of principal act there, each evaluated as IAM would (its grants within its boundary):

- the deployment role, the platform's only way in, may ask CloudFormation to deploy the ``imegha-user-cloud``
  stack as CloudFormation's role, and read how that went; it reaches nothing in the cloud;
- CloudFormation's role builds what is named or tagged as iMegha's and reads none of its data;
- the cloud's own roles, under the cloud boundary, may reach its data and build nothing.
"""

from __future__ import annotations

import copy

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows, role_allows, substitute

USER_ACCOUNT = "222222222222"
PLATFORM_ACCOUNT = "111111111111"
OTHER_ACCOUNT = "999999999999"
REGION = "eu-west-1"  # where the user launched the bootstrap stack, and their cloud stands
PLATFORM_REGION = "us-east-1"
OTHER_REGION = "ap-south-1"
DOORBELL = f"arn:aws:execute-api:{PLATFORM_REGION}:{PLATFORM_ACCOUNT}:d00rbe11/prod/POST/doorbell"
IAM = f"arn:aws:iam::{USER_ACCOUNT}"
DEPLOYMENT_BOUNDARY = f"{IAM}:policy/imegha-deployment-boundary-{REGION}"
CLOUD_BOUNDARY = f"{IAM}:policy/imegha-cloud-boundary-{REGION}"
DEPLOYMENT_ROLE = f"{IAM}:role/imegha-deployment-{REGION}"
CLOUDFORMATION_ROLE = f"{IAM}:role/imegha-deployment-cloudformation-{REGION}"
VARIABLES = {
    "AWS::AccountId": USER_ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "PlatformAccountId": PLATFORM_ACCOUNT,
    "PlatformRegion": PLATFORM_REGION,
    "ExternalId": "imegha-0f8fad5b-d9cb-469f-a165-70867728950e",
    "DeploymentBoundary": DEPLOYMENT_BOUNDARY,
    "CloudBoundary": CLOUD_BOUNDARY,
    "CloudFormationRole.Arn": CLOUDFORMATION_ROLE,
    "DeploymentRole.Arn": DEPLOYMENT_ROLE,
}

# The user's cloud, as CloudFormation names its resources, and what is not iMegha's in the same account.
STACK = f"arn:aws:cloudformation:{REGION}:{USER_ACCOUNT}:stack/imegha-user-cloud/0f8fad5b"
NESTED_STACK = f"arn:aws:cloudformation:{REGION}:{USER_ACCOUNT}:stack/imegha-user-cloud-StorageStack-1A2B/5c6d"
TRANSFORM = f"arn:aws:cloudformation:{REGION}:aws:transform/Serverless-2016-10-31"
TABLE = f"arn:aws:dynamodb:{REGION}:{USER_ACCOUNT}:table/imegha-user-cloud-DatabaseStack-1A-CloudTable-2B"
BUCKET = "arn:aws:s3:::imegha-user-cloud-storagestack-1a2b-filesbucket-3c4d"
RELEASE = f"arn:aws:s3:::imegha-dev-artifacts-{PLATFORM_ACCOUNT}-{REGION}/user-cloud/0a1b.zip"
KEY = f"arn:aws:kms:{REGION}:{USER_ACCOUNT}:key/0f8fad5b-d9cb-469f-a165-70867728950e"
API = f"arn:aws:apigateway:{REGION}::/apis/a1b2c3"
FUNCTION_ROLE = f"{IAM}:role/imegha-user-cloud-StorageServiceStack-1A-StorageFunctionRole-2B"
FUNCTION = f"arn:aws:lambda:{REGION}:{USER_ACCOUNT}:function:imegha-user-cloud-StorageServiceStack-1A-Storage-2B"
EMPTIER = f"arn:aws:lambda:{REGION}:{USER_ACCOUNT}:function:imegha-user-cloud-StorageStack-1A2B-bucket-emptier"
OURS = {"aws:ResourceTag/imegha": "user-cloud"}
IN_THE_ACCOUNT = {"aws:ResourceAccount": USER_ACCOUNT}
# All IAM sees of a CreateRole at its best: the boundary and the tag. It never sees the trust policy, so a role that
# trusts another account is asked for with this context, and refused or allowed with it.
AS_ROLES_ARE_MADE = {"iam:PermissionsBoundary": CLOUD_BOUNDARY, "aws:RequestTag/imegha": "user-cloud"}


@pytest.fixture(scope="module")
def template() -> dict:
    return substitute(load_template(ROOT / "user-cloud" / "bootstrap-role.yaml"), VARIABLES)


def policy(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]["PolicyDocument"]


def role(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]


def asked_in(region: str, request: Request) -> Request:
    """The request as AWS evaluates it: through ``region``'s endpoint (``aws:RequestedRegion``, which every request
    carries)."""
    return Request(request.action, request.resource, {"aws:RequestedRegion": region} | request.context)


def may(template: dict, role_name: str, request: Request) -> bool:
    """Whether the role may make the request (asked in the cloud's region unless it says otherwise): its inline
    policies and managed grants, within its boundary."""
    request = asked_in(REGION, request)
    properties = role(template, role_name)
    managed = {
        DEPLOYMENT_BOUNDARY: policy(template, "DeploymentBoundary"),
        CLOUD_BOUNDARY: policy(template, "CloudBoundary"),
    }
    grants = [inline["PolicyDocument"] for inline in properties.get("Policies", [])]
    grants += [managed[arn] for arn in properties.get("ManagedPolicyArns", [])]
    return role_allows(grants, managed[properties["PermissionsBoundary"]], request)


# --- The platform's deployment role --------------------------------------------------------------------------

DEPLOY_NEEDS = {
    "create the stack": Request("cloudformation:CreateStack", STACK),
    "update it": Request("cloudformation:UpdateStack", STACK),
    "delete it": Request("cloudformation:DeleteStack", STACK),
    "follow it": Request("cloudformation:DescribeStacks", STACK),
    "read why it failed": Request("cloudformation:DescribeStackEvents", STACK),
    "read why a nested stack failed": Request("cloudformation:DescribeStackEvents", NESTED_STACK),
    "run the SAM transform": Request("cloudformation:CreateChangeSet", TRANSFORM),
    "read the published template": Request("s3:GetObject", RELEASE, {"aws:ResourceAccount": PLATFORM_ACCOUNT}),
    "hand CloudFormation its role": Request(
        "iam:PassRole", CLOUDFORMATION_ROLE, {"iam:PassedToService": "cloudformation.amazonaws.com"}
    ),
}

PLATFORM_REFUSED = {
    "read an item of the table": Request("dynamodb:GetItem", TABLE),
    "write an item (the audit log's) to the table": Request("dynamodb:PutItem", TABLE),
    "scan the table": Request("dynamodb:Scan", TABLE),
    "delete the table": Request("dynamodb:DeleteTable", TABLE),
    "read an object of the bucket": Request("s3:GetObject", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "read a file's replaced version": Request("s3:GetObjectVersion", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "write an object to the bucket": Request("s3:PutObject", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "delete an object version": Request("s3:DeleteObjectVersion", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "list the bucket": Request("s3:ListBucketVersions", BUCKET, IN_THE_ACCOUNT),
    "decrypt with the cloud's key": Request(
        "kms:Decrypt", KEY, OURS | {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    ),
    "decrypt with a key that is not iMegha's": Request("kms:Decrypt", KEY),
    "delete a key that is not iMegha's": Request("kms:ScheduleKeyDeletion", KEY),
    "rewrite a key's policy": Request("kms:PutKeyPolicy", KEY, OURS),
    "touch an API that is not iMegha's": Request("apigateway:DELETE", API),
    "change the cloud's API": Request("apigateway:PATCH", API, OURS),
    "create a role that trusts another account": Request("iam:CreateRole", f"{IAM}:role/imegha-x", AS_ROLES_ARE_MADE),
    "create a role without the boundary": Request("iam:CreateRole", f"{IAM}:role/imegha-x"),
    "widen a role's trust": Request("iam:UpdateAssumeRolePolicy", FUNCTION_ROLE),
    "give a role a policy": Request("iam:PutRolePolicy", FUNCTION_ROLE, {"iam:PermissionsBoundary": CLOUD_BOUNDARY}),
    "pass CloudFormation's role to another service": Request(
        "iam:PassRole", CLOUDFORMATION_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}
    ),
    "pass a function's role": Request(
        "iam:PassRole", FUNCTION_ROLE, OURS | {"iam:PassedToService": "lambda.amazonaws.com"}
    ),
    "invoke a function of the cloud": Request("lambda:InvokeFunction", FUNCTION),
    "change a function's code": Request("lambda:UpdateFunctionCode", FUNCTION),
    "deploy another stack": Request(
        "cloudformation:CreateStack", f"arn:aws:cloudformation:{REGION}:{USER_ACCOUNT}:stack/other/1"
    ),
    "deploy a nested stack directly": Request("cloudformation:UpdateStack", NESTED_STACK),
    "import resources through a change set": Request("cloudformation:CreateChangeSet", STACK),
    "read another account's bucket of that name": Request(
        "s3:GetObject", RELEASE, {"aws:ResourceAccount": OTHER_ACCOUNT}
    ),
    "create a user": Request("iam:CreateUser", f"{IAM}:user/backdoor"),
}


def test_only_the_platform_account_with_this_users_external_id_may_assume_the_deployment_role(template):
    properties = role(template, "DeploymentRole")
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]

    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{PLATFORM_ACCOUNT}:root"}
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": VARIABLES["ExternalId"]}}
    assert properties["MaxSessionDuration"] == 3600
    assert properties["PermissionsBoundary"] == DEPLOYMENT_BOUNDARY
    assert "ManagedPolicyArns" not in properties


# --- CloudFormation's role ---------------------------------------------------------------------------------

BUILDS = {
    "nested stacks": Request("cloudformation:CreateStack", NESTED_STACK),
    "a table": Request("dynamodb:CreateTable", TABLE),
    "a bucket": Request("s3:CreateBucket", BUCKET),
    "a bucket's TLS-only policy": Request("s3:PutBucketPolicy", BUCKET),
    "a key, tagged as iMegha's": Request("kms:CreateKey", "*", {"aws:RequestTag/imegha": "user-cloud"}),
    "the tag, as the key is made": Request("kms:TagResource", KEY, {"aws:RequestTag/imegha": "user-cloud"}),
    "rotation of the key": Request("kms:EnableKeyRotation", KEY, OURS),
    "the key's deletion": Request("kms:ScheduleKeyDeletion", KEY, OURS),
    "the key's alias": Request("kms:CreateAlias", f"arn:aws:kms:{REGION}:{USER_ACCOUNT}:alias/imegha-user-cloud"),
    "the alias's key": Request("kms:CreateAlias", KEY, OURS),
    "the table's grant on the key": Request("kms:CreateGrant", KEY, OURS | {"kms:GrantIsForAWSResource": "true"}),
    "an HTTP API, tagged": Request(
        "apigateway:POST", f"arn:aws:apigateway:{REGION}::/apis", {"aws:RequestTag/imegha": "user-cloud"}
    ),
    "its routes": Request("apigateway:POST", f"{API}/routes", OURS),
    "a function role, with the cloud boundary and the tag": Request(
        "iam:CreateRole",
        FUNCTION_ROLE,
        {"iam:PermissionsBoundary": CLOUD_BOUNDARY, "aws:RequestTag/imegha": "user-cloud"},
    ),
    "its policy": Request("iam:PutRolePolicy", FUNCTION_ROLE, {"iam:PermissionsBoundary": CLOUD_BOUNDARY}),
    "a function, passed its role": Request(
        "iam:PassRole", FUNCTION_ROLE, OURS | {"iam:PassedToService": "lambda.amazonaws.com"}
    ),
    "the function": Request("lambda:CreateFunction", FUNCTION),
    "the bucket emptier's answer": Request("lambda:InvokeFunction", EMPTIER),
    "the role's deletion": Request("iam:DeleteRole", FUNCTION_ROLE, OURS),
}

CLOUDFORMATION_REFUSED = {
    "read an item": Request("dynamodb:GetItem", TABLE),
    "write an item": Request("dynamodb:PutItem", TABLE),
    "read an object": Request("s3:GetObject", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "read an object's older version": Request("s3:GetObjectVersion", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "delete an object version": Request("s3:DeleteObjectVersion", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "decrypt, even with the cloud's key": Request(
        "kms:Decrypt", KEY, OURS | {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    ),
    "create a key not tagged as iMegha's": Request("kms:CreateKey", "*"),
    "read a key that is not iMegha's": Request("kms:DescribeKey", KEY),
    "rewrite the policy of a key that is not iMegha's": Request("kms:PutKeyPolicy", KEY),
    "delete a key that is not iMegha's": Request("kms:ScheduleKeyDeletion", KEY),
    "point an iMegha alias at a key that is not iMegha's": Request("kms:CreateAlias", KEY),
    "grant on a key to anything but an AWS service": Request("kms:CreateGrant", KEY, OURS),
    "create an API that is not tagged": Request("apigateway:POST", f"arn:aws:apigateway:{REGION}::/apis"),
    "change an API that is not iMegha's": Request("apigateway:PATCH", API),
    "add a route to an API that is not iMegha's": Request("apigateway:POST", f"{API}/routes"),
    "create a role without the cloud boundary": Request(
        "iam:CreateRole", FUNCTION_ROLE, {"aws:RequestTag/imegha": "user-cloud"}
    ),
    "create a role under its own boundary": Request(
        "iam:CreateRole",
        FUNCTION_ROLE,
        {"iam:PermissionsBoundary": DEPLOYMENT_BOUNDARY, "aws:RequestTag/imegha": "user-cloud"},
    ),
    "create a role without the tag": Request(
        "iam:CreateRole", FUNCTION_ROLE, {"iam:PermissionsBoundary": CLOUD_BOUNDARY}
    ),
    "create a role outside the imegha- names": Request(
        "iam:CreateRole",
        f"{IAM}:role/admin",
        {"iam:PermissionsBoundary": CLOUD_BOUNDARY, "aws:RequestTag/imegha": "user-cloud"},
    ),
    "widen a role's trust": Request("iam:UpdateAssumeRolePolicy", FUNCTION_ROLE, OURS),
    "lift a role's boundary": Request("iam:DeleteRolePermissionsBoundary", FUNCTION_ROLE, OURS),
    "swap a role's boundary": Request(
        "iam:PutRolePermissionsBoundary", FUNCTION_ROLE, {"iam:PermissionsBoundary": CLOUD_BOUNDARY}
    ),
    "pass a role to another service": Request(
        "iam:PassRole", FUNCTION_ROLE, OURS | {"iam:PassedToService": "ec2.amazonaws.com"}
    ),
    "pass a role that is not iMegha's": Request(
        "iam:PassRole", f"{IAM}:role/imegha-x", {"iam:PassedToService": "lambda.amazonaws.com"}
    ),
    "give itself a policy": Request(
        "iam:PutRolePolicy", CLOUDFORMATION_ROLE, {"iam:PermissionsBoundary": CLOUD_BOUNDARY}
    ),
    "tag the deployment role as iMegha's": Request(
        "iam:TagRole", DEPLOYMENT_ROLE, {"aws:RequestTag/imegha": "user-cloud"}
    ),
    "change a boundary": Request("iam:CreatePolicyVersion", CLOUD_BOUNDARY),
    "invoke a function of the cloud": Request("lambda:InvokeFunction", FUNCTION),
    "create a user": Request("iam:CreateUser", f"{IAM}:user/backdoor"),
    "create an access key": Request("iam:CreateAccessKey", f"{IAM}:user/alice"),
    "run an instance": Request("ec2:RunInstances", f"arn:aws:ec2:{REGION}:{USER_ACCOUNT}:instance/*"),
}


# Each role, what it needs (allowed) and what it must not do (refused), as IAM would evaluate its policies.
EXPECTED = [
    (role_name, name, request, allowed)
    for role_name, cases, allowed in (
        ("DeploymentRole", DEPLOY_NEEDS, True),
        ("DeploymentRole", PLATFORM_REFUSED, False),
        ("CloudFormationRole", BUILDS, True),
        ("CloudFormationRole", CLOUDFORMATION_REFUSED, False),
    )
    for name, request in cases.items()
]


@pytest.mark.parametrize(
    "role_name, request_, allowed",
    [(role_name, request, allowed) for role_name, _, request, allowed in EXPECTED],
    ids=[f"{role_name} {'may' if allowed else 'may not'} {name}" for role_name, name, _, allowed in EXPECTED],
)
def test_each_role_may_do_what_it_needs_and_is_refused_what_it_must_not(template, role_name, request_, allowed):
    assert may(template, role_name, request_) is allowed


def test_only_cloudformation_working_for_this_account_may_assume_its_role(template):
    properties = role(template, "CloudFormationRole")
    (statement,) = properties["AssumeRolePolicyDocument"]["Statement"]

    assert statement["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": USER_ACCOUNT}}
    assert properties["PermissionsBoundary"] == DEPLOYMENT_BOUNDARY
    assert properties["ManagedPolicyArns"] == [DEPLOYMENT_BOUNDARY], "the boundary is also the grant: one list"


# --- The cloud's own roles ----------------------------------------------------------------------------------

CLOUD_ROLES_REFUSED = {
    "anything of CloudFormation": Request("cloudformation:UpdateStack", STACK),
    "create a role": Request("iam:CreateRole", FUNCTION_ROLE, AS_ROLES_ARE_MADE),
    "pass a role": Request("iam:PassRole", FUNCTION_ROLE, OURS | {"iam:PassedToService": "lambda.amazonaws.com"}),
    "change a function": Request("lambda:UpdateFunctionCode", FUNCTION),
    "delete the table": Request("dynamodb:DeleteTable", TABLE),
    "write to another account's bucket of an iMegha name": Request(
        "s3:PutObject", f"{BUCKET}/x", {"aws:ResourceAccount": OTHER_ACCOUNT}
    ),
    "decrypt directly, not through S3 or DynamoDB": Request("kms:Decrypt", KEY, OURS),
    "decrypt with a key that is not iMegha's": Request(
        "kms:Decrypt", KEY, {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    ),
    "send events to any bus, the platform's included": Request(
        "events:PutEvents", f"arn:aws:events:{REGION}:{PLATFORM_ACCOUNT}:event-bus/imegha-platform"
    ),
    "call another account's API": Request(
        "execute-api:Invoke", f"arn:aws:execute-api:{REGION}:{OTHER_ACCOUNT}:d00rbe11/prod/POST/doorbell"
    ),
    "call the platform's API but its doorbell": Request(
        "execute-api:Invoke", f"arn:aws:execute-api:{REGION}:{PLATFORM_ACCOUNT}:a1b2c3/prod/DELETE/me"
    ),
    "change a key's policy": Request("kms:PutKeyPolicy", KEY, OURS),
}


@pytest.mark.parametrize("request_", CLOUD_ROLES_REFUSED.values(), ids=CLOUD_ROLES_REFUSED.keys())
def test_no_role_of_the_cloud_may_ever(template, request_):
    assert not allows(policy(template, "CloudBoundary"), request_)


CLOUD_NEEDS = {
    "read an item of its table": Request("dynamodb:GetItem", TABLE),
    "write an object to its bucket": Request("s3:PutObject", f"{BUCKET}/files/1/0001", IN_THE_ACCOUNT),
    "decrypt through S3 with its key": Request(
        "kms:Decrypt", KEY, OURS | {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    ),
    "write its logs": Request(
        "logs:PutLogEvents",
        f"arn:aws:logs:{REGION}:{USER_ACCOUNT}:log-group:/aws/lambda/imegha-user-cloud-x:log-stream:1",
    ),
    "send traces": Request("xray:PutTraceSegments", "*"),
}


@pytest.mark.parametrize("request_", CLOUD_NEEDS.values(), ids=CLOUD_NEEDS.keys())
def test_the_clouds_roles_reach_its_data_in_its_own_region_only(template, request_):
    assert allows(policy(template, "CloudBoundary"), asked_in(REGION, request_))
    assert not allows(policy(template, "CloudBoundary"), moved(request_, OTHER_REGION))


def test_a_cloud_in_any_region_rings_the_doorbell_in_the_platforms_region_and_nowhere_else(template):
    boundary = policy(template, "CloudBoundary")

    assert allows(boundary, asked_in(PLATFORM_REGION, Request("execute-api:Invoke", DOORBELL)))
    for region in (REGION, OTHER_REGION):
        elsewhere = DOORBELL.replace(f":{PLATFORM_REGION}:", f":{region}:")
        assert not allows(boundary, asked_in(region, Request("execute-api:Invoke", elsewhere))), region


# --- Only in the region the user chose ------------------------------------------------------------------------


def moved(request: Request, region: str) -> Request:
    """The same request about the same kind of resource, in ``region`` instead of the cloud's."""
    context = {key: value.replace(REGION, region) for key, value in request.context.items()}
    return asked_in(region, Request(request.action, request.resource.replace(REGION, region), context))


GLOBAL = ("iam:",)  # IAM is global: its roles have no region, and the bootstrap's own names say which one
IN_THE_REGION = [
    (role_name, name, request)
    for role_name, cases in (("DeploymentRole", DEPLOY_NEEDS), ("CloudFormationRole", BUILDS))
    for name, request in cases.items()
    if not request.action.startswith(GLOBAL)
]


@pytest.mark.parametrize(
    "role_name, request_",
    [(role_name, request) for role_name, _, request in IN_THE_REGION],
    ids=[f"{role_name} may {name} in its own region only" for role_name, name, _ in IN_THE_REGION],
)
def test_what_the_deployment_needs_is_allowed_in_the_chosen_region_and_in_no_other(template, role_name, request_):
    assert may(template, role_name, request_)
    assert not may(template, role_name, moved(request_, OTHER_REGION))


# --- The whole of it ----------------------------------------------------------------------------------------


def test_no_statement_names_a_wildcard_action(template):
    for name in ("CloudBoundary", "DeploymentBoundary"):
        for statement in policy(template, name)["Statement"]:
            actions = statement.get("Action") or statement["NotAction"]
            for action in actions if isinstance(actions, list) else [actions]:
                assert "*" not in action, f"{name}, {statement['Sid']}: {action}"
    for inline in role(template, "DeploymentRole")["Policies"]:
        for statement in inline["PolicyDocument"]["Statement"]:
            assert "*" not in str(statement["Action"]), statement["Sid"]


def test_a_boundary_loosened_to_allow_creating_users_would_be_caught(template):
    loosened = copy.deepcopy(policy(template, "DeploymentBoundary"))
    loosened["Statement"] = [s for s in loosened["Statement"] if s.get("Sid") != "NeverUsersGroupsOrCredentials"]
    loosened["Statement"].append({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"})

    assert allows(loosened, CLOUDFORMATION_REFUSED["create a user"])
    assert not allows(policy(template, "DeploymentBoundary"), CLOUDFORMATION_REFUSED["create a user"])
