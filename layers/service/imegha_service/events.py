"""Telling the platform what happened, as ids only, never content: its own functions put events on its bus, users'
clouds ring its doorbell API, signed with their roles."""

from __future__ import annotations

import json
import os
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

PLATFORM_SOURCE = "imegha.platform"
"""The source of what the platform's own functions publish."""
USER_CLOUD_SOURCE = "imegha.user-cloud"
"""The source of what users' clouds ring the doorbell with, as the doorbell relays it onto the platform bus."""


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
        self.publish_as(self.source, detail_type, detail)

    def publish_as(self, source: str, detail_type: str, detail: dict[str, Any], at: str | None = None) -> None:
        """Publish under another ``source`` than this publisher's, and at the time ``at`` (ISO 8601) if given: an
        event put back as it first came (redrive)."""
        entry: dict[str, Any] = {
            "EventBusName": self.bus,
            "Source": source,
            "DetailType": detail_type,
            "Detail": json.dumps(detail),
        }
        if at is not None:
            entry["Time"] = datetime.fromisoformat(at)
        answer = self.client.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            raise PublishFailed(answer["Entries"][0].get("ErrorMessage", "the bus refused the event"))


class Announcer(Protocol):
    """Whatever tells the platform what happened: the bus (the platform's functions) or the doorbell (users' clouds)."""

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


RING_ATTEMPTS = 4
RING_TIMEOUT_S = 10
_RETRIED = {429, 500, 502, 503, 504}


@dataclass
class SignedDoorbell:
    """Rings the platform's doorbell API (``url``) as this function's own role: a POST signed with Signature Version
    4 (``AWS_IAM``), so the platform knows which account rang without any policy naming it.

    A ring is idempotent on the platform's side (the same event notifies once), so a throttled or failed one
    (429, 5xx, no answer) is tried again, up to ``RING_ATTEMPTS`` times with full-jitter exponential backoff; a
    refusal (4xx) is not. Raises :class:`PublishFailed` with the platform's reason when it did not ring.
    """

    url: str
    session: Any = None
    sleep: Callable[[float], None] = time.sleep
    region: str | None = None
    """The doorbell's region, which API Gateway checks the signature's against: the platform's, which a cloud
    standing in a region of its own is not in (None: the function's own)."""

    def __post_init__(self) -> None:
        self.session = self.session or boto3.Session()

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        body = json.dumps({"detailType": detail_type, "detail": detail}).encode()
        reason = "no answer"
        for attempt in range(RING_ATTEMPTS):
            if attempt:
                self.sleep(random.uniform(0, min(2.0, 0.1 * 2**attempt)))
            try:
                status, answer = self._post(body)
            except OSError as error:
                reason = f"no answer: {error}"
                continue
            if status < 300:
                return
            reason = f"HTTP {status}: {answer.get('message', '')}"
            if status not in _RETRIED:
                break
        raise PublishFailed(f"the doorbell did not ring ({reason})")

    def _post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        request = AWSRequest(method="POST", url=self.url, data=body, headers={"Content-Type": "application/json"})
        credentials = self.session.get_credentials().get_frozen_credentials()
        region = self.region or self.session.region_name or os.environ["AWS_REGION"]
        SigV4Auth(credentials, "execute-api", region).add_auth(request)
        return self._send(dict(request.headers.items()), body)

    def _send(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """POST the signed ring; the status and the answer's JSON."""
        prepared = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(prepared, timeout=RING_TIMEOUT_S) as response:  # noqa: S310 - the platform's URL
                return response.status, _json_or_empty(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json_or_empty(error.read())


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
