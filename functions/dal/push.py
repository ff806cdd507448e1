"""The push publisher: notifications straight to each recipient's device endpoints, many requests at once.

Each push is one SNS ``Publish`` to one device's mobile endpoint (its ARN is on
the device's record and in its user's index of endpoints, which the publisher
reads a hundred recipients at a time), so no topic, subscription or filter policy stands between
the doorbell and a phone, and a millionth device needs no quota. SNS reports an
endpoint it disabled (Apple or Google said the token stopped working) as
``EndpointDisabled``, and one deleted as ``NotFound``: that endpoint is deleted
and taken off its device's record, which keeps the token until the device
registers again. Payloads say who did something, never what they said: an APNs
payload (``aps.alert``) for iOS endpoints and the alert alone for every other
protocol.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import ClientError

from dal.devices import DeviceStore
from imegha_service.dynamodb import BATCH_GET_KEYS

logger = Logger()

# Publishes in flight at once: a thousand recipients' phones are rung in about as many round trips as 1/32 of them.
CONCURRENCY = 32
# What SNS answers for an endpoint that will not take the push: the endpoint is cleaned up, the push is not retried.
GONE = {"EndpointDisabled", "NotFound"}


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
    devices: DeviceStore
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("sns", config=Config(max_pool_connections=CONCURRENCY))

    def publish(self, pushes: list[Push], first: Callable[[], None] = lambda: None) -> int:
        """Publish every push to each of its recipient's devices; returns how many requests it took (a BatchGetItem
        per hundred recipients, a publish per device). ``first`` (writing the inbox entries the pushes announce, which
        a phone opens when rung) runs while the endpoints are read, and nothing is published until it has returned.
        Raises ``PushFailed`` if SNS refused any for another reason than the endpoint being gone."""
        recipients = list(dict.fromkeys(push.recipient for push in pushes))
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            endpoints = pool.submit(self.devices.endpoints_of, recipients) if recipients else None
            first()
            found = endpoints.result() if endpoints else {}
            rings = [(push, device) for push in pushes for device in found.get(push.recipient, [])]
            failures = [outcome for outcome in pool.map(self._ring, rings) if outcome]
        if failures:
            raise PushFailed(f"SNS refused {len(failures)} of {len(rings)} pushes: {failures[0]}")
        return -(-len(recipients) // BATCH_GET_KEYS) + len(rings)

    def _ring(self, ring: tuple[Push, dict]) -> str | None:
        """Publish one push to one device; None when done (or the endpoint was gone and is forgotten), else why not."""
        push, device = ring
        try:
            self.client.publish(
                TargetArn=device["endpointArn"], Message=json.dumps(apns_message(push)), MessageStructure="json"
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in GONE:
                return f"{code}: {error.response['Error'].get('Message', '')}"
            logger.info("device endpoint gone: forgotten", extra={"code": code, "endpointArn": device["endpointArn"]})
            self.client.delete_endpoint(EndpointArn=device["endpointArn"])
            self.devices.forget_endpoint(push.recipient, device["deviceId"], device["endpointArn"])
        return None


def apns_message(push: Push) -> dict:
    """What SNS delivers per protocol: the APNs payload for iOS devices, the alert text elsewhere."""
    apns = {"aps": {"alert": {"title": "iMegha", "body": push.alert}, "sound": "default"}, **push.data}
    return {"default": push.alert, "APNS": json.dumps(apns), "APNS_SANDBOX": json.dumps(apns)}
