"""Choosing the region, through the imegha CLI on the local cloud, which plays more than one AWS region: Alice's cloud
stands in eu-central-1, the platform and Bob's cloud in us-east-1. Her bucket, table, key and functions are made in
her region alone; files go there and come back; she and Bob chat, her cloud ringing the platform's doorbell across
regions; 'cloud status' says where it stands. A region the platform does not offer is refused, and a standing cloud
is never moved to another region."""

from __future__ import annotations

import pytest

from imegha.personal_cloud import LOCAL_ACCOUNT
from tests.integration.polling import eventually

HERS = "eu-central-1"
PLATFORMS = "us-east-1"


@pytest.fixture(scope="module")
def connected(alice, local_cloud):
    shown = alice.device.imegha("cloud", "connect", "--local", "--region", HERS).json
    assert (shown["region"], shown["platformRegion"]) == (HERS, PLATFORMS)
    return shown


@pytest.fixture(scope="module")
def deployed(alice, connected):
    return alice.device.imegha("cloud", "deploy", "--region", HERS).json


@pytest.fixture(scope="module")
def bob_in_the_platforms_region(bob, alice, deployed):
    assert bob.device.imegha("cloud", "connect", "--local").json["region"] == PLATFORMS
    assert bob.device.imegha("cloud", "deploy").json["region"] == PLATFORMS
    bob.connected_with(alice)
    return bob


def her_account_id(alice) -> str:
    return alice.device.profile().read(LOCAL_ACCOUNT)["accountId"]


def test_the_cloud_is_deployed_in_the_region_she_chose_as_her_bootstrap_roles(alice, connected, deployed):
    assert connected["roleArn"].endswith(f":role/imegha-deployment-{HERS}")
    assert (deployed["status"], deployed["region"]) == ("SUCCEEDED", HERS)
    assert f".execute-api.{HERS}." not in deployed["cloudApiUrl"], "served by the local gateway"


def test_her_bucket_table_key_and_functions_exist_in_her_region_and_not_in_the_platforms(alice, deployed):
    from moto.awslambda.models import lambda_backends
    from moto.dynamodb.models import dynamodb_backends
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    account = her_account_id(alice)
    bucket = s3_backends[account]["global"].buckets[deployed["bucketName"]]

    assert bucket.region_name == HERS
    assert deployed["tableName"] in dynamodb_backends[account][HERS].tables
    assert deployed["tableName"] not in dynamodb_backends[account][PLATFORMS].tables
    assert kms_backends[account][HERS].keys and not kms_backends[account][PLATFORMS].keys
    functions = [function.function_name for function in lambda_backends[account][HERS].list_functions()]
    assert functions and not lambda_backends[account][PLATFORMS].list_functions()


def test_status_shows_the_region_her_cloud_stands_in(alice, deployed):
    status = alice.device.imegha("cloud", "status").json
    assert (status["region"], status["cloudApiUrl"]) == (HERS, deployed["cloudApiUrl"])
    assert status["regions"] == ["us-east-1", "eu-central-1", "ap-south-1"]

    said = alice.device.imegha("cloud", "status", human=True)
    assert said.status == 0 and f"region {HERS}" in said.stdout


def test_her_files_go_to_her_region_and_come_back(alice, deployed, tmp_path):
    from moto.s3.models import s3_backends

    (tmp_path / "scan.txt").write_text("Patient notes, kept in Frankfurt")
    assert alice.device.imegha("files", "put", str(tmp_path / "scan.txt")).status == 0
    got = alice.device.imegha("files", "get", "scan.txt", "-o", str(tmp_path / "back.txt")).json

    assert got and (tmp_path / "back.txt").read_text() == "Patient notes, kept in Frankfurt"
    bucket = s3_backends[her_account_id(alice)]["global"].buckets[deployed["bucketName"]]
    assert bucket.keys, "the sealed file is in her bucket, in her region"


def test_she_and_bob_chat_across_regions_and_her_cloud_rings_the_platforms_doorbell(alice, bob_in_the_platforms_region):
    bob = bob_in_the_platforms_region
    sent = alice.device.imegha("chat", "send", "Bob", "From Frankfurt").json

    rung = eventually(
        lambda: [
            entry
            for entry in bob.device.imegha("notifications").json["notifications"]
            if entry.get("conversationId") == sent["conversationId"]
        ]
    )
    assert rung[0]["senderTag"] == "Alice", "her cloud, in eu-central-1, rang the doorbell in us-east-1"
    assert bob.device.imegha("chat", "send", "Alice", "From Virginia").status == 0
    read = [line.get("text") for line in alice.device.imegha("chat", "read", "Bob").json["messages"]]
    assert read == ["From Frankfurt", "From Virginia"]


def test_a_region_the_platform_does_not_offer_is_refused_by_the_cli_and_by_the_platform(person):
    carol = person("Carol")

    offered = carol.device.imegha("cloud", "connect", "--local", "--region", "sa-east-1")
    assert offered.status == 1 and "iMegha does not deploy to 'sa-east-1'" in offered.stderr
    assert carol.device.imegha("cloud", "connect", "--local").status == 0

    refused = carol.device.imegha("cloud", "deploy", "--region", "sa-east-1")
    assert refused.status == 1
    assert "does not deploy to 'sa-east-1'; choose one of us-east-1, eu-central-1, ap-south-1" in refused.stderr
    assert "activeDeploymentId" not in carol.device.imegha("cloud", "status").json


def test_a_standing_cloud_is_not_moved_to_another_region_it_is_destroyed_first(alice, deployed):
    moved = alice.device.imegha("cloud", "deploy", "--region", PLATFORMS)

    assert moved.status == 1 and f"your cloud stands in {HERS}" in moved.stderr and "Destroy it first" in moved.stderr
    assert alice.device.imegha("cloud", "status").json["region"] == HERS
