"""Device push tokens in DeviceTokensTable: one item per (user, device)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from imegha_service.errors import NotFound


@dataclass
class DeviceStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def get(self, user_id: str, device_id: str) -> dict | None:
        return self.table.get_item(Key={"userId": user_id, "deviceId": device_id}, ConsistentRead=True).get("Item")

    def put(self, user_id: str, device_id: str, platform: str, token: str, at: str, endpoint: dict) -> None:
        """Record the device, with the SNS endpoint and subscription it rings through (``endpoint``, maybe empty)."""
        self.table.put_item(
            Item={
                "userId": user_id,
                "deviceId": device_id,
                "platform": platform,
                "token": token,
                "registeredAt": at,
                **endpoint,
            }
        )

    def delete(self, user_id: str, device_id: str) -> dict:
        """Forget the device; returns what was recorded of it."""
        try:
            return self.table.delete_item(
                Key={"userId": user_id, "deviceId": device_id},
                ConditionExpression="attribute_exists(deviceId)",
                ReturnValues="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound("no such device") from None
            raise
