"""A user's cloud, as the platform knows it: connecting their AWS account, asking for a deploy or a destroy, and
recording what the deploy state machine reports.

Connecting takes two steps, as the whitepaper's cross-account design has it: the
platform makes an ExternalId (``imegha-{uuid}``) for the user, who launches the
bootstrap stack with it in their own account; then the user gives the platform
the deployment role that stack made. Only that role, assumed with that ExternalId,
ever reaches their account.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Tracer

from dal.deployments import FAILED, IN_PROGRESS, SUCCEEDED, DeploymentStore
from dal.directory import DirectoryStore
from imegha_service.errors import Conflict, InvalidRequest
from imegha_service.events import EventPublisher
from logic import regions as cloud_regions
from logic.regions import Regions

tracer = Tracer()
DEPLOYMENT_REQUESTED = "Deployment Requested"
ACTIONS = ("deploy", "destroy")
REPORTED_STATUSES = (IN_PROGRESS, SUCCEEDED, FAILED)
# A deployment holds the cloud's lock at most this long: the state machine's own time limit, and a margin.
LOCK_LIFETIME = timedelta(hours=2, minutes=5)
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/imegha-deployment-[a-z0-9-]+")
BOOTSTRAP_STACK = "imegha-bootstrap"


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- Connecting the user's AWS account ------------------------------------------------


@tracer.capture_method
def connect(store: DeploymentStore, caller: str, platform_account_id: str, regions: Regions) -> dict:
    """What the user launches the bootstrap stack with (in the region their cloud is to stand in, one of
    ``regions``); the same ExternalId every time they ask."""
    cloud = store.connect(caller, f"imegha-{uuid.uuid4()}", _stamp(_now()))
    return {
        "externalId": cloud["externalId"],
        "platformAccountId": platform_account_id,
        "platformRegion": regions.platform,
        "regions": list(regions.supported),
        "bootstrapStackName": BOOTSTRAP_STACK,
        "roleArn": cloud.get("roleArn"),
    }


@tracer.capture_method
def set_role(store: DeploymentStore, caller: str, role_arn: str, regions: Regions) -> dict:
    """Record the deployment role the bootstrap stack made; the region it was launched in is where the cloud will
    stand, so it must be one the platform deploys to. While a cloud stands, no other role (another account's, or
    another region's) may replace its own."""
    match = ROLE_ARN.fullmatch(role_arn)
    region = cloud_regions.of_role(role_arn)
    if not match or region is None:
        raise InvalidRequest("roleArn", "must be the DeploymentRoleArn output of your imegha-bootstrap stack")
    regions.require(region, "roleArn")
    cloud = store.cloud(caller)
    if cloud is None:
        raise Conflict(
            "ask for your ExternalId first ('imegha cloud connect'), then launch the bootstrap stack with it"
        )
    store.set_role(caller, role_arn, match.group(1), _stamp(_now()))
    return {"roleArn": role_arn, "accountId": match.group(1), "region": region, "externalId": cloud["externalId"]}


# --- Deploying and destroying -----------------------------------------------------------


@tracer.capture_method
def request_deployment(
    store: DeploymentStore,
    events: EventPublisher,
    regions: Regions,
    caller: str,
    action: str,
    alarm_email: str | None = None,
    region: str | None = None,
) -> dict:
    """Record the request and take the cloud's lock, then announce it; the deploy state machine starts from the
    announcement. If it cannot be announced, the request is marked failed and the lock released. ``alarm_email``,
    when given, is where the cloud's alarms go from this deployment on (kept on the cloud's record).

    The cloud stands in the region of its deployment role (see :mod:`logic.regions`). ``region``, when given, is
    the one the person chose: one the platform deploys to, and their role's. A cloud is never moved: to have it
    elsewhere, destroy it, launch the bootstrap stack in the new region and connect its role, then deploy."""
    if action not in ACTIONS:
        raise InvalidRequest("action", f"must be one of {', '.join(ACTIONS)}")
    if region is not None:
        regions.require(region)
    cloud = store.cloud(caller)
    if cloud is None or not cloud.get("roleArn"):
        raise Conflict("connect your AWS account first: 'imegha cloud connect'")
    role_region = _region(cloud)
    if region is not None and region != role_region:
        raise Conflict(_elsewhere(cloud, role_region, region))
    if action == "deploy":  # a cloud in a region no longer offered can still be destroyed, never deployed again
        regions.require(role_region, "roleArn")
    if alarm_email:
        store.set_alarm_email(caller, alarm_email)
    deployment_id = str(uuid.uuid4())
    now = _now()
    store.start(caller, deployment_id, action, cloud["roleArn"], role_region, _stamp(now), _stamp(now + LOCK_LIFETIME))
    try:
        events.publish(DEPLOYMENT_REQUESTED, {"userId": caller, "deploymentId": deployment_id, "action": action})
    except Exception as error:
        store.advance(caller, deployment_id, FAILED, _stamp(_now()), {"reason": f"could not be started: {error}"})
        store.finish(caller, deployment_id)
        raise
    return {"deploymentId": deployment_id, "action": action, "region": role_region, "status": "REQUESTED"}


def _region(cloud: dict) -> str:
    """Where the cloud stands or will: the region of its deployment role."""
    return cloud_regions.of_role(cloud["roleArn"]) or ""


def _elsewhere(cloud: dict, role_region: str, region: str) -> str:
    if cloud.get("cloudAccountId"):
        return (
            f"your cloud stands in {role_region}: a cloud is not moved between regions. Destroy it first "
            f"('imegha cloud destroy'), then launch the bootstrap stack in {region}, connect its role and deploy"
        )
    return (
        f"your deployment role is for {role_region}: launch the bootstrap stack in {region} "
        f"('imegha cloud connect --region {region}' shows how) and connect its role, then deploy"
    )


_SHOWN = (
    "deploymentId",
    "action",
    "region",
    "status",
    "requestedAt",
    "updatedAt",
    "reason",
    "stackStatus",
    "cloudAccountId",
    "cloudApiUrl",
    "bucketName",
    "tableName",
    "executionArn",
)
_SHOWN_OF_CLOUD = (
    "externalId",
    "roleArn",
    "stackStatus",
    "cloudAccountId",
    "cloudApiUrl",
    "bucketName",
    "tableName",
    "deployedAt",
    "activeDeploymentId",
    "lastDeploymentId",
)


@tracer.capture_method
def deployment(store: DeploymentStore, caller: str, deployment_id: str, steps=None) -> dict:
    """One of the caller's deployments; ``steps(execution_arn)`` lists what its execution has done so far."""
    item = store.get(caller, deployment_id)
    shown = {key: item[key] for key in _SHOWN if key in item}
    if steps is not None and item.get("executionArn"):
        shown["steps"] = steps(item["executionArn"])
    return shown


@tracer.capture_method
def cloud(store: DeploymentStore, caller: str, regions: Regions) -> dict:
    """The caller's cloud as the platform knows it, with the region it stands (or will stand) in and those it may."""
    offered = {"platformRegion": regions.platform, "regions": list(regions.supported)}
    item = store.cloud(caller)
    if item is None:
        return {"connected": False} | offered
    shown = {"connected": bool(item.get("roleArn"))} | {key: item[key] for key in _SHOWN_OF_CLOUD if key in item}
    return shown | ({"region": _region(item)} if item.get("roleArn") else {}) | offered


# --- What the deploy state machine reports ------------------------------------------------


@tracer.capture_method
def record_status(
    store: DeploymentStore,
    directory: DirectoryStore,
    user_id: str,
    deployment_id: str,
    status: str,
    execution_arn: str | None = None,
    stack: dict | None = None,
    failure: dict | None = None,
) -> dict:
    """Record a step of a deployment. A repeated or late step changes nothing and says so (``recorded: False``);
    a deployment that was never requested is never started (the state machine stops on it).

    - ``IN_PROGRESS``: the execution that runs it.
    - ``SUCCEEDED``: how the stack stands; for a deploy, its account and outputs on the cloud and in the
      directory (``cloudApiUrl``, ``cloudAccountId``: whose events speak for this user); for a destroy, their removal.
    - ``FAILED``: why, and how the stack was left (after its roll-back).
    """
    if status not in REPORTED_STATUSES:
        raise InvalidRequest("status", f"must be one of {', '.join(REPORTED_STATUSES)}")
    item = store.get(user_id, deployment_id)
    now = _stamp(_now())
    if status == IN_PROGRESS:
        recorded = store.advance(user_id, deployment_id, IN_PROGRESS, now, {"executionArn": execution_arn})
        return {"recorded": recorded, "action": item["action"]}
    if status == SUCCEEDED:
        return {"recorded": _record_success(store, directory, item, stack or {}, now), "action": item["action"]}
    failure = failure or {}
    reason = failure_reason(failure)
    stack_status = (failure.get("rollBack") or {}).get("stackStatus") or failure.get("stackStatus")
    recorded = store.advance(user_id, deployment_id, FAILED, now, {"reason": reason, "stackStatus": stack_status})
    store.finish(user_id, deployment_id, stack_status)
    return {"recorded": recorded, "action": item["action"]}


def _record_success(store: DeploymentStore, directory: DirectoryStore, item: dict, stack: dict, now: str) -> bool:
    user_id, deployment_id = item["userId"], item["deploymentId"]
    outputs = stack.get("outputs") or {}
    standing = (
        {"cloudAccountId": stack["cloudAccountId"], **outputs, "deployedAt": now}
        if item["action"] == "deploy"
        else None
    )
    recorded = store.advance(
        user_id, deployment_id, SUCCEEDED, now, {"stackStatus": stack.get("stackStatus"), **(standing or {})}
    )
    if store.finish(user_id, deployment_id, stack.get("stackStatus"), standing):
        if standing:
            directory.set_cloud(user_id, outputs["cloudApiUrl"], stack["cloudAccountId"])
        else:
            directory.clear_cloud(user_id)
    return recorded


def failure_reason(failure: dict) -> str:
    """A person's reading of what stopped a deployment: a failed stack's reasons, or the failed task's message,
    and whether the roll-back after it failed too."""
    reason = _message(failure) or "the deployment failed"
    roll_back = failure.get("rollBack") or {}
    if roll_back.get("phase") == "FAILED":
        reason += f"; and it could not be rolled back: {roll_back['report'].get('reason')}"
    if failure.get("rollBackError"):
        reason += f"; and it could not be rolled back: {_message(failure['rollBackError'])}"
    return reason


def _message(error: dict) -> str | None:
    """A Step Functions error's message: a Lambda's ``errorMessage`` from its JSON ``Cause``, else the cause."""
    cause = error.get("Cause") or ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message or cause or error.get("Error")
