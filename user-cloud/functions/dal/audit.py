"""The audit log in the cloud's own table, written in the same transaction as each change it records.

One partition, ``AUDIT``: ``E#<seq>`` holds entry ``seq`` (what happened, who
did it, to what, and the hash chain's ``prev`` and ``hash``, see
``imegha_crypto.chain``) and ``HEAD`` the last entry's ``seq`` and ``hash``.
A change and its entry commit together, with the head's move from the entry
before, so no change goes unrecorded and no entry records a change that did
not happen. Two changes at once race for the head; the one that loses tries
again on top of the winner, so the chain never forks or skips a number.

A partition of its own, ``AUDIT-CHECKPOINTS``, keeps the heads the owner's
devices verified and signed (``imegha_crypto.chain``): ``C#<seq>#<hash>`` holds
each checkpoint record as signed, every one kept, so two devices that were shown
different histories see each other's; ``LATEST`` the highest ``seq`` stored,
which no later checkpoint may go below. The audit function writes this
partition and no other: it cannot touch the log it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from imegha_crypto import EMPTY_LOG, AuditHead, audit_digest
from imegha_service.errors import Conflict, DomainError
from imegha_service.items import integers, numbered

AUDIT_PK = "AUDIT"
HEAD_SK = "HEAD"
CHECKPOINTS_PK = "AUDIT-CHECKPOINTS"
LATEST_SK = "LATEST"
# DynamoDB takes at most 100 operations in a transaction; two are the audit entry and head.
MAX_WRITES = 98
_ATTEMPTS = 8


def _entry_sk(seq: int) -> str:
    return numbered("E#", seq)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Write:
    """One operation of a transaction, and what the caller is told if its condition fails."""

    operation: dict
    refusal: DomainError | None = None


@dataclass
class AuditedTable:
    """The cloud's table, where every change is committed with its audit entry."""

    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def commit(self, writes: list[Write], *, action: str, actor: str, subject: dict) -> dict:
        """Apply ``writes`` and append the entry saying so, all or nothing; returns the entry.

        A write whose condition fails raises its ``refusal`` (a generic
        ``Conflict`` if it has none) and nothing is written.
        """
        if len(writes) > MAX_WRITES:
            raise Conflict(f"this change touches {len(writes)} records; at most {MAX_WRITES} change together")
        for _ in range(_ATTEMPTS):
            head = self.head()
            entry = {
                "seq": head.seq + 1,
                "prev": head.hash,
                "at": now(),
                "action": action,
                "actor": actor,
                "subject": subject,
            }
            entry["hash"] = audit_digest(entry)
            operations = [write.operation for write in writes] + self._append(head, entry)
            try:
                self.resource.meta.client.transact_write_items(TransactItems=operations)
                return entry
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons") or []
                failed = [index for index, reason in enumerate(reasons) if reason.get("Code") not in (None, "None")]
                change_failed = [index for index in failed if index < len(writes)]
                if change_failed:
                    raise writes[change_failed[0]].refusal or Conflict(
                        "the record changed meanwhile; try again"
                    ) from None
                if not failed:  # no reasons given: nothing tells a lost race from a refused change
                    raise Conflict("the change was refused; try again") from None
        raise Conflict("too many changes at once; try again")

    def _append(self, head: AuditHead, entry: dict) -> list[dict]:
        moved_from = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if head.seq == 0
            else {
                "ConditionExpression": "#seq = :seq",
                "ExpressionAttributeNames": {"#seq": "seq"},
                "ExpressionAttributeValues": {":seq": head.seq},
            }
        )
        return [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {"pk": AUDIT_PK, "sk": _entry_sk(entry["seq"]), **entry},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {"pk": AUDIT_PK, "sk": HEAD_SK, "seq": entry["seq"], "hash": entry["hash"]},
                    **moved_from,
                }
            },
        ]

    def head(self) -> AuditHead:
        item = self.table.get_item(Key={"pk": AUDIT_PK, "sk": HEAD_SK}, ConsistentRead=True).get("Item")
        return AuditHead(int(item["seq"]), item["hash"]) if item else EMPTY_LOG

    def entries(self, after: int, limit: int) -> list[dict]:
        """Up to ``limit`` entries after entry ``after``, oldest first, as they were hashed."""
        page = self.table.query(
            KeyConditionExpression=Key("pk").eq(AUDIT_PK) & Key("sk").between(_entry_sk(after + 1), "E#~"),
            Limit=limit,
            ConsistentRead=True,
        )
        return [
            {name: value for name, value in integers(item).items() if name not in ("pk", "sk")}
            for item in page["Items"]
        ]


def _checkpoint_sk(seq: int, digest: str) -> str:
    return f"{numbered('C#', seq)}#{digest}"


@dataclass
class AuditCheckpoints:
    """The signed checkpoints of the log, as the owner's devices stored them; the cloud cannot check a signature
    (it does not hold the owner's identity key), their devices do."""

    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def add(self, seq: int, digest: str, record: dict) -> None:
        """Keep ``record``, the checkpoint of entry ``seq`` with hash ``digest``; ``Conflict`` if one of a higher
        entry is held already. Another at the same entry is kept beside it (the same head from another device, or
        a fork for the devices to see)."""
        try:
            self.resource.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": {"pk": CHECKPOINTS_PK, "sk": LATEST_SK, "seq": seq, "hash": digest},
                            "ConditionExpression": "attribute_not_exists(pk) OR #seq <= :seq",
                            "ExpressionAttributeNames": {"#seq": "seq"},
                            "ExpressionAttributeValues": {":seq": seq},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": {
                                "pk": CHECKPOINTS_PK,
                                "sk": _checkpoint_sk(seq, digest),
                                "seq": seq,
                                "hash": digest,
                                "record": record,
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise Conflict(
                f"the cloud holds a checkpoint at entry {self.latest()}: a checkpoint only moves forward"
            ) from None

    def latest(self) -> int:
        item = self.table.get_item(Key={"pk": CHECKPOINTS_PK, "sk": LATEST_SK}, ConsistentRead=True).get("Item")
        return int(item["seq"]) if item else 0

    def page(self, after: int, limit: int) -> tuple[list[dict], int | None]:
        """About ``limit`` checkpoint records past entry ``after``, oldest first, and the entry to go on after (None
        at the end). A page ends with every checkpoint of its last entry, so none of a fork is cut off."""
        answer = self.table.query(
            KeyConditionExpression=Key("pk").eq(CHECKPOINTS_PK) & Key("sk").between(numbered("C#", after + 1), "C#~"),
            Limit=limit,
            ConsistentRead=True,
        )
        items, following = answer["Items"], None
        if "LastEvaluatedKey" in answer:
            following = int(items[-1]["seq"])
            rest = self.table.query(
                KeyConditionExpression=Key("pk").eq(CHECKPOINTS_PK)
                & Key("sk").begins_with(f"{numbered('C#', following)}#"),
                ConsistentRead=True,
            )
            items = [item for item in items if int(item["seq"]) != following] + rest["Items"]
        return [integers(item["record"]) for item in items], following
