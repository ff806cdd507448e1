"""The operator's redrive of the dead-letter queue, invoked by hand: ``{"replay": false}`` lists what waits there and
why; ``{"replay": true}`` puts it back on the platform bus and takes it off the queue (:mod:`logic.redrive`).

``aws lambda invoke --function-name <RedriveFunction> --payload '{"replay": true}' out.json``
"""

import os

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from imegha_service.events import EventPublisher
from logic import redrive

logger = Logger()
tracer = Tracer()

QUEUE_URL = os.environ["EVENT_DEAD_LETTER_QUEUE_URL"]
bus = EventPublisher(os.environ["PLATFORM_EVENT_BUS_NAME"], "imegha.platform")
sqs = boto3.client("sqs")
BATCH = 10  # what ReceiveMessage gives at most
VISIBILITY_S = 300  # what this run holds; a letter not replayed shows again after it


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    replaying, most = bool(event.get("replay")), min(int(event.get("max", 100)), 1000)
    letters, replayed, failed = [], [], []
    while len(letters) < most:
        received = sqs.receive_message(
            QueueUrl=QUEUE_URL,
            MaxNumberOfMessages=min(BATCH, most - len(letters)),
            MessageAttributeNames=list(redrive.REASONS),
            VisibilityTimeout=VISIBILITY_S,
        ).get("Messages", [])
        if not received:
            break
        records = [_record(message) for message in received]
        letters += [redrive.letter(record) for record in records]
        if replaying:
            done, again = redrive.replay(records, bus)
            handles = {record["messageId"]: record["receiptHandle"] for record in records}
            for message_id in done:
                sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=handles[message_id])
            replayed += done
            failed += again
    if not replaying:
        for letter in letters:  # listing takes nothing: each shows again at once
            sqs.change_message_visibility(
                QueueUrl=QUEUE_URL, ReceiptHandle=letter.pop("receiptHandle"), VisibilityTimeout=0
            )
    else:
        for letter in letters:
            letter.pop("receiptHandle", None)
    logger.info("redrive", extra={"letters": len(letters), "replayed": len(replayed), "failed": len(failed)})
    return {"letters": letters, "replayed": replayed, "failedAgain": failed}


def _record(message: dict) -> dict:
    """A received SQS message in the shape of an SQS event's record, as BatchProcessor takes it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value.get("DataType")}
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "eventSource": "aws:sqs",
    }
