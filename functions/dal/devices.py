"""Device push tokens in DeviceTokensTable: one item per (user, device)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from imegha_service.dynamodb import query_all
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

    def of(self, user_id: str) -> list[dict]:
        """Every device ``user_id`` registered."""
        return query_all(self.table, KeyConditionExpression=Key("userId").eq(user_id), ConsistentRead=True)

    def put(self, user_id: str, device_id: str, platform: str, token: str, at: str, endpoint: dict) -> None:
        """Record the device, with the SNS endpoint it rings through (``endpoint``, maybe empty)."""
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

    def endpoints(self, user_id: str) -> list[dict]:
        """The user's devices that have an SNS endpoint to ring: ``deviceId`` and ``endpointArn`` of each."""
        return query_all(
            self.table,
            KeyConditionExpression=Key("userId").eq(user_id),
            FilterExpression=Attr("endpointArn").exists(),
            ProjectionExpression="deviceId, endpointArn",
        )

    def forget_endpoint(self, user_id: str, device_id: str, endpoint_arn: str) -> None:
        """Take a gone endpoint off the device's record (the token stays), unless the device registered anew since."""
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
            return self.table.delete_item(
                Key={"userId": user_id, "deviceId": device_id},
                ConditionExpression="attribute_exists(deviceId)",
                ReturnValues="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound("no such device") from None
            raise
