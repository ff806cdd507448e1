"""Rekeying a group after a member is removed: revoke their key copies, start the next epoch, tell the others.

Reacts to the platform's own 'Member Removed' events only (checked by account,
since users' clouds may put events on the same bus). Idempotent twice over:
Powertools idempotency drops a repeated event, and the epoch advances only from
the epoch the removal names.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from dal.groups import GroupStore
from dal.inbox import InboxStore
from dal.push import PushPublisher
from logic import groups as chat_groups
from logic import notifications
from logic.notifications import Doorbell

logger = Logger()
tracer = Tracer()
metrics = Metrics()

groups = GroupStore(os.environ["CONNECTIONS_TABLE_NAME"])
doorbell = Doorbell(
    DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"]),
    groups,
    InboxStore(os.environ["NOTIFICATIONS_TABLE_NAME"]),
    PushPublisher(os.environ["PUSH_TOPIC_ARN"]),
)
idempotency = IdempotencyConfig(event_key_jmespath='[source, "detail-type", detail]', expires_after_seconds=7 * 86400)
persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE_NAME"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@idempotent(config=idempotency, persistence_store=persistence)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    bridge = EventBridgeEvent(event)
    own_account = context.invoked_function_arn.split(":")[4]
    if bridge.account != own_account:
        logger.warning("a 'Member Removed' event from another account is ignored", extra={"account": bridge.account})
        metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=1)
        return {"refused": f"only the platform ({own_account}) removes members"}
    detail = bridge.detail
    result = chat_groups.rekey_after_removal(groups, detail["groupId"], detail["removedUserId"], detail["fromEpoch"])
    if result["notify"]:
        notifications.group_rekeyed(doorbell, bridge.time, detail["groupId"], result["epoch"], result["notify"])
        metrics.add_metric(name="GroupsRekeyed", unit=MetricUnit.Count, value=1)
    return {name: value for name, value in result.items() if name != "notify"}
