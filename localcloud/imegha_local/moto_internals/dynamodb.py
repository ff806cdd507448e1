"""The internals of DynamoDB: where its tables keep their items, and where a request is answered."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, method

INTERNALS: tuple[Internal, ...] = (
    # moto.dynamodb
    method(
        "moto.dynamodb.responses.DynamoHandler.call_action",
        "self",
        "shims.dynamodb._dynamodb_throttles_and_conflicts_as_faults_inject",
    ),
    attribute("moto.dynamodb.models.DynamoDBBackend.tables", "snapshots.stored_state"),
    attribute("moto.dynamodb.models.dynamodb_backends", "snapshots.stored_state"),
    method("moto.dynamodb.models.dynamo_type.Item.to_json", "self, root_attr_name", "snapshots.stored_state"),
    method("moto.dynamodb.models.table.Table.all_items", "self", "snapshots.stored_state"),
)
