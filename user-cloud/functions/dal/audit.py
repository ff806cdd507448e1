"""The audit log in the cloud's own table, written in the same transaction as each change it records.

One partition, ``AUDIT``: ``E#<seq>`` holds entry ``seq`` (what happened, who
did it, to what, and the hash chain's ``prev`` and ``hash``, see
``imegha_crypto.chain``) and ``HEAD`` the last entry's ``seq`` and ``hash``.
A change and its entry commit together, with the head's move from the entry
before, so no change goes unrecorded and no entry records a change that did
not happen. Two changes at once race for the head; the one that loses tries
again on top of the winner, so the chain never forks or skips a number.
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
