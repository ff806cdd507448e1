"""The operator's redrive: what waits in the dead-letter queue, with why, and putting it back on the platform bus.

An event lands in the dead-letter queue when its rule or its function gave up
on it; the queue keeps why (``ErrorCode`` and ``ErrorMessage`` attributes, as
EventBridge and Lambda set them). Listing reads the messages without taking
them; replaying puts each event back on the platform bus as the platform (its
source, type, detail and time unchanged) and deletes it from the queue only once
the bus took it. Replaying is idempotent: the functions that consume the bus
recognise an event they already handled by its source, type and detail
(Powertools idempotency), so an event replayed twice, or one that had in fact
been handled before it was dead-lettered, notifies once; and an inbox entry is
named by its event's time, so one that a run cut short had written already is
written again under the same name, not beside it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from imegha_service.events import EventPublisher

logger = Logger()

REASONS = ("ErrorCode", "ErrorMessage")


def letter(record: dict[str, Any]) -> dict[str, Any]:
    """What one dead letter says: the event's type and ids, and why it failed (never content: events hold ids)."""
    event = json.loads(record["body"])
    attributes = record.get("messageAttributes") or {}
    reason = {name: attributes[name]["stringValue"] for name in REASONS if name in attributes}
    return {
        "messageId": record["messageId"],
        "receiptHandle": record["receiptHandle"],
        "detailType": event.get("detail-type"),
        "detail": event.get("detail"),
        **reason,
    }


def replay(records: list[dict[str, Any]], bus: EventPublisher) -> tuple[list[str], list[str]]:
    """Put each dead letter's event back on the bus; (message ids replayed, message ids that failed again)."""

    def put_back(record: SQSRecord) -> None:
        event = json.loads(record.body)
        bus.publish_as(event["source"], event["detail-type"], event["detail"], event.get("time"))

    processor = BatchProcessor(event_type=EventType.SQS)
    answer = process_partial_response({"Records": records}, put_back, processor)
    failed = [failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])]
    return [record["messageId"] for record in records if record["messageId"] not in failed], failed
