"""DynamoDB tables as a template declares them, created in a mocked or local AWS.

Tests never keep their own list of tables or keys: they read the template.
"""

from __future__ import annotations

from pathlib import Path

from imegha_local.templates import load_template

_TABLE_PROPERTIES = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


def create_tables(dynamodb_client, template_path: Path) -> dict[str, str]:
    """Create every ``AWS::DynamoDB::Table`` of the template, named by logical id; returns logical id → name."""
    resources = load_template(template_path)["Resources"]
    created = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        properties = {key: value for key, value in resource["Properties"].items() if key in _TABLE_PROPERTIES}
        dynamodb_client.create_table(TableName=logical_id, BillingMode="PAY_PER_REQUEST", **properties)
        created[logical_id] = logical_id
    return created
