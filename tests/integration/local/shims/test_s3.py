"""Presigned S3 URLs on the local cloud, as S3 documents them: they act in their signer's account, for the one
request they were signed for, until they expire."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config

from imegha_local.shims import core

# How every iMegha Lambda signs (see imegha_local.runtime): SigV4, path-style.
SIGV4 = Config(signature_version="s3v4", s3={"addressing_style": "path"})


def send(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, method=method, data=data, headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def s3(local_cloud):
    """A client in an account of its own (not the platform's), with a bucket holding two objects."""
    account = local_cloud.create_account()
    client = boto3.client(
        "s3",
        region_name=local_cloud.region,
        endpoint_url=local_cloud.endpoint_url,
        config=SIGV4,
        aws_access_key_id=account.access_key_id,
        aws_secret_access_key=account.secret_access_key,
    )
    client.create_bucket(Bucket="sealed-files")
    client.put_object(Bucket="sealed-files", Key="files/one", Body=b"first ciphertext")
    client.put_object(Bucket="sealed-files", Key="files/two", Body=b"second ciphertext")
    return client


def test_a_url_works_in_its_signers_account_for_its_own_object(s3):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "sealed-files", "Key": "files/one"}, ExpiresIn=60)

    assert "X-Amz-Signature=" in url
    assert send(url) == (200, b"first ciphertext")


def test_a_url_for_one_object_fetches_no_other(s3):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "sealed-files", "Key": "files/one"}, ExpiresIn=60)

    status, body = send(url.replace("/files/one?", "/files/two?"))

    assert status == 403 and b"SignatureDoesNotMatch" in body


def test_a_download_url_cannot_upload(s3):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "sealed-files", "Key": "files/one"}, ExpiresIn=60)

    assert send(url, "PUT", b"overwritten")[0] == 403
    assert s3.get_object(Bucket="sealed-files", Key="files/one")["Body"].read() == b"first ciphertext"


def test_an_expired_url_is_refused(s3, monkeypatch):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "sealed-files", "Key": "files/one"}, ExpiresIn=60)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    monkeypatch.setattr(core, "now", lambda: later)

    status, body = send(url)

    assert status == 403 and b"Request has expired" in body


def test_a_presigned_part_upload_completes_a_multipart_upload(s3):
    upload = s3.create_multipart_upload(Bucket="sealed-files", Key="files/three")["UploadId"]
    url = s3.generate_presigned_url(
        "upload_part",
        ExpiresIn=60,
        Params={"Bucket": "sealed-files", "Key": "files/three", "UploadId": upload, "PartNumber": 1},
    )

    assert send(url, "PUT", b"only part")[0] == 200
    parts = s3.list_parts(Bucket="sealed-files", Key="files/three", UploadId=upload)["Parts"]
    s3.complete_multipart_upload(
        Bucket="sealed-files",
        Key="files/three",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]},
    )
    assert s3.get_object(Bucket="sealed-files", Key="files/three")["Body"].read() == b"only part"
    tampered = url.replace("partNumber=1", "partNumber=2")
    assert send(tampered, "PUT", b"extra")[0] == 403


VERSIONED = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Versioned:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
  Plain:
    Type: AWS::S3::Bucket
Outputs:
  Versioned: {Value: !Ref Versioned}
  Plain: {Value: !Ref Plain}
"""


def test_a_bucket_a_template_declares_versioned_keeps_a_deleted_objects_version_readable(local_cloud, tmp_path_factory):
    template = tmp_path_factory.mktemp("s3") / "buckets.yaml"
    template.write_text(VERSIONED)
    buckets = local_cloud.deploy(template, "buckets").outputs
    s3 = local_cloud.client("s3")
    s3.put_object(Bucket=buckets["Versioned"], Key="files/one", Body=b"first ciphertext")
    version_id = s3.head_object(Bucket=buckets["Versioned"], Key="files/one")["VersionId"]

    s3.delete_object(Bucket=buckets["Versioned"], Key="files/one")

    assert s3.get_bucket_versioning(Bucket=buckets["Versioned"])["Status"] == "Enabled"
    kept = s3.get_object(Bucket=buckets["Versioned"], Key="files/one", VersionId=version_id)
    assert kept["Body"].read() == b"first ciphertext"
    assert "Status" not in s3.get_bucket_versioning(Bucket=buckets["Plain"])
