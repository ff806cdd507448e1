"""imegha_service.dynamodb: a lost condition is a 409; a collision between two legal writes or throttling is retried
with backoff; unprocessed keys and items are asked for again after a wait, never in a tight loop."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from imegha_service import dynamodb
from imegha_service.errors import Conflict


def cancelled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": f"Transaction cancelled [{', '.join(codes)}]"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


class Transactions:
    """A DynamoDB client that cancels the first transactions with ``failures``, then writes."""

    def __init__(self, *failures: ClientError):
        self.failures = list(failures)
        self.written = 0
        self.meta = SimpleNamespace(client=self)

    def transact_write_items(self, TransactItems):  # noqa: N803 - boto3's parameter name
        if self.failures:
            raise self.failures.pop(0)
        self.written += 1


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(dynamodb, "sleep", waited.append)
    return waited


def test_a_collision_between_two_legal_transactions_is_retried_with_backoff_not_reported_as_a_conflict(waits):
    resource = Transactions(cancelled("None", "TransactionConflict"), cancelled("ThrottlingError", "None"))

    dynamodb.transact(resource, [{}], "taken")

    assert resource.written == 1 and len(waits) == 2
    assert all(0 <= wait <= dynamodb.MAX_DELAY_S for wait in waits)


def test_a_failed_condition_is_a_conflict_at_once_even_beside_a_collision(waits):
    resource = Transactions(cancelled("TransactionConflict", "ConditionalCheckFailed"))

    with pytest.raises(Conflict, match="taken"):
        dynamodb.transact(resource, [{}], "taken")
    assert resource.written == 0 and waits == []


def test_collisions_that_never_clear_are_an_error_not_a_conflict(waits):
    resource = Transactions(*[cancelled("TransactionConflict")] * dynamodb.ATTEMPTS)

    with pytest.raises(ClientError, match="TransactionCanceledException"):
        dynamodb.transact(resource, [{}], "taken")
    assert len(waits) == dynamodb.ATTEMPTS - 1


def test_a_cancellation_for_any_other_reason_is_not_retried(waits):
    with pytest.raises(ClientError):
        dynamodb.transact(Transactions(cancelled("ValidationError")), [{}], "taken")
    assert waits == []


class Batches:
    """A DynamoDB resource whose BatchGetItem leaves the last key of a request unprocessed ``stingy`` times."""

    def __init__(self, items: dict[str, dict], stingy: int):
        self.items, self.stingy, self.requests = items, stingy, []
        self.meta = SimpleNamespace(client=self)
        self.lock = threading.Lock()

    def batch_get_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
        ((table, request),) = RequestItems.items()
        keys = request["Keys"]
        with self.lock:
            self.requests.append(len(keys))
            left = keys[-1:] if self.stingy else []
            self.stingy -= bool(left)
        found = [self.items[key["id"]] for key in keys[: len(keys) - len(left)] if key["id"] in self.items]
        return {"Responses": {table: found}, "UnprocessedKeys": {table: {"Keys": left}} if left else {}}


def test_unprocessed_keys_are_asked_for_again_after_a_backoff_and_batches_hold_a_hundred_keys(waits):
    items = {f"k{n}": {"id": f"k{n}"} for n in range(250)}
    resource = Batches(items, stingy=2)

    found = dynamodb.batch_get(resource, "T", [{"id": key} for key in items] + [{"id": "absent"}])

    assert sorted(item["id"] for item in found) == sorted(items)
    assert sorted(resource.requests) == [1, 1, 51, 100, 100]  # the batches go at once, in no set order
    assert len(waits) == 2 and all(wait >= 0 for wait in waits)


def test_keys_left_unprocessed_every_time_are_an_error_not_a_short_answer(waits):
    with pytest.raises(RuntimeError, match="unread"):
        dynamodb.batch_get(Batches({"k": {"id": "k"}}, stingy=99), "T", [{"id": "k"}])
    assert len(waits) == dynamodb.ATTEMPTS - 1


class Writes:
    """A DynamoDB resource whose BatchWriteItem leaves the last item of a request unprocessed ``stingy`` times."""

    def __init__(self, stingy: int):
        self.stingy, self.requests, self.written = stingy, [], []
        self.meta = SimpleNamespace(client=self)
        self.lock = threading.Lock()

    def batch_write_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
        ((table, requests),) = RequestItems.items()
        with self.lock:
            self.requests.append(len(requests))
            left = requests[-1:] if self.stingy else []
            self.stingy -= bool(left)
            self.written += [request["PutRequest"]["Item"]["id"] for request in requests[: len(requests) - len(left)]]
        return {"UnprocessedItems": {table: left} if left else {}}


def test_unprocessed_items_are_written_again_after_a_backoff_and_batches_hold_twenty_five_items(waits):
    resource = Writes(stingy=2)

    dynamodb.batch_put(resource, "T", [{"id": f"k{n}"} for n in range(60)])

    assert sorted(resource.written) == sorted(f"k{n}" for n in range(60))
    assert sorted(resource.requests) == [1, 1, 10, 25, 25] and len(waits) == 2


def test_items_left_unprocessed_every_time_are_an_error_not_a_quiet_loss(waits):
    with pytest.raises(RuntimeError, match="unwritten"):
        dynamodb.batch_put(Writes(stingy=99), "T", [{"id": "k"}])
    assert len(waits) == dynamodb.ATTEMPTS - 1
