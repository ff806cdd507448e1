"""The object store: sealed files in the cloud's bucket, reached by devices through presigned URLs only.

Every upload is a multipart upload, even of one part: an object then comes
into being only when this code completes it, after checking what arrived, and
the parts of an upload nobody finishes are removed by the bucket's lifecycle
rule. Nothing half-uploaded is ever an object. Each file's objects live under
``files/<fileId>/``, so deleting a file removes every object and every S3
version that ever belonged to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

# Part URLs last long enough for a slow link to send one part; a download URL
# only needs to start the transfer (S3 checks the expiry when a request begins).
PART_URL_SECONDS = 3600
DOWNLOAD_URL_SECONDS = 60


def file_prefix(file_id: str) -> str:
    return f"files/{file_id}/"


@dataclass
class ObjectStore:
    bucket: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("s3")

    def start_upload(self, key: str) -> str:
        return self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]

    def part_urls(self, key: str, upload_id: str, part_numbers: list[int]) -> dict[str, str]:
        return {
            str(number): self.client.generate_presigned_url(
                "upload_part",
                Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
                ExpiresIn=PART_URL_SECONDS,
            )
            for number in part_numbers
        }

    def received_parts(self, key: str, upload_id: str) -> list[dict] | None:
        """The parts S3 holds for the upload, by number; None if the upload is no longer open."""
        parts, marker = [], 0
        while True:
            try:
                page = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker)
            except ClientError as error:
                if error.response["Error"]["Code"] == "NoSuchUpload":
                    return None
                raise
            parts += [
                {"partNumber": part["PartNumber"], "size": part["Size"], "etag": part["ETag"]}
                for part in page.get("Parts", [])
            ]
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]

    def complete_upload(self, key: str, upload_id: str, parts: list[dict]) -> None:
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": part["partNumber"], "ETag": part["etag"]} for part in parts]},
        )

    def abort_upload(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchUpload":
                raise

    def size(self, key: str) -> int | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def download_url(self, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=DOWNLOAD_URL_SECONDS
        )

    def delete_all(self, prefix: str) -> int:
        """Delete every object under ``prefix``, each S3 version and delete marker included; returns how many."""
        deleted = 0
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            versions = [
                {"Key": version["Key"], "VersionId": version["VersionId"]}
                for version in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if versions:
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": versions, "Quiet": True})
                if answer.get("Errors"):
                    failure = answer["Errors"][0]
                    raise RuntimeError(f"S3 did not delete {failure['Key']}: {failure.get('Message')}")
                deleted += len(versions)
        return deleted
