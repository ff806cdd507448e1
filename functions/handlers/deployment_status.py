"""A step of the deploy state machine: record how a deployment stands.

Idempotent by construction: a status is a forward-only conditional write, so a
retried or repeated step records nothing new.
"""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.deployments import DeploymentStore
from logic import deployments

logger = Logger()
tracer = Tracer()
store = DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    recorded = deployments.record_status(store, event["userId"], event["deploymentId"], event["status"],
                                         event.get("reason"))
    return {"deploymentId": event["deploymentId"], "status": event["status"], "recorded": recorded}
