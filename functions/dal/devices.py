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

    def put(self, user_id: str, device_id: str, platform: str, token: str, at: str) -> None:
        self.table.put_item(
            Item={"userId": user_id, "deviceId": device_id, "platform": platform, "token": token, "registeredAt": at}
        )

    def delete(self, user_id: str, device_id: str) -> None:
        try:
            self.table.delete_item(
                Key={"userId": user_id, "deviceId": device_id}, ConditionExpression="attribute_exists(deviceId)"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound("no such device") from None
            raise

    def tokens(self, user_id: str) -> list[dict]:
        return self.table.query(
            KeyConditionExpression="userId = :user", ExpressionAttributeValues={":user": user_id}
        )["Items"]
