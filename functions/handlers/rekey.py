"""After a member is removed: revoke their key copies and tell the others of the group's new key.

The removal itself started the new epoch, with its key, in one transaction
(``logic.groups.remove_member``): nothing here decides which key anyone seals
under, so an event that is late or lost leaves no window, only a missed
notification. Reacts to the platform's own 'Member Removed' events only
(checked by account, since users' clouds may put events on the same bus);
Powertools idempotency drops a repeated event.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.doorbell import SAME_EVENT, Doorbell, idempotency_records
from logic import groups as chat_groups
from logic import notifications

logger = Logger()
tracer = Tracer()
metrics = Metrics()

doorbell = Doorbell.from_environment(os.environ)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics
@idempotent(config=SAME_EVENT, persistence_store=idempotency_records(os.environ))
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    bridge = EventBridgeEvent(event)
    own_account = context.invoked_function_arn.split(":")[4]
    if bridge.account != own_account:
        logger.warning("a 'Member Removed' event from another account is ignored", extra={"account": bridge.account})
        metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=1)
        return {"refused": f"only the platform ({own_account}) removes members"}
    detail = bridge.detail
    result = chat_groups.after_removal(doorbell.groups, detail["groupId"], detail["removedUserId"], detail["epoch"])
    if result["notify"]:
        notifications.group_rekeyed(doorbell, bridge.time, detail["groupId"], result["epoch"], result["notify"])
        metrics.add_metric(name="GroupsRekeyed", unit=MetricUnit.Count, value=1)
    return {name: value for name, value in result.items() if name != "notify"}
