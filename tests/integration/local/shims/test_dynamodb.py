"""DynamoDB on the local cloud under injected faults, answering as DynamoDB does: throttled requests and
transactions cancelled by a conflict, which the platform's transactions try again."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from imegha_local.faults import FaultRates
from imegha_service import dynamodb as platform_dynamodb

TABLE = "faulty"


@pytest.fixture(scope="module")
def table(local_cloud):
    dynamodb = local_cloud.client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return TABLE


@pytest.fixture
def faults(local_cloud):
    yield local_cloud.faults
    local_cloud.faults.inject(FaultRates())


def untried(local_cloud):
    """A client that does not retry, to see DynamoDB's answer itself."""
    return local_cloud.client("dynamodb", config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def put(pk: str) -> dict:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}}, "ConditionExpression": "attribute_not_exists(pk)"}}


def test_throttled_requests_answer_provisioned_throughput_exceeded(local_cloud, table, faults):
    client = untried(local_cloud)
    faults.inject(FaultRates(dynamodb_throughput=1.0))

    with pytest.raises(ClientError) as throttled:
        client.get_item(TableName=table, Key={"pk": {"S": "a"}})

    assert throttled.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert client.list_tables()["TableNames"]  # the control plane is not throttled


def test_a_conflicting_transaction_is_cancelled_naming_the_conflict_and_nothing_is_written(local_cloud, table, faults):
    client = untried(local_cloud)
    faults.inject(FaultRates(dynamodb_conflict=1.0))

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[put("b"), put("c")])
    with pytest.raises(ClientError) as single:
        client.put_item(TableName=table, Item={"pk": {"S": "d"}})

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]] == [
        "TransactionConflict",
        "None",
    ]
    assert single.value.response["Error"]["Code"] == "TransactionConflictException"
    faults.inject(FaultRates())
    assert client.scan(TableName=table)["Items"] == []


def test_the_platforms_transactions_try_a_conflict_again_and_then_write(local_cloud, table, faults, monkeypatch):
    monkeypatch.setattr(platform_dynamodb, "sleep", lambda seconds: None)
    resource = local_cloud.resource("dynamodb")
    faults.seed(1)
    faults.inject(FaultRates(dynamodb_conflict=0.5))

    # The resource's client takes items as Python values, as the platform's stores write them.
    items = [{"Put": {**put(pk)["Put"], "Item": {"pk": pk}}} for pk in ("e", "f")]
    platform_dynamodb.transact(resource, items, "taken")

    assert faults.injected["dynamodb_conflict"] >= 1
    faults.inject(FaultRates())
    assert sorted(item["pk"]["S"] for item in untried(local_cloud).scan(TableName=table)["Items"]) == ["e", "f"]
