"""The doorbell: 'Message Posted' and 'Share Created' from users' clouds, and the deploy state machine's 'Deployment
Succeeded' and 'Deployment Failed', become inbox entries and pushes.

Users' clouds ring the doorbell API (``handlers.doorbell``), which checks the
account that signed the ring and relays it onto the bus from the platform's own
account, with that account as ``cloudAccountId``: an event is believed only from
the platform, and its ring only from the account registered as the sender's
cloud (checked again here).

Idempotent: an event that arrives twice (EventBridge delivers at least once; a
cloud may re-send after a lost answer) has the same source, type and detail,
and notifies once; its inbox entries are named by the time the event was first
heard (:class:`dal.doorbell.FirstHeard`), so a run that failed halfway and a
later copy of the event write the same entries, not two of each. A refused event (from an account that is not the sender's
cloud, or naming people the platform will not notify) is dropped with a log
line; a failure is retried by Lambda and then lands in the dead-letter queue.
"""

import os
from functools import partial
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.idempotency import idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.doorbell import SAME_EVENT, Doorbell, FirstHeard, idempotency_records
from imegha_service.errors import InvalidRequest
from imegha_service.requests import CRYPTO_SCHEMAS, schema_validator, validate
from logic import notifications
from logic.notifications import Refused
from logic.ringing import RELAYED_ACCOUNT

logger = Logger()
tracer = Tracer()
metrics = Metrics()

SCHEMAS = Path(__file__).parent.parent / "schemas"
doorbell = Doorbell.from_environment(os.environ)
first_heard = FirstHeard(os.environ["IDEMPOTENCY_TABLE_NAME"])

EVENTS = {
    "Message Posted": ("message-posted.json", notifications.message_posted),
    "Share Created": ("share-created.json", notifications.share_created),
    "Deployment Succeeded": (
        "deployment-finished.json",
        partial(notifications.deployment_finished, notifications.SUCCEEDED),
    ),
    "Deployment Failed": ("deployment-finished.json", partial(notifications.deployment_finished, notifications.FAILED)),
}
# Said by the platform itself; the others, by a user's cloud through the doorbell API.
PLATFORMS_OWN = {"Deployment Succeeded", "Deployment Failed"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics
@idempotent(config=SAME_EVENT, persistence_store=idempotency_records(os.environ))
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    bridge = EventBridgeEvent(event)
    schema, ring = EVENTS[bridge.detail_type]
    own_account = context.invoked_function_arn.split(":")[4]
    detail, account = dict(bridge.detail), bridge.account
    try:
        if bridge.account != own_account:
            raise Refused(f"only the platform ({own_account}) puts events on its bus, not {bridge.account}")
        if bridge.detail_type not in PLATFORMS_OWN:
            account = str(detail.pop(RELAYED_ACCOUNT, ""))  # the account that rang, as the doorbell API saw it
        validate(detail, schema_validator(SCHEMAS / schema, SCHEMAS, CRYPTO_SCHEMAS))
        rung = ring(doorbell, account, first_heard.time_of(event), detail)
    except (Refused, InvalidRequest) as refusal:
        logger.warning(
            "event refused", extra={"detailType": bridge.detail_type, "account": account, "reason": str(refusal)}
        )
        metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=1)
        return {"notified": 0, "refused": str(refusal)}
    metrics.add_metric(name="Notifications", unit=MetricUnit.Count, value=len(rung.recipients))
    return {"notified": len(rung.recipients), "pushRequests": rung.push_requests}
