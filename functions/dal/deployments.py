"""The deployments store: DeploymentsTable, keyed (userId, deploymentId), two kinds of item per user.

- ``deploymentId = "cloud"``: the user's cloud itself: the ExternalId the platform
  made for them, the deployment role they created, and, while a stack stands, its
  account, status and outputs. It also holds the lock that lets one deployment at a
  time act on the stack (``activeDeploymentId``, which lapses at ``activeUntil`` so a
  lost execution cannot hold it for ever).
- ``deploymentId = <uuid>``: one deploy or destroy, with the role and region it was asked
  for (a later change of role never redirects a running deployment), its status, the
  execution that runs it and what came of it.

A deployment's status only moves forward (requested, in progress, then succeeded
or failed), and each step is one conditional write: a step that is repeated (a
retried task, a redelivered event) or comes late changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from imegha_service.dynamodb import query_all
from imegha_service.errors import Conflict, NotFound

CLOUD = "cloud"  # the sort key of the user's cloud item; deployment ids are UUIDs, so never this
REQUESTED, IN_PROGRESS, SUCCEEDED, FAILED = "REQUESTED", "IN_PROGRESS", "SUCCEEDED", "FAILED"
# What each status may follow.
_PREVIOUS = {IN_PROGRESS: (REQUESTED,), SUCCEEDED: (REQUESTED, IN_PROGRESS), FAILED: (REQUESTED, IN_PROGRESS)}
# What a standing stack says of itself on the cloud item; all removed when the stack is gone.
STACK_ATTRIBUTES = ("cloudAccountId", "cloudApiUrl", "bucketName", "tableName", "deployedAt")
GONE = "DELETE_COMPLETE"  # CloudFormation's last word on a stack that no longer exists


def _is(error: ClientError, *codes: str) -> bool:
    return error.response["Error"]["Code"] in codes


@dataclass
class DeploymentStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    # --- the user's cloud ------------------------------------------------------

    def cloud(self, user_id: str) -> dict | None:
        return self.table.get_item(Key={"userId": user_id, "deploymentId": CLOUD}, ConsistentRead=True).get("Item")

    def connect(self, user_id: str, external_id: str, at: str) -> dict:
        """The cloud item, made with ``external_id`` if the user has none yet (an ExternalId never changes)."""
        item = {"userId": user_id, "deploymentId": CLOUD, "externalId": external_id, "connectedAt": at}
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(deploymentId)")
        except ClientError as error:
            if not _is(error, "ConditionalCheckFailedException"):
                raise
            return self.cloud(user_id)
        return item

    def set_role(self, user_id: str, role_arn: str, role_account_id: str, now: str) -> None:
        """Record the deployment role, unless a deployment is under way or a stack stands: then only the role that
        deployed it (one account's bootstrap in one region makes one role name, so another role is another account
        or another region)."""
        try:
            self.table.update_item(
                Key={"userId": user_id, "deploymentId": CLOUD},
                UpdateExpression="SET roleArn = :role, roleAccountId = :account",
                ConditionExpression="attribute_exists(externalId)"
                " AND (attribute_not_exists(activeDeploymentId) OR activeUntil < :now)"
                " AND (attribute_not_exists(cloudAccountId) OR roleArn = :role)",
                ExpressionAttributeValues={":role": role_arn, ":account": role_account_id, ":now": now},
            )
        except ClientError as error:
            if _is(error, "ConditionalCheckFailedException"):
                raise Conflict(
                    "a deployment is under way, or your cloud stands in another AWS account or region: "
                    "wait for it, or destroy that cloud first ('imegha cloud destroy')"
                ) from None
            raise

    def set_alarm_email(self, user_id: str, email: str) -> None:
        """Where the cloud's alarms go, for its deployments to pass to the stack."""
        self.table.update_item(
            Key={"userId": user_id, "deploymentId": CLOUD},
            UpdateExpression="SET alarmEmail = :email",
            ConditionExpression="attribute_exists(externalId)",
            ExpressionAttributeValues={":email": email},
        )

    def forget(self, user_id: str, now: str) -> int:
        """Delete every record of ``user_id``'s cloud and deployments, unless a deployment is under way (a Conflict:
        it would record its end into nothing); returns how many there were. The stack itself is not touched."""
        cloud = self.cloud(user_id) or {}
        if cloud.get("activeDeploymentId") and str(cloud.get("activeUntil", "")) >= now:
            raise Conflict(
                f"deployment {cloud['activeDeploymentId']} is still under way: wait for it ('imegha cloud status')"
            )
        records = query_all(self.table, KeyConditionExpression=Key("userId").eq(user_id), ConsistentRead=True)
        with self.table.batch_writer() as batch:
            for record in records:
                batch.delete_item(Key={"userId": user_id, "deploymentId": record["deploymentId"]})
        return len(records)

    # --- deployments -------------------------------------------------------------

    def start(
        self, user_id: str, deployment_id: str, action: str, role_arn: str, region: str, now: str, until: str
    ) -> None:
        """Record a requested deployment (as the role, in the region, it is asked for) and take the cloud's lock for
        it, both or neither."""
        try:
            self.resource.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": {
                                "userId": user_id,
                                "deploymentId": deployment_id,
                                "action": action,
                                "roleArn": role_arn,
                                "region": region,
                                "status": REQUESTED,
                                "requestedAt": now,
                                "updatedAt": now,
                            },
                            "ConditionExpression": "attribute_not_exists(deploymentId)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": {"userId": user_id, "deploymentId": CLOUD},
                            "UpdateExpression": "SET activeDeploymentId = :id, activeUntil = :until, lastDeploymentId = :id",
                            "ConditionExpression": "attribute_not_exists(activeDeploymentId) OR activeUntil < :now",
                            "ExpressionAttributeValues": {":id": deployment_id, ":until": until, ":now": now},
                        }
                    },
                ]
            )
        except ClientError as error:
            if _is(error, "TransactionCanceledException"):
                active = (self.cloud(user_id) or {}).get("activeDeploymentId")
                raise Conflict(
                    f"deployment {active} is still under way: follow it with 'imegha cloud status'"
                ) from None
            raise

    def get(self, user_id: str, deployment_id: str) -> dict:
        if deployment_id == CLOUD:
            raise NotFound("no such deployment")
        item = self.table.get_item(Key={"userId": user_id, "deploymentId": deployment_id}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            raise NotFound("no such deployment")
        return item

    def advance(self, user_id: str, deployment_id: str, status: str, at: str, details: dict | None = None) -> bool:
        """Move to ``status`` (recording ``details`` with it) if the deployment is at a step before it; False if it
        was not (nothing changes)."""
        fields = {"status": status, "updatedAt": at, **{k: v for k, v in (details or {}).items() if v is not None}}
        names = {f"#f{index}": name for index, name in enumerate(fields)}
        values = {f":v{index}": value for index, value in enumerate(fields.values())}
        values |= {f":from{i}": previous for i, previous in enumerate(_PREVIOUS[status])}
        allowed = " OR ".join(f"#f0 = :from{i}" for i in range(len(_PREVIOUS[status])))
        try:
            self.table.update_item(
                Key={"userId": user_id, "deploymentId": deployment_id},
                UpdateExpression="SET " + ", ".join(f"#f{index} = :v{index}" for index in range(len(fields))),
                ConditionExpression=f"attribute_exists(deploymentId) AND ({allowed})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _is(error, "ConditionalCheckFailedException"):
                return False
            raise
        return True

    def finish(
        self, user_id: str, deployment_id: str, stack_status: str | None = None, standing: dict | None = None
    ) -> bool:
        """Release the cloud's lock held by ``deployment_id`` and record how the stack stands: its status, and
        ``standing`` (its account and outputs) when given; a stack that is gone (``DELETE_COMPLETE``) takes its
        account and outputs with it. False if the deployment no longer held the lock (a repeated step, or one
        whose lock lapsed): then nothing changes."""
        fields = ({"stackStatus": stack_status} if stack_status else {}) | (standing or {})
        values: dict[str, Any] = {":id": deployment_id} | {f":v{i}": value for i, value in enumerate(fields.values())}
        update = "SET " + ", ".join(f"{name} = :v{i}" for i, name in enumerate(fields)) + " " if fields else ""
        update += "REMOVE activeDeploymentId, activeUntil"
        if stack_status == GONE:
            update += ", " + ", ".join(STACK_ATTRIBUTES)
        try:
            self.table.update_item(
                Key={"userId": user_id, "deploymentId": CLOUD},
                UpdateExpression=update,
                ConditionExpression="activeDeploymentId = :id",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if _is(error, "ConditionalCheckFailedException"):
                return False
            raise
        return True
