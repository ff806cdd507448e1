"""The steps the deploy state machine takes on a user's cloud stack, each reporting a phase it can branch on.

Every step reaches the stack through the deployment role named on the deployment
(never a role from the event that started it) with the ExternalId the platform
made for that user, and reports ``phase``: ``IN_PROGRESS`` (wait and look again),
``SUCCEEDED`` or ``FAILED`` (with CloudFormation's reasons), the stack's status,
the account it stands in and, once it stands, its outputs.

- ``deploy`` creates the stack, or updates it if it stands (deploying twice updates).
- ``destroy`` deletes the stack; the stack empties its own bucket first (a custom
  resource in the user's account), so the platform never touches what it holds.
- ``describe`` looks again, judging the stack by what the deployment set out to do.
- ``roll_back`` leaves no half-built stack behind a failed deployment: a stack that
  never finished being created is deleted; an update that failed was already put
  back by CloudFormation, so the cloud stays as it was. Repeating it is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Tracer

from dal.deployments import DeploymentStore
from dal.user_cloud_stack import StackState, UserCloudStack
from imegha_service.errors import InvalidRequest
from logic import regions
from logic.regions import Regions

tracer = Tracer()

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"
GONE = "DELETE_COMPLETE"
DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
# Settled states an update may start from (UPDATE_ROLLBACK_COMPLETE: the previous version, put back).
UPDATABLE = (*DEPLOYED, "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE")
# A creation that never finished: nothing of it may stay.
HALF_BUILT = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED")
OUTPUTS = {"CloudApiUrl": "cloudApiUrl", "BucketName": "bucketName", "TableName": "tableName"}

Connect = Callable[[str, str, str, str], UserCloudStack]
"""(role ARN, ExternalId, session name, region) -> the user's stack in that region, through their deployment role."""


@dataclass(frozen=True)
class Platform:
    """What the platform gives every user's cloud: where its template is published in each region, whose tokens it
    accepts (the token issuer's; each cloud names itself as their audience), where it rings the platform, and the
    one web origin whose pages may call it."""

    template_url: str  # with "{region}" for the region whose artifacts bucket holds the release
    issuer: str
    doorbell_url: str  # where the cloud's functions ring the platform, signing with their role (AWS_IAM)
    doorbell_arn: str  # the doorbell's execute-api ARN, which their roles may invoke and nothing else of the platform
    regions: Regions
    web_app_origin: str

    def template_url_in(self, region: str) -> str:
        """The release published in ``region``'s artifacts bucket: a Lambda reads its code only from its own region."""
        return self.template_url.replace("{region}", self.regions.require(region))

    def parameters(self, owner: str, account_id: str, region: str, alarm_email: str = "") -> dict[str, str]:
        return {
            "OwnerUserId": owner,
            "OwnerAlarmEmail": alarm_email,
            "PlatformIssuer": self.issuer,
            "PlatformDoorbellUrl": self.doorbell_url,
            "PlatformDoorbellArn": self.doorbell_arn,
            "WebAppOrigin": self.web_app_origin,
            # Named so by the bootstrap stack (user-cloud/bootstrap-role.yaml), in the region it was launched in.
            "PermissionsBoundaryArn": f"arn:aws:iam::{account_id}:policy/imegha-cloud-boundary-{region}",
        }


@dataclass(frozen=True)
class _Deployment:
    stack: UserCloudStack
    action: str
    region: str


def _stack(store: DeploymentStore, connect: Connect, user_id: str, deployment_id: str) -> _Deployment:
    """The deployment's stack, reached as its role in the region that role was made for (where the bootstrap stack
    allows building, and nowhere else)."""
    deployment = store.get(user_id, deployment_id)
    cloud = store.cloud(user_id) or {}
    region = regions.of_role(deployment["roleArn"])
    if region is None:
        raise InvalidRequest("roleArn", f"{deployment['roleArn']} is not a role the bootstrap stack made")
    stack = connect(deployment["roleArn"], cloud["externalId"], f"imegha-{deployment_id}", region)
    return _Deployment(stack, deployment["action"], region)


def _report(stack: UserCloudStack, state: StackState | None, phase: str, reason: str | None = None) -> dict:
    report = {"phase": phase, "stackStatus": state.status if state else GONE, "cloudAccountId": stack.account_id}
    if state and state.status in DEPLOYED:
        report["outputs"] = {name: state.outputs[key] for key, name in OUTPUTS.items() if key in state.outputs}
    if reason:
        report["reason"] = reason
    return report


def _failed(stack: UserCloudStack, state: StackState | None) -> dict:
    reasons = stack.failures() if state else []
    status = state.status if state else GONE
    return _report(
        stack, state, FAILED, f"the stack is {status}: " + ("; ".join(reasons) or "CloudFormation gave no reason")
    )


def _judged(stack: UserCloudStack, state: StackState | None, action: str) -> dict:
    """The phase of a stack that is doing, or has done, what ``action`` set out to do."""
    if state and state.status.endswith("_IN_PROGRESS"):
        return _report(stack, state, IN_PROGRESS)
    if action == "destroy":
        return _report(stack, state, SUCCEEDED) if state is None else _failed(stack, state)
    return _report(stack, state, SUCCEEDED) if state and state.status in DEPLOYED else _failed(stack, state)


@tracer.capture_method
def deploy(store: DeploymentStore, connect: Connect, platform: Platform, user_id: str, deployment_id: str) -> dict:
    deployment = _stack(store, connect, user_id, deployment_id)
    stack, template_url = deployment.stack, platform.template_url_in(deployment.region)
    state = stack.state()
    parameters = platform.parameters(
        user_id, stack.account_id, deployment.region, (store.cloud(user_id) or {}).get("alarmEmail", "")
    )
    if state is None:
        stack.create(template_url, parameters)
    elif state.status in UPDATABLE:
        if not stack.update(template_url, parameters):
            return _report(stack, state, SUCCEEDED)
    else:
        return _report(stack, state, FAILED, f"the stack is {state.status} and cannot be deployed to now")
    return _judged(stack, stack.state(), "deploy")


@tracer.capture_method
def destroy(store: DeploymentStore, connect: Connect, user_id: str, deployment_id: str) -> dict:
    stack = _stack(store, connect, user_id, deployment_id).stack
    state = stack.state()
    if state is None or state.status.endswith("_IN_PROGRESS"):
        return _judged(stack, state, "destroy")
    stack.delete()
    return _judged(stack, stack.state(), "destroy")


@tracer.capture_method
def describe(store: DeploymentStore, connect: Connect, user_id: str, deployment_id: str) -> dict:
    deployment = _stack(store, connect, user_id, deployment_id)
    return _judged(deployment.stack, deployment.stack.state(), deployment.action)


@tracer.capture_method
def roll_back(store: DeploymentStore, connect: Connect, user_id: str, deployment_id: str) -> dict:
    stack = _stack(store, connect, user_id, deployment_id).stack
    state = stack.state()
    if state is None:
        return _report(stack, state, SUCCEEDED)
    if state.status.endswith("_IN_PROGRESS"):
        return _report(stack, state, IN_PROGRESS)
    if state.status in HALF_BUILT:
        stack.delete()
        state = stack.state()
        return _report(stack, state, IN_PROGRESS if state else SUCCEEDED)
    if state.status.endswith("_FAILED"):  # DELETE_FAILED, UPDATE_ROLLBACK_FAILED: CloudFormation needs a person
        return _failed(stack, state)
    return _report(stack, state, SUCCEEDED)
