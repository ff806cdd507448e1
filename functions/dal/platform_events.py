"""The platform event publisher: what happened, on the platform's event bus, with ids only, never content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

SOURCE = "imegha.platform"


class PublishFailed(Exception):
    pass


@dataclass
class PlatformEvents:
    bus_name: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("events")

    def publish(self, detail_type: str, detail: dict) -> None:
        entries = self.client.put_events(Entries=[
            {"EventBusName": self.bus_name, "Source": SOURCE, "DetailType": detail_type, "Detail": json.dumps(detail)}
        ])
        if entries.get("FailedEntryCount"):
            raise PublishFailed(entries["Entries"][0].get("ErrorMessage", "the bus refused the event"))
