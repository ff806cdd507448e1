"""Where each release of the user cloud is published: a bucket in every region users may choose, made by one template
(release/user-cloud-artifacts.yaml), named as the platform's functions and users' bootstrap stacks expect, and read
by users' deployment roles and nothing more."""

from __future__ import annotations

import re

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.iam_policy import Request, allows, substitute

PLATFORM_ACCOUNT = "111111111111"
USER_ACCOUNT = "222222222222"


@pytest.fixture(scope="module")
def release() -> dict:
    return load_template(ROOT / "release" / "user-cloud-artifacts.yaml")


@pytest.fixture(scope="module")
def platform() -> dict:
    return load_template(ROOT / "template.yaml")


def bucket_name(release: dict, region: str, stage: str = "prod") -> str:
    variables = {"Stage": stage, "AWS::AccountId": PLATFORM_ACCOUNT, "AWS::Region": region}
    return substitute(release["Resources"]["UserCloudArtifactsBucket"]["Properties"]["BucketName"], variables)


def test_the_release_bucket_lets_deployment_roles_read_and_nothing_more(release):
    statements = release["Resources"]["UserCloudArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows_ = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert [(s["Action"], s["Condition"]) for s in allows_] == [
        (
            "s3:GetObject",
            {"ArnLike": {"aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/imegha-deployment-*"}}},
        )
    ]
    bucket = release["Resources"]["UserCloudArtifactsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())


def test_the_platform_deploys_each_region_from_that_regions_bucket(release, platform):
    """The template URL the stack function fills in with a deployment's region names the bucket the release template
    makes in that region: a Lambda reads its code only from a bucket in its own region."""
    environment = platform["Resources"]["UserCloudStackFunction"]["Properties"]["Environment"]["Variables"]
    variables = {
        "Stage": "prod",
        "AWS::AccountId": PLATFORM_ACCOUNT,
        "AWS::URLSuffix": "amazonaws.com",
        "UserCloudTemplateKey": "user-cloud/user-cloud.yaml",
    }
    url = substitute(environment["USER_CLOUD_TEMPLATE_URL"], variables)

    for region in ("us-east-1", "eu-central-1"):
        assert url.replace("{region}", region) == (
            f"https://s3.{region}.amazonaws.com/{bucket_name(release, region)}/user-cloud/user-cloud.yaml"
        )


def test_a_bootstrap_stack_lets_its_cloud_read_its_own_regions_release_and_no_other(release):
    bootstrap = load_template(ROOT / "user-cloud" / "bootstrap-role.yaml")
    variables = {
        "AWS::AccountId": USER_ACCOUNT,
        "AWS::Partition": "aws",
        "AWS::Region": "eu-central-1",
        "PlatformAccountId": PLATFORM_ACCOUNT,
        "PlatformRegion": "us-east-1",
        "CloudBoundary": "boundary",
        "CloudFormationRole.Arn": "role",
    }
    boundary = substitute(bootstrap["Resources"]["DeploymentBoundary"]["Properties"]["PolicyDocument"], variables)
    platforms = {"aws:ResourceAccount": PLATFORM_ACCOUNT}

    def readable(region: str) -> bool:
        return allows(
            boundary, Request("s3:GetObject", f"arn:aws:s3:::{bucket_name(release, region)}/x.zip", platforms)
        )

    assert readable("eu-central-1")
    assert not readable("us-east-1")


def test_the_regions_users_may_choose_are_listed_once_and_published_as_an_output(platform):
    regions = platform["Parameters"]["UserCloudRegions"]
    assert "us-east-1" in regions["Default"].split(",")
    assert re.fullmatch(regions["AllowedPattern"], regions["Default"])
    assert not re.fullmatch(regions["AllowedPattern"], "us-east-1, eu-central-1")
    assert platform["Outputs"]["UserCloudRegions"]["Value"] == {"Ref": "UserCloudRegions"}
    for function in ("DeploymentsFunction", "UserCloudStackFunction"):
        environment = platform["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert environment["USER_CLOUD_REGIONS"] == {"Ref": "UserCloudRegions"}, function
