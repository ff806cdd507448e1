"""What the platform holds, read as whoever runs it could: every table of its stack, and its user pool.

The tables and pools are found in the deployed stack (and its nested stacks),
never in a list kept here, so a table added to ``template.yaml`` is read too.
"""

from __future__ import annotations

import json

import boto3

from imegha_local.cloud import DeployedStack, LocalCloud


class PlatformView:
    def __init__(self, cloud: LocalCloud, stack: DeployedStack):
        self.cloud = cloud
        self.stack = stack
        self.dynamodb = cloud.client("dynamodb")
        operator = cloud.platform
        self._tables = boto3.Session(
            aws_access_key_id=operator.access_key_id,
            aws_secret_access_key=operator.secret_access_key,
            region_name=cloud.region,
        ).resource("dynamodb", endpoint_url=cloud.endpoint_url)

    def resources(self, resource_type: str, stack: str | None = None) -> dict[str, str]:
        """Logical id → physical id of every ``resource_type`` in the stack and its nested stacks."""
        cloudformation = self.cloud.client("cloudformation")
        found = {}
        for page in cloudformation.get_paginator("list_stack_resources").paginate(
            StackName=stack or self.stack.stack_id
        ):
            for resource in page["StackResourceSummaries"]:
                if resource["ResourceType"] == resource_type:
                    found[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
                elif resource["ResourceType"] == "AWS::CloudFormation::Stack":
                    found |= self.resources(resource_type, resource["PhysicalResourceId"])
        return found

    def tables(self) -> dict[str, str]:
        return self.resources("AWS::DynamoDB::Table")

    def table(self, logical_id: str):
        return self._tables.Table(self.tables()[logical_id])

    def items(self) -> dict[str, list[dict]]:
        """Every item of every table, as DynamoDB returns it (typed attribute values), by table name."""
        everything = {}
        for name in self.tables().values():
            items = []
            for page in self.dynamodb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
                items += page["Items"]
            everything[name] = items
        return everything

    def snapshot(self) -> str:
        """Everything the platform's tables hold, as one comparable text: equal snapshots mean nothing was written."""
        return json.dumps(
            {name: sorted(map(_canonical, items)) for name, items in self.items().items()}, sort_keys=True
        )

    def cognito_users(self) -> list[dict]:
        """Every user of every pool in the stack, with all their attributes, as the pool's operator lists them."""
        cognito = self.cloud.client("cognito-idp")
        users = []
        for pool_id in self.resources("AWS::Cognito::UserPool").values():
            for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool_id):
                users += page["Users"]
        return users

    def directory_entry(self, user_id: str) -> dict:
        return self.table("DirectoryTable").get_item(Key={"pk": f"USER#{user_id}"}, ConsistentRead=True)["Item"]

    def replace_directory_entry(self, item: dict) -> None:
        """What a malicious (or breached) platform can do: write whatever it likes."""
        self.table("DirectoryTable").put_item(Item=item)


def _canonical(item: dict) -> str:
    return json.dumps(item, sort_keys=True, default=bytes.hex)
