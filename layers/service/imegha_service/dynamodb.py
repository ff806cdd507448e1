"""DynamoDB writes whose conditions decide between concurrent requests, and reads that finish what DynamoDB left.

A transaction DynamoDB cancels for a refused condition (``ConditionalCheckFailed``)
is a :class:`Conflict`: the request lost to another, and nothing was written. One
cancelled only because another transaction touched the same items at the same
moment (``TransactionConflict``) or for throughput (``ThrottlingError``,
``ProvisionedThroughputExceeded``) says nothing about the request: both writes
were legal, so it is tried again, with full-jitter exponential backoff, as AWS
advises; only when the attempts run out does the error stand. A BatchGetItem's
``UnprocessedKeys`` (throughput), and a BatchWriteItem's ``UnprocessedItems``, are
asked for again the same way, never in a tight loop; batches go several at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from imegha_service.errors import Conflict

ATTEMPTS = 6
BASE_DELAY_S = 0.05
MAX_DELAY_S = 1.0
BATCH_GET_KEYS = 100  # what one BatchGetItem takes
BATCH_WRITE_ITEMS = 25  # what one BatchWriteItem takes
# Batch requests at once: a thousand recipients' inboxes are written in the time of five requests, not forty.
IN_FLIGHT = 8
# Why DynamoDB may cancel a transaction that a moment later would succeed.
TRANSIENT_CANCELLATIONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}

sleep: Callable[[float], None] = time.sleep
"""How the retries wait; tests replace it to count and skip the waits."""


def backoff(attempt: int) -> float:
    """Full jitter: a random wait up to ``BASE_DELAY_S * 2**attempt``, at most ``MAX_DELAY_S``."""
    return random.uniform(0, min(MAX_DELAY_S, BASE_DELAY_S * 2**attempt))


def transact(resource: Any, items: list[dict[str, Any]], conflict_reason: str) -> None:
    """Write ``items`` (TransactItems) all or none; a condition that refuses any of them is a Conflict with
    ``conflict_reason``, and nothing is written. A cancellation that is only a collision with another transaction
    or throttling is retried (``ATTEMPTS`` in all); if it still fails, the ClientError stands."""
    for attempt in range(ATTEMPTS):
        try:
            resource.meta.client.transact_write_items(TransactItems=items)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = {reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in reasons:
                raise Conflict(conflict_reason) from None
            if not reasons - {"None"} or reasons - {"None"} - TRANSIENT_CANCELLATIONS or attempt == ATTEMPTS - 1:
                raise
        sleep(backoff(attempt))


def batch_get(resource: Any, table_name: str, keys: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    """Every item of ``keys`` that exists, in no particular order: ``BATCH_GET_KEYS`` per BatchGetItem, ``IN_FLIGHT``
    requests at once (``options``: ConsistentRead, ProjectionExpression, ...). Keys DynamoDB leaves unprocessed are
    asked for again after a backoff; if some are still left after ``ATTEMPTS`` rounds, RuntimeError (a read must not
    pass for an empty answer)."""

    def read(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(backoff(attempt - 1))
            answer = resource.meta.client.batch_get_item(RequestItems={table_name: {"Keys": pending, **options}})
            found += answer["Responses"].get(table_name, [])
            pending = answer.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
            if not pending:
                return found
        raise RuntimeError(f"DynamoDB left {len(pending)} keys of {table_name} unread after {ATTEMPTS} attempts")

    return [item for found in _in_flight(read, _batches(keys, BATCH_GET_KEYS)) for item in found]


def batch_put(resource: Any, table_name: str, items: list[dict[str, Any]]) -> None:
    """Put every one of ``items`` (no two with the same key): ``BATCH_WRITE_ITEMS`` per BatchWriteItem, ``IN_FLIGHT``
    requests at once. Items DynamoDB leaves unprocessed are written again after a backoff; if some are still left
    after ``ATTEMPTS`` rounds, RuntimeError (nothing is lost quietly; the caller's retry writes them all again)."""

    def write(batch: list[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(ATTEMPTS):
            if attempt:
                sleep(backoff(attempt - 1))
            answer = resource.meta.client.batch_write_item(RequestItems={table_name: pending})
            pending = answer.get("UnprocessedItems", {}).get(table_name, [])
            if not pending:
                return
        raise RuntimeError(f"DynamoDB left {len(pending)} items of {table_name} unwritten after {ATTEMPTS} attempts")

    _in_flight(write, _batches(items, BATCH_WRITE_ITEMS))


def _batches(entries: list[Any], size: int) -> list[list[Any]]:
    return [entries[start : start + size] for start in range(0, len(entries), size)]


def _in_flight(request: Callable[[Any], Any], batches: list[Any]) -> list[Any]:
    """``request`` of each batch, ``IN_FLIGHT`` at once (boto3's clients may be shared between threads); the first
    error raised, once the others are done."""
    if len(batches) <= 1:
        return [request(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=min(IN_FLIGHT, len(batches))) as pool:
        return list(pool.map(request, batches))


def query_all(table: Any, **query: Any) -> list[dict[str, Any]]:
    """Every item a Query of ``table`` (a boto3 Table) finds, page after page."""
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**query)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        query = query | {"ExclusiveStartKey": page["LastEvaluatedKey"]}
