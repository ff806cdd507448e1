"""Device push tokens in DeviceTokensTable: one item per (user, device), and one index of each user's endpoints.

The doorbell rings every device of up to a thousand recipients at once, so
where to ring them is kept where one read finds it: beside each user's device
records, an item (``deviceId`` ``#endpoints``, a name no device id can take)
maps each of their devices to its SNS endpoint, and the doorbell reads a
hundred users' in one BatchGetItem instead of a Query per user. The index is
what the doorbell rings; the record is what was registered. Registering writes
the record, then the index; unregistering takes the device off the record, then
off the index; an endpoint SNS disabled is taken off both. A failure between the
two is answered as an error, and the device registers again (a phone app does,
on an error and at each start); until then the doorbell rings the endpoint the index
had, and an entry naming an endpoint that is gone is forgotten at the first push
to it (SNS says ``NotFound``). An index left with no endpoint is deleted. A
device registered before the index existed rings once it registers again.
(Not one transaction: the local cloud's DynamoDB copies a whole table for each,
which a thousand registrations would pay a thousand times.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from imegha_service.dynamodb import batch_get, query_all
from imegha_service.errors import NotFound

# The index's sort key: device ids are letters, digits, '_' and '-' (logic.directory.DEVICE_ID_PATTERN), never '#'.
INDEX = "#endpoints"


@dataclass
class DeviceStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def get(self, user_id: str, device_id: str) -> dict | None:
        return self.table.get_item(Key={"userId": user_id, "deviceId": device_id}, ConsistentRead=True).get("Item")

    def of(self, user_id: str) -> list[dict]:
        """Every device ``user_id`` registered."""
        found = query_all(self.table, KeyConditionExpression=Key("userId").eq(user_id), ConsistentRead=True)
        return [device for device in found if device["deviceId"] != INDEX]

    def put(self, user_id: str, device_id: str, platform: str, token: str, at: str, endpoint: dict) -> None:
        """Record the device, with the SNS endpoint it rings through (``endpoint``, maybe empty)."""
        record = {
            "userId": user_id,
            "deviceId": device_id,
            "platform": platform,
            "token": token,
            "registeredAt": at,
            **endpoint,
        }
        self.table.put_item(Item=record)
        if not endpoint:
            self._unindex(user_id, device_id, Attr(f"endpoints.{device_id}").exists())
            return
        # The index's map must exist before one of its entries can be set.
        self.table.update_item(
            Key=_index_key(user_id),
            UpdateExpression="SET endpoints = if_not_exists(endpoints, :none)",
            ExpressionAttributeValues={":none": {}},
        )
        self.table.update_item(
            Key=_index_key(user_id),
            UpdateExpression="SET endpoints.#device = :endpoint",
            ExpressionAttributeNames={"#device": device_id},
            ExpressionAttributeValues={":endpoint": endpoint["endpointArn"]},
        )

    def endpoints_of(self, user_ids: list[str]) -> dict[str, list[dict]]:
        """Each user's devices that have an SNS endpoint to ring (``deviceId`` and ``endpointArn`` of each), a
        hundred users a BatchGetItem; a user with none is left out."""
        keys = [_index_key(user_id) for user_id in dict.fromkeys(user_ids)]
        return {
            index["userId"]: [
                {"deviceId": device_id, "endpointArn": endpoint}
                for device_id, endpoint in sorted(index.get("endpoints", {}).items())
            ]
            for index in batch_get(self.resource, self.table_name, keys, ProjectionExpression="userId, endpoints")
        }

    def forget_endpoint(self, user_id: str, device_id: str, endpoint_arn: str) -> None:
        """Take a gone endpoint off the device's record (the token stays) and off the index, unless the device
        registered anew since."""
        self._unindex(user_id, device_id, Attr(f"endpoints.{device_id}").eq(endpoint_arn))
        try:
            self.table.update_item(
                Key={"userId": user_id, "deviceId": device_id},
                UpdateExpression="REMOVE endpointArn, subscriptionArn",
                ConditionExpression=Attr("endpointArn").eq(endpoint_arn),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def delete(self, user_id: str, device_id: str) -> dict:
        """Forget the device; returns what was recorded of it."""
        try:
            gone = self.table.delete_item(
                Key={"userId": user_id, "deviceId": device_id},
                ConditionExpression="attribute_exists(deviceId)",
                ReturnValues="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound("no such device") from None
            raise
        self._unindex(user_id, device_id, Attr(f"endpoints.{device_id}").exists())
        return gone

    def _unindex(self, user_id: str, device_id: str, condition: Any) -> None:
        """Take the device off the user's index if ``condition`` holds (nothing to do otherwise); delete an index
        left empty."""
        try:
            left = self.table.update_item(
                Key=_index_key(user_id),
                UpdateExpression="REMOVE endpoints.#device",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#device": device_id},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return
            raise
        if not left.get("endpoints"):
            try:
                self.table.delete_item(
                    Key=_index_key(user_id),
                    ConditionExpression="size(endpoints) = :none",
                    ExpressionAttributeValues={":none": 0},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise


def _index_key(user_id: str) -> dict:
    return {"userId": user_id, "deviceId": INDEX}
