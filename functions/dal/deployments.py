"""The deployments store: one item per deployment of a user's cloud in DeploymentsTable, keyed (userId, deploymentId).

A deployment's status only moves forward (requested, in progress, then
succeeded or failed), and each step is one conditional write: a step that is
repeated (a retried task, a redelivered event) or comes late changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from imegha_service.errors import NotFound

REQUESTED, IN_PROGRESS, SUCCEEDED, FAILED = "REQUESTED", "IN_PROGRESS", "SUCCEEDED", "FAILED"
# What each status may follow.
_PREVIOUS = {IN_PROGRESS: (REQUESTED,), SUCCEEDED: (REQUESTED, IN_PROGRESS), FAILED: (REQUESTED, IN_PROGRESS)}


@dataclass
class DeploymentStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    def create(self, user_id: str, deployment_id: str, at: str) -> None:
        self.table.put_item(
            Item={"userId": user_id, "deploymentId": deployment_id, "status": REQUESTED, "requestedAt": at,
                  "updatedAt": at},
            ConditionExpression="attribute_not_exists(deploymentId)",
        )

    def get(self, user_id: str, deployment_id: str) -> dict:
        item = self.table.get_item(Key={"userId": user_id, "deploymentId": deployment_id}, ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound("no such deployment")
        return item

    def advance(self, user_id: str, deployment_id: str, status: str, at: str, reason: str | None = None) -> bool:
        """Move to ``status`` if the deployment is at a step before it; False if it was not (nothing changes)."""
        names = {"#status": "status"}
        values = {":status": status, ":at": at, **{f":from{i}": s for i, s in enumerate(_PREVIOUS[status])}}
        update = "SET #status = :status, updatedAt = :at"
        if reason is not None:
            update += ", reason = :reason"
            values[":reason"] = reason
        allowed = " OR ".join(f"#status = :from{i}" for i in range(len(_PREVIOUS[status])))
        try:
            self.table.update_item(
                Key={"userId": user_id, "deploymentId": deployment_id}, UpdateExpression=update,
                ConditionExpression=f"attribute_exists(deploymentId) AND ({allowed})",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
