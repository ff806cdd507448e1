"""People on the local cloud for the files tests: Alice with a cloud of her own, connections who receive her shares,
and a look at what her AWS account holds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from imegha.library import Library
from imegha.sharing import Sharing
from imegha_local.cloud import Account, LocalCloud
from imegha_local.people import Person, endpoints_of, give_cloud, sign_up


@dataclass
class FilesWorld:
    cloud: LocalCloud
    people: dict[str, Person]
    secrets: list[bytes] = field(default_factory=list)
    """Every plaintext, name and key a test used: none may appear in anything AWS or the platform holds."""

    def library(self, name: str) -> Library:
        return Library(self.people[name].account)

    def sharing(self, name: str) -> Sharing:
        return Sharing(self.people[name].account)

    def secret(self, value: bytes | str) -> bytes:
        raw = value.encode() if isinstance(value, str) else value
        self.secrets.append(raw)
        return raw

    def s3(self, owner: str = "Alice"):
        """``owner``'s own S3, as they (not the platform) can use it in their account."""
        return self.cloud.client("s3", self.people[owner].cloud.account)

    def dynamodb(self, owner: str = "Alice"):
        return self.cloud.client("dynamodb", self.people[owner].cloud.account)

    def bucket(self, owner: str = "Alice") -> str:
        return self.people[owner].cloud.stack.outputs["BucketName"]

    def table(self, owner: str = "Alice") -> str:
        return self.people[owner].cloud.stack.outputs["TableName"]

    def objects(self, owner: str = "Alice", prefix: str = "") -> list[dict]:
        """Every version of every object in the bucket (under ``prefix``), delete markers too."""
        answer = self.s3(owner).list_object_versions(Bucket=self.bucket(owner), Prefix=prefix)
        return answer.get("Versions", []) + answer.get("DeleteMarkers", [])

    def items(self, owner: str = "Alice") -> list[dict]:
        return self.dynamodb(owner).scan(TableName=self.table(owner))["Items"]


def build_files_world(
    cloud: LocalCloud,
    home: Path,
    people: tuple[str, ...],
    *,
    with_clouds: tuple[str, ...],
    connections: tuple[tuple[str, str], ...],
) -> FilesWorld:
    """Everyone in ``people`` signs up; those ``with_clouds`` get one; each pair in ``connections`` connects."""
    endpoints = endpoints_of(cloud, home / "endpoints.json")
    signed_up = {name: sign_up(endpoints, name, f"{name}'s own long password") for name in people}
    for name in with_clouds:
        give_cloud(cloud, signed_up[name])
    for asking, accepting in connections:
        signed_up[asking].account.connect(accepting)
        signed_up[accepting].account.accept(asking)
    return FilesWorld(cloud, signed_up)


def stored_everywhere(cloud: LocalCloud, accounts: list[Account]) -> bytes:
    """Every object version of every bucket and every item of every table in these accounts, and everything the
    local cloud's Lambdas logged, as one byte string to search."""
    dumped = [cloud.log_path.read_bytes()]
    for account in accounts:
        s3, dynamodb = cloud.client("s3", account), cloud.client("dynamodb", account)
        for bucket in s3.list_buckets()["Buckets"]:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
                for version in page.get("Versions", []):
                    dumped.append(
                        s3.get_object(Bucket=bucket["Name"], Key=version["Key"], VersionId=version["VersionId"])[
                            "Body"
                        ].read()
                    )
        for table in dynamodb.list_tables()["TableNames"]:
            for page in dynamodb.get_paginator("scan").paginate(TableName=table):
                dumped += [json.dumps(item, ensure_ascii=False).encode() for item in page["Items"]]
    return b"\n".join(dumped)
