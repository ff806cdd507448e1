"""A user's cloud stack, in their own AWS account, reached through their deployment role.

The only way in is STS AssumeRole with the user's ExternalId (the confused-deputy
defence): a role that does not trust the platform with that ExternalId refuses,
and nothing here can act in an account without it. Sessions last one hour and
are made for one step of one deployment, so they never outlive it.

The deployment role may only ask CloudFormation for the stack: CloudFormation
builds, updates and deletes it as a role of the bootstrap stack's own
(:func:`cloudformation_role`), and the platform's session touches nothing in
the cloud itself, its bucket and table included. Emptying the bucket before it
is deleted is the stack's own doing (a custom resource in storage.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SESSION_SECONDS = 3600
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
CREATE_TIMEOUT_MINUTES = 30  # then CloudFormation itself fails the creation and rolls it back
_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
}
# boto3 retries throttling itself first (with backoff); the state machine's Retry takes over after that.
_CLIENT_CONFIG = Config(retries={"max_attempts": 4, "mode": "standard"})


class RoleRefused(Exception):
    """The deployment role would not let the platform in (wrong or missing ExternalId, another principal, no role)."""


class Throttled(Exception):
    """AWS asked to slow down after boto3's own retries; the state machine retries with backoff."""


class StackRefused(Exception):
    """CloudFormation refused the request; the message is its reason."""


@dataclass(frozen=True)
class StackState:
    stack_id: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)


def _aws_error(error: ClientError) -> Exception:
    code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
    if code in _THROTTLING:
        return Throttled(f"{code}: {message}")
    return StackRefused(message or code)


def assume_deployment_role(
    role_arn: str, external_id: str, session_name: str, platform_region: str, region: str, sts: Any = None
) -> UserCloudStack:
    """The user's stack in ``region``, reached as their deployment role with their ExternalId (asked of STS in
    ``platform_region``); :class:`RoleRefused` otherwise."""
    sts = sts or boto3.client("sts", region_name=platform_region, config=_CLIENT_CONFIG)
    try:
        credentials = sts.assume_role(
            RoleArn=role_arn, RoleSessionName=session_name[:64], ExternalId=external_id, DurationSeconds=SESSION_SECONDS
        )["Credentials"]
    except ClientError as error:
        if error.response["Error"]["Code"] in _THROTTLING:
            raise Throttled(error.response["Error"]["Message"]) from None
        raise RoleRefused(
            f"the platform cannot assume {role_arn} with your ExternalId: "
            f"{error.response['Error'].get('Message', error.response['Error']['Code'])}"
        ) from None
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return UserCloudStack(session, role_arn.split(":")[4], cloudformation_role(role_arn))


def cloudformation_role(deployment_role_arn: str) -> str:
    """The role CloudFormation acts as in the user's account, which the bootstrap stack names after the deployment
    role (``imegha-deployment-<region>`` and ``imegha-deployment-cloudformation-<region>``)."""
    return deployment_role_arn.replace(":role/imegha-deployment-", ":role/imegha-deployment-cloudformation-", 1)


class UserCloudStack:
    """One named stack in the user's account, which CloudFormation creates, updates and deletes as ``role_arn``."""

    def __init__(self, session: boto3.Session, account_id: str, role_arn: str, name: str = "imegha-user-cloud"):
        self.account_id = account_id
        self.role_arn = role_arn
        self.name = name
        self._cloudformation = session.client("cloudformation", config=_CLIENT_CONFIG)

    def state(self) -> StackState | None:
        """How the stack stands, or None if there is none (never made, or deleted)."""
        try:
            stacks = self._cloudformation.describe_stacks(StackName=self.name)["Stacks"]
        except ClientError as error:
            if "does not exist" in error.response["Error"].get("Message", ""):
                return None
            raise _aws_error(error) from None
        stack = stacks[0]
        if stack["StackStatus"] == "DELETE_COMPLETE":
            return None
        return StackState(
            stack["StackId"],
            stack["StackStatus"],
            {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs") or []},
        )

    def create(self, template_url: str, parameters: dict[str, str]) -> None:
        self._call(
            self._cloudformation.create_stack,
            StackName=self.name,
            TemplateURL=template_url,
            Parameters=_parameters(parameters),
            Capabilities=CAPABILITIES,
            RoleARN=self.role_arn,
            TimeoutInMinutes=CREATE_TIMEOUT_MINUTES,
            OnFailure="ROLLBACK",
        )

    def update(self, template_url: str, parameters: dict[str, str]) -> bool:
        """Start an update; False when the stack already is what it would become."""
        try:
            self._cloudformation.update_stack(
                StackName=self.name,
                TemplateURL=template_url,
                Parameters=_parameters(parameters),
                Capabilities=CAPABILITIES,
                RoleARN=self.role_arn,
            )
        except ClientError as error:
            if "No updates are to be performed" in error.response["Error"].get("Message", ""):
                return False
            raise _aws_error(error) from None
        return True

    def delete(self) -> None:
        """Delete the stack; the bucket's own custom resource empties it first, in the user's account."""
        self._call(self._cloudformation.delete_stack, StackName=self.name, RoleARN=self.role_arn)

    def failures(self, stack: str | None = None, depth: int = 2) -> list[str]:
        """What failed in the stack's latest operation, first failure first: ``resource (type): reason``. A nested
        stack's failure names only which of its resources failed: its own failures follow it (``depth`` levels)."""
        stack = stack or self.name
        events = self._call(self._cloudformation.describe_stack_events, StackName=stack)["StackEvents"]
        failed: list[str] = []
        for event in events:  # newest first, back to the event that began the latest operation
            if event["ResourceStatus"].endswith("_FAILED") and event.get("ResourceStatusReason"):
                nested = (
                    event.get("PhysicalResourceId") if event["ResourceType"] == "AWS::CloudFormation::Stack" else None
                )
                inner = self.failures(nested, depth - 1) if nested and nested != event["StackId"] and depth else []
                failed = (
                    inner
                    + [f"{event['LogicalResourceId']} ({event['ResourceType']}): {event['ResourceStatusReason']}"]
                    + failed
                )
            if event["PhysicalResourceId"] == event["StackId"] and event["ResourceStatus"] in (
                "CREATE_IN_PROGRESS",
                "UPDATE_IN_PROGRESS",
                "DELETE_IN_PROGRESS",
            ):
                break
        return failed

    @staticmethod
    def _call(operation, **arguments) -> Any:
        try:
            return operation(**arguments)
        except ClientError as error:
            raise _aws_error(error) from None


def _parameters(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()]
