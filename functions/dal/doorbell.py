"""What the doorbell's functions (notify, rekey) reach: the stores and the devices' push endpoints, and their idempotency records.

Both functions react to events that may arrive twice; both build the same
adapters from the environment the template gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from dal.connections import ConnectionsStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.groups import GroupStore
from dal.inbox import InboxStore
from dal.push import PushPublisher
from dal.rate_limits import RateLimits

# What makes two deliveries the same event: EventBridge's id differs when a cloud re-sends it, the detail does not.
SAME_EVENT = IdempotencyConfig(event_key_jmespath='[source, "detail-type", detail]', expires_after_seconds=7 * 86400)


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
