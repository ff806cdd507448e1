"""What the doorbell's functions (notify, rekey) reach: the stores and the devices' push endpoints, and their idempotency records.

Both functions react to events that may arrive twice; both build the same
adapters from the environment the template gives them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from botocore.exceptions import ClientError

from dal.connections import ConnectionsStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.groups import GroupStore
from dal.inbox import InboxStore
from dal.push import PushPublisher
from dal.rate_limits import RateLimits

# What makes two deliveries the same event: EventBridge's id differs when a cloud re-sends it, the detail does not.
KEPT_S = 7 * 86400
SAME_EVENT = IdempotencyConfig(event_key_jmespath='[source, "detail-type", detail]', expires_after_seconds=KEPT_S)


@dataclass(frozen=True)
class Doorbell:
    directory: DirectoryStore
    connections: ConnectionsStore
    groups: GroupStore
    inbox: InboxStore
    push: PushPublisher
    # Only the function that hears users' clouds has one (its events are the ones to limit); without it, they are
    # refused, not let through.
    rate: RateLimits | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Doorbell:
        return cls(
            DirectoryStore(environ["DIRECTORY_TABLE_NAME"]),
            ConnectionsStore(environ["CONNECTIONS_TABLE_NAME"]),
            GroupStore(environ["CONNECTIONS_TABLE_NAME"]),
            InboxStore(environ["NOTIFICATIONS_TABLE_NAME"]),
            PushPublisher(DeviceStore(environ["DEVICE_TOKENS_TABLE_NAME"])),
            RateLimits(environ["DOORBELL_RATE_TABLE_NAME"], int(environ["DOORBELL_RATE_PER_MINUTE"]))
            if "DOORBELL_RATE_TABLE_NAME" in environ
            else None,
        )


def idempotency_records(environ: Mapping[str, str]) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=environ["IDEMPOTENCY_TABLE_NAME"])


@dataclass
class FirstHeard:
    """When the platform first heard of an event, kept beside the idempotency records: the time every delivery of
    the same event (same source, type and detail) files its inbox entries under.

    Idempotency makes a delivery of an event already handled a no-op, but a run that failed after writing some
    inbox entries is forgotten, so that the event can be tried again; if the event came twice (a cloud that heard no
    answer rang again, and the doorbell relayed it as a second event, later), the second would name its entries by
    its own time and sit beside the first's. One conditional write per event keeps the first time instead.
    """

    table_name: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("dynamodb")

    def time_of(self, event: Mapping[str, Any]) -> str:
        """The time the event was first heard: this delivery's own, unless an earlier delivery's is kept."""
        same = json.dumps([event["source"], event["detail-type"], event["detail"]], sort_keys=True)
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    "id": {"S": "first-heard#" + hashlib.sha256(same.encode()).hexdigest()},
                    "time": {"S": event["time"]},
                    "expiration": {"N": str(int(time.time()) + KEPT_S)},
                },
                ConditionExpression="attribute_not_exists(id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return str(error.response["Item"]["time"]["S"])
        return str(event["time"])
