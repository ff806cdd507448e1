"""The share store: who may open what, in the cloud's single table.

A share is ``SHARE#<shareId>``: what it gives away (a file at a version, a
folder or an album), to whom, the key wrapped for the recipient's public key
and the record the owner signed over all of it. It sits in the ``SHARES`` list
of the ``gsi1`` index under ``<recipientId>#<shareId>``, so one query finds a
recipient's shares. A link item ``SHARE#<shareId>`` in the shared thing's own
partition lets the owner find, consistently, every share of a file or folder
when it changes or goes. Both are written and deleted together.

Revoking deletes both: the recipient's next request reads the share
consistently, finds nothing and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from dal.audit import Write
from dal.library import collection_pk, file_pk, without_keys
from imegha_service.errors import Conflict, NotFound

SHARES_LIST = "SHARES"
SHARE_SK = "SHARE"


def share_pk(share_id: str) -> str:
    return f"SHARE#{share_id}"


def link_sk(share_id: str) -> str:
    return f"SHARE#{share_id}"


def target_pk(kind: str, target_id: str) -> str:
    return file_pk(target_id) if kind == "file" else collection_pk(kind, target_id)


@dataclass
class ShareStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def share(self, share_id: str) -> dict | None:
        item = self.table.get_item(Key={"pk": share_pk(share_id), "sk": SHARE_SK}, ConsistentRead=True).get("Item")
        return without_keys(item) if item else None

    def links(self, kind: str, target_id: str) -> list[dict]:
        """The shares of one file, folder or album (share id and recipient), read consistently."""
        page = self.table.query(
            KeyConditionExpression=Key("pk").eq(target_pk(kind, target_id)) & Key("sk").begins_with("SHARE#"),
            ConsistentRead=True,
        )
        return [without_keys(item) for item in page["Items"]]

    def for_recipient(self, recipient_id: str) -> list[dict]:
        items, start = [], {}
        while True:
            page = self.table.query(
                IndexName="gsi1",
                KeyConditionExpression=Key("gsi1pk").eq(SHARES_LIST) & Key("gsi1sk").begins_with(f"{recipient_id}#"),
                **start,
            )
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [without_keys(item) for item in items]
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def create(self, share: dict) -> list[Write]:
        taken = Conflict(f"share {share['shareId']} exists already")
        return [
            Write(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "Item": {
                            "pk": share_pk(share["shareId"]),
                            "sk": SHARE_SK,
                            "gsi1pk": SHARES_LIST,
                            "gsi1sk": f"{share['recipientId']}#{share['shareId']}",
                            **share,
                        },
                    }
                },
                taken,
            ),
            Write(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "Item": {
                            "pk": target_pk(share["targetKind"], share["targetId"]),
                            "sk": link_sk(share["shareId"]),
                            "shareId": share["shareId"],
                            "recipientId": share["recipientId"],
                        },
                    }
                },
                taken,
            ),
        ]

    def remove(self, share: dict) -> list[Write]:
        gone = NotFound(f"no share {share['shareId']}: it was revoked already")
        return [
            Write(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"pk": share_pk(share["shareId"]), "sk": SHARE_SK},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                gone,
            ),
            Write(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {
                            "pk": target_pk(share["targetKind"], share["targetId"]),
                            "sk": link_sk(share["shareId"]),
                        },
                    }
                }
            ),
        ]

    def rekey(self, share_id: str, version: int, wrapped_key: dict, record: dict) -> Write:
        """A file share moved to the file's new version, with the new FEK wrapped for its recipient."""
        return Write(
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"pk": share_pk(share_id), "sk": SHARE_SK},
                    "UpdateExpression": "SET #version = :version, wrappedKey = :key, #record = :record",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#version": "version", "#record": "record"},
                    "ExpressionAttributeValues": {":version": version, ":key": wrapped_key, ":record": record},
                }
            },
            Conflict(f"share {share_id} was revoked meanwhile: upload again without it"),
        )
