"""The inbox store: one item per notification per recipient in NotificationsTable, keyed (userId, notificationId).

Notification ids sort by time (the event's time comes first), so a device
follows its inbox with one Query after the last id it has seen. Items say who
did what where (ids and the sender's iMTag), never what was said, and expire
after ``RETENTION_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from imegha_service.dynamodb import batch_put, query_all
from imegha_service.items import integers

RETENTION_DAYS = 30


@dataclass
class InboxStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def add(self, entries: list[dict]) -> None:
        """Write entries in batches of 25 (what BatchWriteItem takes), several batches at once; writing one again
        replaces it with itself."""
        expires = int((datetime.now(UTC) + timedelta(days=RETENTION_DAYS)).timestamp())
        once = {(entry["userId"], entry["notificationId"]): {**entry, "expiresAt": expires} for entry in entries}
        batch_put(self.resource, self.table_name, list(once.values()))

    def remove(self, user_id: str, sender: str | None = None) -> int:
        """Delete ``user_id``'s entries (only those ``sender`` caused, if given); returns how many."""
        found = query_all(self.table, KeyConditionExpression=Key("userId").eq(user_id), ConsistentRead=True)
        gone = [item for item in found if sender is None or item.get("senderId") == sender]
        with self.table.batch_writer() as batch:
            for item in gone:
                batch.delete_item(Key={"userId": item["userId"], "notificationId": item["notificationId"]})
        return len(gone)

    def entries(self, user_id: str, after: str | None, limit: int) -> tuple[list[dict], bool]:
        """Up to ``limit`` entries after the id ``after``, oldest first, and whether more follow."""
        condition = Key("userId").eq(user_id)
        if after:
            condition &= Key("notificationId").gt(after)
        page = self.table.query(KeyConditionExpression=condition, Limit=limit + 1, ConsistentRead=True)
        items = [
            {name: value for name, value in item.items() if name not in ("userId", "expiresAt")}
            for item in integers(page["Items"])
        ]
        return items[:limit], len(items) > limit
