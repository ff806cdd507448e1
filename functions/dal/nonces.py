"""The request nonces store: RequestNoncesTable, one item per nonce the platform issued, keyed by the nonce.

A nonce belongs to the user it was issued to (``userId``) and lapses at
``expiresAt`` (epoch seconds, the table's TTL attribute). TTL removes lapsed items
only within days, so using a nonce checks the time itself, in the same conditional
delete that uses it up: of two requests racing with one nonce, one deletes it and
the other finds it gone. A nonce that does not pass is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from imegha_service.errors import NotAllowed


@dataclass
class NonceStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def issue(self, nonce: str, user_id: str, expires_at: int) -> None:
        self.table.put_item(
            Item={"nonce": nonce, "userId": user_id, "expiresAt": expires_at},
            ConditionExpression="attribute_not_exists(nonce)",
        )

    def use(self, nonce: str, user_id: str, now: int) -> None:
        """Use ``nonce`` up if it was issued to ``user_id`` and has not lapsed by ``now``; otherwise NotAllowed, saying
        why, and nothing changes."""
        try:
            self.table.delete_item(
                Key={"nonce": nonce},
                ConditionExpression="userId = :user AND expiresAt > :now",
                ExpressionAttributeValues={":user": user_id, ":now": now},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            found = {
                name: TypeDeserializer().deserialize(value) for name, value in error.response.get("Item", {}).items()
            }
            raise NotAllowed(_refusal(found, user_id)) from None


def _refusal(found: dict, user_id: str) -> str:
    if not found:
        return "the request's nonce was already used, or never issued: a replayed request"
    if found["userId"] != user_id:
        return "the request's nonce was issued to another user"
    return "the request's nonce has lapsed: a stale request"
