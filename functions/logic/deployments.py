"""Deploying a user's cloud: the request, and the deployment's progress as the state machine reports it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aws_lambda_powertools import Tracer

from dal.deployments import DeploymentStore
from dal.platform_events import PlatformEvents
from imegha_service.errors import InvalidRequest

tracer = Tracer()
DEPLOYMENT_REQUESTED = "Deployment Requested"
REPORTED_STATUSES = ("IN_PROGRESS", "SUCCEEDED", "FAILED")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@tracer.capture_method
def request_deployment(store: DeploymentStore, events: PlatformEvents, caller: str) -> dict:
    """Record the request, then announce it; the deploy state machine starts from the announcement."""
    deployment_id = str(uuid.uuid4())
    store.create(caller, deployment_id, _now())
    events.publish(DEPLOYMENT_REQUESTED, {"userId": caller, "deploymentId": deployment_id})
    return {"deploymentId": deployment_id, "status": "REQUESTED"}


@tracer.capture_method
def deployment(store: DeploymentStore, caller: str, deployment_id: str) -> dict:
    item = store.get(caller, deployment_id)
    return {key: item[key] for key in ("deploymentId", "status", "requestedAt", "updatedAt", "reason") if key in item}


@tracer.capture_method
def record_status(store: DeploymentStore, user_id: str, deployment_id: str, status: str,
                  reason: str | None = None) -> bool:
    """Record a step; a repeated or late one changes nothing (and says so by returning False)."""
    if status not in REPORTED_STATUSES:
        raise InvalidRequest("status", f"must be one of {', '.join(REPORTED_STATUSES)}")
    return store.advance(user_id, deployment_id, status, _now(), reason)
