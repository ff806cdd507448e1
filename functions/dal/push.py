"""The push publisher: notifications to people's devices through the platform's SNS topic, ten per request.

Each message carries an APNs payload (``aps.alert``) for iOS endpoints and the
alert alone for every other protocol, and the recipient and the ids as message
attributes for the device endpoints' subscriptions to filter on. Payloads say
who did something, never what they said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

BATCH = 10  # what PublishBatch takes


class PushFailed(Exception):
    pass


@dataclass(frozen=True)
class Push:
    recipient: str
    alert: str
    data: dict = field(default_factory=dict)
    """Ids for the app to open the right place (conversation, message); never content."""


@dataclass
class PushPublisher:
    topic_arn: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("sns")

    def publish(self, pushes: list[Push]) -> int:
        """Publish every push; returns how many requests it took. Raises ``PushFailed`` if SNS refused any."""
        requests = 0
        for start in range(0, len(pushes), BATCH):
            batch = pushes[start : start + BATCH]
            answer = self.client.publish_batch(
                TopicArn=self.topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": str(index),
                        "Message": json.dumps(apns_message(push)),
                        "MessageStructure": "json",
                        "MessageAttributes": _attributes(push),
                    }
                    for index, push in enumerate(batch)
                ],
            )
            requests += 1
            if answer.get("Failed"):
                raise PushFailed(
                    f"SNS refused {len(answer['Failed'])} of {len(batch)} pushes: "
                    f"{answer['Failed'][0].get('Message', answer['Failed'][0].get('Code'))}"
                )
        return requests


def _attributes(push: Push) -> dict:
    """The recipient and the ids, for subscriptions to filter on without opening the payload."""
    return {
        name: {"DataType": "String", "StringValue": str(value)}
        for name, value in {"recipient": push.recipient, **push.data}.items()
    }


def apns_message(push: Push) -> dict:
    """What SNS delivers per protocol: the APNs payload for iOS devices, the alert text elsewhere."""
    apns = {"aps": {"alert": {"title": "iMegha", "body": push.alert}, "sound": "default"}, **push.data}
    return {"default": push.alert, "APNS": json.dumps(apns), "APNS_SANDBOX": json.dumps(apns)}
