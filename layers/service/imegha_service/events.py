"""Putting events on the platform's bus: what happened, as ids only, never content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

PLATFORM_SOURCE = "imegha.platform"
"""The source of what the platform's own functions publish; user clouds publish as ``imegha.user-cloud``."""


class PublishFailed(Exception):
    """The bus refused the event; the message says why."""


@dataclass
class EventPublisher:
    """Puts events from ``source`` on ``bus`` (a name in this account, or the ARN of another account's bus)."""

    bus: str
    source: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("events")

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        answer = self.client.put_events(
            Entries=[
                {
                    "EventBusName": self.bus,
                    "Source": self.source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            raise PublishFailed(answer["Entries"][0].get("ErrorMessage", "the bus refused the event"))
