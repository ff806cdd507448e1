"""What whoever can write a user cloud's table can do to its audit log: rewrite it with every hash made consistent
again, hide or plant checkpoints, and show each device what it likes by putting things back in between.

It writes the table directly, with the owner's own AWS credentials (a breached account, or a cloud that lies);
the items are as ``user-cloud/functions/dal/audit.py`` describes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from imegha_crypto import AUDIT_GENESIS, audit_digest
from imegha_service.items import integers, numbered

LOG = "AUDIT"
CHECKPOINTS = "AUDIT-CHECKPOINTS"

_serialize, _deserialize = TypeSerializer().serialize, TypeDeserializer().deserialize


class HostileAuditTable:
    def __init__(self, dynamodb: Any, table: str):
        self.dynamodb, self.table = dynamodb, table

    @classmethod
    def of_cloud(cls, dynamodb: Any) -> HostileAuditTable:
        """The one table of a user cloud, through a DynamoDB client in its owner's account."""
        (table,) = [name for name in dynamodb.list_tables()["TableNames"] if "CloudTable" in name]
        return cls(dynamodb, table)

    def items(self, partition: str) -> list[dict]:
        """Every item of ``partition`` (``LOG`` or ``CHECKPOINTS``), as DynamoDB holds it, in key order."""
        answer = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
            ConsistentRead=True,
        )
        return answer["Items"]

    def snapshot(self) -> list[dict]:
        return self.items(LOG) + self.items(CHECKPOINTS)

    def put_back(self, snapshot: list[dict]) -> None:
        """The log and the checkpoints exactly as in ``snapshot``: what was added since is gone."""
        for item in self.snapshot():
            self.dynamodb.delete_item(TableName=self.table, Key={"pk": item["pk"], "sk": item["sk"]})
        for item in snapshot:
            self.dynamodb.put_item(TableName=self.table, Item=item)

    def entries(self) -> list[dict]:
        return [
            integers({name: _deserialize(value) for name, value in item.items() if name not in ("pk", "sk")})
            for item in self.items(LOG)
            if item["sk"]["S"].startswith("E#")
        ]

    def rewrite(self, change: Callable[[list[dict]], list[dict]]) -> None:
        """The log replaced by ``change(entries)``, renumbered from 1, every ``prev`` and ``hash`` made to match, and
        the head moved to its end: a log that verifies on its own."""
        kept, previous = change(self.entries()), AUDIT_GENESIS
        for item in self.items(LOG):
            self.dynamodb.delete_item(TableName=self.table, Key={"pk": item["pk"], "sk": item["sk"]})
        for seq, entry in enumerate(kept, start=1):
            entry = {name: value for name, value in entry.items() if name != "hash"} | {"seq": seq, "prev": previous}
            entry["hash"] = previous = audit_digest(entry)
            self._put(LOG, numbered("E#", seq), entry)
        self._put(LOG, "HEAD", {"seq": len(kept), "hash": previous})

    def hide_checkpoints(self) -> None:
        for item in self.items(CHECKPOINTS):
            self.dynamodb.delete_item(TableName=self.table, Key={"pk": item["pk"], "sk": item["sk"]})

    def plant_checkpoint(self, record: dict) -> None:
        """``record`` stored as the latest checkpoint, whoever signed it."""
        seq, digest = record["body"]["seq"], record["body"]["hash"]
        self._put(CHECKPOINTS, f"{numbered('C#', seq)}#{digest}", {"seq": seq, "hash": digest, "record": record})
        self._put(CHECKPOINTS, "LATEST", {"seq": seq, "hash": digest})

    def _put(self, partition: str, sort_key: str, values: dict) -> None:
        item = {"pk": partition, "sk": sort_key, **values}
        self.dynamodb.put_item(TableName=self.table, Item={name: _serialize(value) for name, value in item.items()})


def with_first_entry_by(actor: str) -> Callable[[list[dict]], list[dict]]:
    """A rewrite that has someone else do what the first entry records."""
    return lambda entries: [entries[0] | {"actor": actor}, *entries[1:]]
