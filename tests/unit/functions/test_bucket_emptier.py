"""The bucket emptier, the storage stack's custom resource, on its sample event against mocked S3: on Delete it
removes every version and delete marker from its bucket, then tells CloudFormation at the response URL; it leaves
the bucket alone on Create and Update, and says so, with the reason, when it could not finish."""

from __future__ import annotations

import inspect
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws

from imegha_local.functions import load_handler
from imegha_local.templates import load_template
from tests.conftest import EVENTS, ROOT
from tests.lambda_context import FakeLambdaContext

DELETE = json.loads((EVENTS / "user_cloud_bucket_emptier_delete.json").read_text())
BUCKET = DELETE["ResourceProperties"]["BucketName"]


class FifteenMinutes(FakeLambdaContext):
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


@pytest.fixture
def answers():
    """A stand-in for CloudFormation's response URL: what was PUT there, in order, and the URL."""
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received, f"http://127.0.0.1:{server.server_port}/response"
    server.shutdown()
    server.server_close()


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        for version in (b"first", b"second"):
            client.put_object(Bucket=BUCKET, Key="files/a/0001", Body=version)
        client.put_object(Bucket=BUCKET, Key="files/b/0001", Body=b"sealed")
        client.delete_object(Bucket=BUCKET, Key="files/b/0001")  # a delete marker over a version
        yield client


@pytest.fixture
def emptier():
    """The function as the storage stack declares it (it has no environment)."""
    storage = ROOT / "user-cloud" / "storage.yaml"
    properties = load_template(storage)["Resources"]["BucketEmptier"]["Properties"]
    return load_handler(storage.parent / properties["CodeUri"], properties["Handler"])


def request(kind: str, response_url: str, bucket: str = BUCKET) -> dict:
    event = {**DELETE, "RequestType": kind, "ResponseURL": response_url}
    event["ResourceProperties"] = {**DELETE["ResourceProperties"], "BucketName": bucket}
    if kind == "Create":
        del event["PhysicalResourceId"]
    return event


def held(s3) -> int:
    listed = s3.list_object_versions(Bucket=BUCKET)
    return len(listed.get("Versions", []) + listed.get("DeleteMarkers", []))


def test_on_delete_every_version_and_delete_marker_goes_then_cloudformation_hears_success(s3, emptier, answers):
    received, url = answers

    emptier(request("Delete", url), FifteenMinutes())

    assert held(s3) == 0
    s3.delete_bucket(Bucket=BUCKET)  # what CloudFormation does next, which a bucket holding any version refuses
    (answer,) = received
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", DELETE["PhysicalResourceId"])
    assert (answer["StackId"], answer["RequestId"], answer["LogicalResourceId"]) == (
        DELETE["StackId"],
        DELETE["RequestId"],
        DELETE["LogicalResourceId"],
    )


@pytest.mark.parametrize("kind", ["Create", "Update"])
def test_creating_or_updating_touches_nothing_and_names_the_resource_by_its_bucket(s3, emptier, answers, kind):
    received, url = answers

    emptier(request(kind, url), FifteenMinutes())

    assert held(s3) == 4
    assert [(a["Status"], a["PhysicalResourceId"]) for a in received] == [("SUCCESS", BUCKET)]


def test_a_bucket_too_full_to_empty_in_one_invocation_fails_the_deletion_saying_to_go_on(
    s3, emptier, answers, monkeypatch
):
    received, url = answers
    # One version a page, so that four versions take four pages.
    objects = inspect.unwrap(emptier).__globals__["ObjectStore"]._delete_versions.__globals__
    monkeypatch.setitem(objects, "VERSIONS_PER_PAGE", 1)

    emptier(request("Delete", url), FakeLambdaContext())  # 30 s left: less than it keeps back to answer

    assert 0 < held(s3) < 4, "it deleted a page, then stopped"
    (answer,) = received
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == f"the bucket {BUCKET} holds too much to empty at once: destroy again to go on"


def test_a_bucket_already_gone_counts_as_emptied(s3, emptier, answers):
    received, url = answers

    emptier(request("Delete", url, bucket="imegha-user-cloud-storagestack-gone"), FifteenMinutes())

    assert [a["Status"] for a in received] == ["SUCCESS"]
