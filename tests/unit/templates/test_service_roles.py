"""The user cloud's own roles: each trusts only an AWS service, carries the cloud boundary and the iMegha tag (without
which CloudFormation's role may not make it), names its actions (never ``*``), and asks for nothing the boundary
would deny, so no function is deployed with a grant that silently does not work."""

from __future__ import annotations

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows, substitute
from tests.unit.templates.test_bootstrap_role import (
    CLOUD_BOUNDARY,
    DOORBELL,
    PLATFORM_REGION,
    REGION,
    USER_ACCOUNT,
    VARIABLES,
)

# Every template of the cloud that declares a role.
TEMPLATES = sorted((ROOT / "user-cloud" / "services").glob("*.yaml")) + [
    ROOT / "user-cloud" / "iam.yaml",
    ROOT / "user-cloud" / "storage.yaml",
]
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{USER_ACCOUNT}:table/imegha-user-cloud-DatabaseStack-A1-CloudTable-B2"
BUCKET_ARN = "arn:aws:s3:::imegha-user-cloud-storagestack-a1-filesbucket-b2"
# What the master stack passes down, named as CloudFormation names the nested stacks' resources.
PASSED = VARIABLES | {
    "TableArn": TABLE_ARN,
    "BucketArn": BUCKET_ARN,
    "FilesBucket.Arn": BUCKET_ARN,
    "KeyArn": f"arn:aws:kms:{REGION}:{USER_ACCOUNT}:key/0f8fad5b-d9cb-469f-a165-70867728950e",
    "PlatformDoorbellArn": DOORBELL,
    "PlatformDoorbellUrl": f"https://d00rbe11.execute-api.{PLATFORM_REGION}.amazonaws.com/prod/doorbell",
    "PermissionsBoundaryArn": CLOUD_BOUNDARY,
}
# What the resources themselves present to IAM: the key's tag, the bucket's account; and the region the functions
# ask in, their own (the cloud's).
RESOURCES_SAY = {
    "aws:ResourceTag/imegha": "user-cloud",
    "aws:ResourceAccount": USER_ACCOUNT,
    "aws:RequestedRegion": REGION,
}
# The services a role of the cloud may trust, and nothing else: no account, no user, no role.
SERVICES = {"lambda.amazonaws.com", "apigateway.amazonaws.com", "states.amazonaws.com"}


@pytest.fixture(scope="module")
def boundary() -> dict:
    template = substitute(load_template(ROOT / "user-cloud" / "bootstrap-role.yaml"), VARIABLES)
    return template["Resources"]["CloudBoundary"]["Properties"]["PolicyDocument"]


def roles(template_path) -> dict[str, dict]:
    resources = load_template(template_path)["Resources"]
    return {
        f"{template_path.stem}.{name}": substitute(resource["Properties"], PASSED)
        for name, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Role"
    }


ROLES = {name: properties for template in TEMPLATES for name, properties in roles(template).items()}


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


def what_it_asks(statement: dict) -> dict[str, str]:
    """The request context its own conditions expect (the first value of each), with what the resources say."""
    asked = {
        key: listed(values)[0] for checks in statement.get("Condition", {}).values() for key, values in checks.items()
    }
    return RESOURCES_SAY | asked


@pytest.mark.parametrize("name", ROLES, ids=ROLES)
def test_each_role_of_the_cloud_carries_the_cloud_boundary_and_the_imegha_tag(name):
    assert ROLES[name]["PermissionsBoundary"] == CLOUD_BOUNDARY
    assert {"Key": "imegha", "Value": "user-cloud"} in ROLES[name]["Tags"]


@pytest.mark.parametrize("name", ROLES, ids=ROLES)
def test_each_role_of_the_cloud_trusts_an_aws_service_and_nothing_else(name):
    for statement in listed(ROLES[name]["AssumeRolePolicyDocument"]["Statement"]):
        assert set(statement["Principal"]) == {"Service"}, f"{name} trusts {statement['Principal']}"
        assert set(listed(statement["Principal"]["Service"])) <= SERVICES


@pytest.mark.parametrize("name", ROLES, ids=ROLES)
def test_each_role_of_the_cloud_stays_inside_the_cloud_boundary(name, boundary):
    for policy in ROLES[name]["Policies"]:
        for statement in listed(policy["PolicyDocument"]["Statement"]):
            assert "*" not in "".join(listed(statement["Action"])), f"{name}: a wildcard action"
            for action in listed(statement["Action"]):
                for resource in listed(statement["Resource"]):
                    example = Request(action, resource.replace("*", "example"), what_it_asks(statement))
                    assert allows(boundary, example), f"{name}: {action} on {example.resource}"


def test_the_storage_role_reaches_only_the_files_prefix_of_its_bucket():
    role = ROLES["storage_service.StorageFunctionRole"]
    statements = [s for policy in role["Policies"] for s in listed(policy["PolicyDocument"]["Statement"])]
    object_actions = [s for s in statements if any(a.startswith("s3:") and "Object" in a for a in listed(s["Action"]))]

    assert [s["Resource"] for s in object_actions] == [f"{PASSED['BucketArn']}/files/*"]


def test_the_bucket_emptier_may_list_and_delete_versions_of_its_own_bucket_and_nothing_else():
    role = ROLES["storage.BucketEmptierRole"]
    statements = [s for policy in role["Policies"] for s in listed(policy["PolicyDocument"]["Statement"])]
    reaches = {(action, statement["Resource"]) for statement in statements for action in listed(statement["Action"])}

    assert {(a, r) for a, r in reaches if a.startswith("s3:")} == {
        ("s3:ListBucketVersions", BUCKET_ARN),
        ("s3:DeleteObjectVersion", f"{BUCKET_ARN}/*"),
    }
    assert not {a for a, _ in reaches if a.split(":")[0] in ("dynamodb", "kms", "events", "iam")}
