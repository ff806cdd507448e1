"""The regions users' clouds may stand in: one list, parsed strictly, and the region a deployment role is for."""

from __future__ import annotations

import pytest

from imegha_service.errors import InvalidRequest


@pytest.fixture
def regions():
    from logic import regions

    return regions


def test_the_list_is_read_as_the_template_joins_it(regions):
    parsed = regions.Regions.parse("us-east-1", "us-east-1,eu-central-1, ap-south-1")

    assert parsed.supported == ("us-east-1", "eu-central-1", "ap-south-1")
    assert parsed.platform == "us-east-1"


@pytest.mark.parametrize("listing", ["", " , ", "us-east-1,Europe", "us-east-1,eu-central-1;ap-south-1", "*"])
def test_a_list_that_is_not_regions_stops_the_function_at_once(regions, listing):
    with pytest.raises(ValueError, match="USER_CLOUD_REGIONS"):
        regions.Regions.parse("us-east-1", listing)


def test_a_region_outside_the_list_is_refused_naming_the_field_and_the_list(regions):
    offered = regions.Regions.parse("us-east-1", "us-east-1,eu-central-1")

    assert offered.require("eu-central-1") == "eu-central-1"
    for outside in ("sa-east-1", "EU-CENTRAL-1", "eu-central-1 ", "", "us-east-1,eu-central-1"):
        with pytest.raises(InvalidRequest) as refused:
            offered.require(outside, "roleArn")
        assert refused.value.field == "roleArn"
        assert refused.value.reason.endswith("choose one of us-east-1, eu-central-1")


@pytest.mark.parametrize(
    "role_arn, region",
    [
        ("arn:aws:iam::222222222222:role/imegha-deployment-eu-central-1", "eu-central-1"),
        ("arn:aws-cn:iam::222222222222:role/imegha-deployment-cn-north-1", "cn-north-1"),
        ("arn:aws:iam::222222222222:role/imegha-deployment-us-gov-west-1", "us-gov-west-1"),
        ("arn:aws:iam::222222222222:role/imegha-deployment-cloudformation-eu-central-1", None),
        ("arn:aws:iam::222222222222:role/imegha-deployment-x", None),
        ("arn:aws:iam::222222222222:role/admin", None),
        ("arn:aws:iam::222222222222:user/imegha-deployment-eu-central-1", None),
        ("arn:aws:iam::2222:role/imegha-deployment-eu-central-1", None),
    ],
)
def test_a_deployment_role_names_the_region_its_bootstrap_stack_was_launched_in(regions, role_arn, region):
    assert regions.of_role(role_arn) == region
