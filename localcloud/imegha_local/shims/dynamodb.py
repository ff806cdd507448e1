"""DynamoDB: under injected faults, throttled requests and conflicting transactions, as DynamoDB answers them.

moto serves every request it can. In AWS a request to a table past its
throughput answers ``ProvisionedThroughputExceededException`` (the SDKs retry
it), and a write that meets another transaction on one of its items is
cancelled: ``TransactWriteItems`` with ``TransactionCanceledException`` whose
reason is ``TransactionConflict``, a single-item write with
``TransactionConflictException``. The faults ``dynamodb_throughput`` and
``dynamodb_conflict`` (:mod:`imegha_local.faults`) make them happen at a rate.
"""

from __future__ import annotations

import json

from imegha_local.shims.core import active, patch

DATA_PLANE = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}
SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def _dynamodb_throttles_and_conflicts_as_faults_inject() -> None:
    """A data-plane request answers ``ProvisionedThroughputExceededException``, and a write a transaction conflict,
    at the rates the injected faults set (never without them)."""
    from moto.dynamodb.responses import DynamoHandler

    @patch(DynamoHandler, "call_action")
    def call_action(original, handler):
        action = handler._get_action()
        faults = active().runtime.faults
        if action in DATA_PLANE and faults.strikes("dynamodb_throughput"):
            return _error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. (an injected fault)",
            )
        if action == "TransactWriteItems" and faults.strikes("dynamodb_conflict"):
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
            reasons += [{"Code": "None"}] * (len(_request(handler).get("TransactItems", [])) - 1)
            return _error(
                "TransactionCanceledException",
                "Transaction cancelled, please refer cancellation reasons for specific reasons "
                f"[{', '.join(reason['Code'] for reason in reasons)}]",
                CancellationReasons=reasons,
            )
        if action in SINGLE_WRITES and faults.strikes("dynamodb_conflict"):
            return _error(
                "TransactionConflictException",
                "Transaction is ongoing for the item (an injected fault)",
            )
        return original(handler)


def _request(handler) -> dict:
    """The request's JSON body, as it came (before moto parses it)."""
    raw = handler.body
    return json.loads(raw.decode() if isinstance(raw, bytes) else raw or "{}")


def _error(code: str, message: str, **more) -> tuple[int, dict[str, str], str]:
    body = {"__type": _PREFIX + code, "message": message, **more}
    return 400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body)
