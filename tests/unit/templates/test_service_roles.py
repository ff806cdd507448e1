"""The user cloud's service roles: each carries the deployment boundary, names its actions (never ``*``), and asks
for nothing the boundary would deny, so no function is deployed with a grant that silently does not work."""

from __future__ import annotations

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows, substitute
from tests.unit.templates.test_bootstrap_role import BUS, REGION, USER_ACCOUNT, VARIABLES

SERVICES = sorted((ROOT / "user-cloud" / "services").glob("*.yaml"))
# What the master stack passes down, named as CloudFormation names the nested stacks' resources.
PASSED = VARIABLES | {
    "TableArn": f"arn:aws:dynamodb:{REGION}:{USER_ACCOUNT}:table/imegha-user-cloud-DatabaseStack-A1-CloudTable-B2",
    "BucketArn": "arn:aws:s3:::imegha-user-cloud-storagestack-a1-filesbucket-b2",
    "KeyArn": f"arn:aws:kms:{REGION}:{USER_ACCOUNT}:key/0f8fad5b-d9cb-469f-a165-70867728950e",
    "PlatformEventBusArn": BUS,
    "PermissionsBoundaryArn": VARIABLES["DeploymentBoundary"],
}


@pytest.fixture(scope="module")
def boundary() -> dict:
    template = substitute(load_template(ROOT / "user-cloud" / "bootstrap-role.yaml"), VARIABLES)
    return template["Resources"]["DeploymentBoundary"]["Properties"]["PolicyDocument"]


def roles(template_path) -> dict[str, dict]:
    resources = load_template(template_path)["Resources"]
    return {
        name: substitute(resource["Properties"], PASSED)
        for name, resource in resources.items()
        if resource["Type"] == "AWS::IAM::Role"
    }


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("template", SERVICES, ids=[path.stem for path in SERVICES])
def test_each_service_role_stays_inside_the_deployment_boundary(template, boundary):
    for name, role in roles(template).items():
        assert role["PermissionsBoundary"] == PASSED["PermissionsBoundaryArn"], name
        for policy in role["Policies"]:
            for statement in listed(policy["PolicyDocument"]["Statement"]):
                assert "*" not in "".join(listed(statement["Action"])), f"{name}: a wildcard action"
                for action in listed(statement["Action"]):
                    for resource in listed(statement["Resource"]):
                        example = resource.replace("*", "example")
                        assert allows(boundary, Request(action, example)), f"{name}: {action} on {example}"


def test_the_storage_role_reaches_only_the_files_prefix_of_its_bucket():
    role = roles(ROOT / "user-cloud" / "services" / "storage_service.yaml")["StorageFunctionRole"]
    statements = [s for policy in role["Policies"] for s in listed(policy["PolicyDocument"]["Statement"])]
    object_actions = [s for s in statements if any(a.startswith("s3:") and "Object" in a for a in listed(s["Action"]))]

    assert [s["Resource"] for s in object_actions] == [f"{PASSED['BucketArn']}/files/*"]
