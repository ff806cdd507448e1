"""A step of the deploy state machine: record how a deployment stands, on the deployment, the user's cloud and
the directory.

Idempotent by construction: a status is a forward-only conditional write and the
cloud's lock is released once, so a retried or repeated step records nothing new.
"""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.deployments import DeploymentStore
from dal.directory import DirectoryStore
from logic import deployments

logger = Logger()
tracer = Tracer()
store = DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"])
directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])


@logger.inject_lambda_context(correlation_id_path="deploymentId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return deployments.record_status(
        store,
        directory,
        event["userId"],
        event["deploymentId"],
        event["status"],
        event.get("executionArn"),
        event.get("stack"),
        event.get("failure"),
    )
