"""The doorbell's rate limits: one counter item per (sender, recipient, minute) in DoorbellRateTable.

A counter is one conditional UpdateItem (add one while under the limit), so
concurrent deliveries cannot overshoot it; the item expires by TTL once its
minute is long past. The limit is the template's ``DoorbellRatePerMinute``
(20 unless the stack says otherwise). The minute is the platform's clock, not
the event's time, which the sender's cloud chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

KEPT_S = 3600


@dataclass
class RateLimits:
    table_name: str
    per_minute: int
    resource: Any = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def admit(self, sender: str, recipient: str) -> bool:
        """Count one notification from ``sender`` to ``recipient`` this minute; False, and nothing counted, once the
        minute's limit is reached."""
        now = self.clock()
        minute = now.strftime("%Y-%m-%dT%H:%M")
        try:
            self.table.update_item(
                Key={"counter": f"{sender}#{recipient}#{minute}"},
                UpdateExpression="ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":one": 1,
                    ":limit": self.per_minute,
                    ":expires": int(now.timestamp()) + KEPT_S,
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
