"""DynamoDB writes whose conditions decide between concurrent requests."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from imegha_service.errors import Conflict


def transact(resource: Any, items: list[dict[str, Any]], conflict_reason: str) -> None:
    """Write ``items`` (TransactItems) all or none; a condition that refuses any of them is a Conflict with
    ``conflict_reason``, and nothing is written."""
    try:
        resource.meta.client.transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response["Error"]["Code"] == "TransactionCanceledException":
            raise Conflict(conflict_reason) from None
        raise


def query_all(table: Any, **query: Any) -> list[dict[str, Any]]:
    """Every item a Query of ``table`` (a boto3 Table) finds, page after page."""
    items: list[dict[str, Any]] = []
    while True:
        page = table.query(**query)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        query = query | {"ExclusiveStartKey": page["LastEvaluatedKey"]}
