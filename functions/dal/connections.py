"""The connections store: one item per direction of each pair in ConnectionsTable.

``(userId, peerId)`` holds how ``userId`` sees ``peerId``: ``outgoing`` (asked),
``incoming`` (was asked), ``connected``, or ``left``: ``peerId`` deleted their
account, and ``userId``'s side says so (with the iMTag they knew and when) until
``expiresAt``, which the table's TTL clears, or until ``userId`` removes it. Both
directions change together in one transaction, so the graph is never half-updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from imegha_service.dynamodb import query_all, transact

OUTGOING, INCOMING, CONNECTED, LEFT = "outgoing", "incoming", "connected", "left"


@dataclass
class ConnectionsStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def status(self, user_id: str, peer_id: str) -> str | None:
        item = self.table.get_item(Key={"userId": user_id, "peerId": peer_id}, ConsistentRead=True).get("Item")
        return item["status"] if item else None

    def list(self, user_id: str) -> list[dict]:
        # Group memberships and key copies share the user's partition (dal.groups); they are not connections.
        return [item for item in self.partition(user_id) if not item["peerId"].startswith("GROUP")]

    def partition(self, user_id: str) -> list[dict]:
        """Every item of ``user_id``'s partition: connections, and their group memberships and key copies."""
        return query_all(self.table, KeyConditionExpression=Key("userId").eq(user_id), ConsistentRead=True)

    def request(self, user_id: str, peer_id: str, user_tag: str, peer_tag: str, at: str) -> None:
        transact(
            self.resource,
            [
                self._put(user_id, peer_id, OUTGOING, peer_tag, at),
                self._put(peer_id, user_id, INCOMING, user_tag, at),
            ],
            "a connection or request between you already exists",
        )

    def accept(self, user_id: str, peer_id: str, at: str) -> None:
        transact(
            self.resource,
            [
                self._update(user_id, peer_id, INCOMING, CONNECTED, at),
                self._update(peer_id, user_id, OUTGOING, CONNECTED, at),
            ],
            "there is no pending request from this user",
        )

    def delete_pair(self, user_id: str, peer_id: str, only_if: str | None = None) -> None:
        """Delete both directions; with ``only_if``, only when the caller's side has that status."""
        condition = {"ConditionExpression": "attribute_exists(userId)"}
        if only_if is not None:
            condition = {
                "ConditionExpression": "#status = :status",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":status": only_if},
            }
        transact(
            self.resource,
            [
                {"Delete": {"TableName": self.table_name, "Key": _key(user_id, peer_id), **condition}},
                {"Delete": {"TableName": self.table_name, "Key": _key(peer_id, user_id)}},
            ],
            f"no {only_if} connection with this user" if only_if else "no connection with this user",
        )

    def tell_left(self, leaving: str, peer_id: str, at: str, expires_at: int) -> None:
        """``leaving``'s side of a connection goes; ``peer_id``'s says that ``leaving`` left, until ``expires_at``."""
        transact(
            self.resource,
            [
                {"Delete": {"TableName": self.table_name, "Key": _key(leaving, peer_id)}},
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": _key(peer_id, leaving),
                        "UpdateExpression": "SET #status = :left, since = :at, expiresAt = :expires",
                        "ConditionExpression": "#status = :connected",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":left": LEFT,
                            ":connected": CONNECTED,
                            ":at": at,
                            ":expires": expires_at,
                        },
                    }
                },
            ],
            "the connection changed meanwhile",
        )

    def _put(self, user_id: str, peer_id: str, status: str, peer_tag: str, at: str) -> dict:
        item = _key(user_id, peer_id) | {"status": status, "peerTag": peer_tag, "since": at}
        return {
            "Put": {"TableName": self.table_name, "Item": item, "ConditionExpression": "attribute_not_exists(userId)"}
        }

    def _update(self, user_id: str, peer_id: str, expected: str, status: str, at: str) -> dict:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _key(user_id, peer_id),
                "UpdateExpression": "SET #status = :status, since = :at",
                "ConditionExpression": "#status = :expected",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":status": status, ":expected": expected, ":at": at},
            }
        }


def _key(user_id: str, peer_id: str) -> dict:
    return {"userId": user_id, "peerId": peer_id}
