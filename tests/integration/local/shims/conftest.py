"""The probe stack (``probe/probe.yaml``), deployed afresh for each test module that drives it.

Each test shows a behaviour a shim restores as AWS documents it, through the AWS
APIs, driving the probe as a client of AWS would, never by calling a shim.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imegha_local.cloud import Account

PROBE = Path(__file__).parent / "probe" / "probe.yaml"


@pytest.fixture(scope="module")
def other_account(local_cloud) -> Account:
    return local_cloud.create_account()


@pytest.fixture(scope="module")
def probe(local_cloud, other_account) -> dict[str, str]:
    """The probe stack in the platform's account; its state machine may act in ``other_account`` through a role."""
    iam = local_cloud.client("iam", other_account)
    role = iam.create_role(
        RoleName="trusts-the-platform",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"AWS": f"arn:aws:iam::{local_cloud.platform.account_id}:root"},
                    }
                ],
            }
        ),
    )["Role"]
    return local_cloud.deploy(PROBE, "probe", {"OtherAccountRoleArn": role["Arn"]}).outputs


@pytest.fixture(scope="module")
def records(local_cloud, probe) -> Callable[[], dict[str, dict]]:
    """What the probe's Recorder function has received so far, each event under its source and id."""

    def read() -> dict[str, dict]:
        items = local_cloud.client("dynamodb").scan(TableName=probe["RecordsTable"])["Items"]
        return {item["id"]["S"]: json.loads(item["event"]["S"]) for item in items}

    return read
