"""The conversation store: this cloud's part of each conversation, in the user cloud's single table.

One partition per conversation, ``CONV#<id>``:

- ``META``: whom a 1:1 conversation is with, or the group roster the owner last checked;
- ``KEY#<version>``: the conversation key (version 0) or a group key (its epoch), wrapped under the
  owner's DEK, and for a 1:1 conversation also wrapped for the peer (``peerKey``);
- ``MSG#<sequence>``: the owner's messages, signed records holding sealed text, with the
  ``recipients`` each one was sent to (who may read it here) and, in a group, the ``epoch``
  it was sealed under (what a member given the history may read back to).

Sort keys are zero-padded, so a range of sequences is one Query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from imegha_service.items import integers, numbered

META = "META"
_LAST_SK = "MSG#~"  # sorts after every zero-padded sequence


def _pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def _key_sk(version: int) -> str:
    return numbered("KEY#", version)


def _message_sk(sequence: int) -> str:
    return numbered("MSG#", sequence)


@dataclass
class ConversationStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    # --- the conversation and its keys ---------------------------------------

    def meta(self, conversation_id: str) -> dict | None:
        return integers(
            self.table.get_item(Key={"pk": _pk(conversation_id), "sk": META}, ConsistentRead=True).get("Item")
        )

    def put_meta(self, conversation_id: str, fields: dict) -> None:
        self.table.put_item(Item={"pk": _pk(conversation_id), "sk": META, **fields})

    def add_key(self, conversation_id: str, version: int, fields: dict) -> bool:
        """Store a key version once; False if that version is already stored (it is then left as it was)."""
        try:
            self.table.put_item(
                Item={"pk": _pk(conversation_id), "sk": _key_sk(version), "version": version, **fields},
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def keys(self, conversation_id: str) -> list[dict]:
        return self._query(Key("pk").eq(_pk(conversation_id)) & Key("sk").begins_with("KEY#"))

    # --- messages ------------------------------------------------------------

    def last_sequence(self, conversation_id: str) -> int:
        page = self.table.query(
            KeyConditionExpression=Key("pk").eq(_pk(conversation_id)) & Key("sk").begins_with("MSG#"),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
            ProjectionExpression="#sequence",
            ExpressionAttributeNames={"#sequence": "sequence"},
        )
        return int(page["Items"][0]["sequence"]) if page["Items"] else 0

    def add_message(self, conversation_id: str, sequence: int, fields: dict) -> dict | None:
        """Store a message at ``sequence`` once; if that place is taken, the item already there."""
        try:
            self.table.put_item(
                Item={"pk": _pk(conversation_id), "sk": _message_sk(sequence), "sequence": sequence, **fields},
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return integers(
                    self.table.get_item(
                        Key={"pk": _pk(conversation_id), "sk": _message_sk(sequence)}, ConsistentRead=True
                    )["Item"]
                )
            raise
        return None

    def messages(
        self,
        conversation_id: str,
        after: int,
        limit: int,
        visible_to: str | None = None,
        through_epoch: int | None = None,
    ) -> tuple[list[dict], bool]:
        """Up to ``limit`` messages after sequence ``after``, oldest first, and whether more follow.

        With ``visible_to``, only those sent to that user, or sealed under an epoch up to ``through_epoch``.
        """
        condition = Key("pk").eq(_pk(conversation_id)) & Key("sk").between(_message_sk(after + 1), _LAST_SK)
        arguments: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        if visible_to is not None:
            visible = Attr("recipients").contains(visible_to)
            if through_epoch is not None:
                visible |= Attr("epoch").lte(through_epoch)
            arguments["FilterExpression"] = visible
        found: list[dict] = []
        while True:
            page = self.table.query(Limit=limit + 1 - len(found), **arguments)
            found += integers(page["Items"])
            if len(found) > limit:
                return found[:limit], True
            if "LastEvaluatedKey" not in page:
                return found, False
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _query(self, condition) -> list[dict]:
        items, start = [], {}
        while True:
            page = self.table.query(KeyConditionExpression=condition, ConsistentRead=True, **start)
            items += integers(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
