"""The object store: sealed files in the cloud's bucket, reached by devices through presigned URLs only.

Every upload is a multipart upload, even of one part: an object then comes
into being only when this code completes it, after checking what arrived, and
the parts of an upload nobody finishes are removed by the bucket's lifecycle
rule. Nothing half-uploaded is ever an object. Each file's objects live under
``files/<fileId>/``, so deleting a file removes every object and every S3
version that ever belonged to it.

A file version that a newer one replaces is retired, not deleted: a delete
marker makes its object noncurrent, still readable by its S3 version id, and
the bucket's lifecycle rule (``ReplacedVersions``) removes it after the days
the template names.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

# Part URLs last long enough for a slow link to send one part; a download URL
# only needs to start the transfer (S3 checks the expiry when a request begins).
PART_URL_SECONDS = 3600
DOWNLOAD_URL_SECONDS = 60
# What S3 lists at most in one ListObjectVersions page, and so what one DeleteObjects may delete.
VERSIONS_PER_PAGE = 1000


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

    def current_version_id(self, key: str) -> str:
        """The S3 version id of the object now at ``key`` (the bucket is versioned)."""
        version_id: str = self.client.head_object(Bucket=self.bucket, Key=key)["VersionId"]
        return version_id

    def retire(self, key: str) -> None:
        """Make the object at ``key`` noncurrent (a delete marker): it stays readable by its version id until the
        bucket's lifecycle rule removes it."""
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, key: str, version_id: str | None = None) -> str:
        """A presigned GET of the object at ``key``, or of its S3 version ``version_id``."""
        params = {"Bucket": self.bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_URL_SECONDS)

    def delete_all(self, prefix: str) -> int:
        """Delete every object under ``prefix``, each S3 version and delete marker included; returns how many."""
        deleted, _ = self._delete_versions(prefix)
        return deleted

    def empty(self, seconds: float) -> bool:
        """Delete every version and delete marker in the bucket, listing no new page after ``seconds``; True once
        it is empty (or gone), False if time ran out first."""
        try:
            _, emptied = self._delete_versions("", until=time.monotonic() + seconds)
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchBucket":
                raise
            return True
        return emptied

    def _delete_versions(self, prefix: str, until: float = math.inf) -> tuple[int, bool]:
        """Delete the versions under ``prefix`` a listed page at a time, no new page after ``until``
        (``time.monotonic()``); how many were deleted, and whether none is left."""
        deleted, listing = 0, {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": VERSIONS_PER_PAGE}
        while True:
            page = self.client.list_object_versions(**listing)
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
            if not page.get("IsTruncated"):
                return deleted, True
            if time.monotonic() > until:
                return deleted, False
            listing |= {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
