"""A step of the deploy state machine on the user's cloud stack, in their own account: deploy, destroy, describe or
roll back (see ``logic.user_cloud``).

The only function of the platform that may assume users' deployment roles; it
reads the role from the deployment and the ExternalId from the user's cloud item,
never from the event, and its sessions end with the step.
"""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.deployments import DeploymentStore
from dal.user_cloud_stack import assume_deployment_role
from logic import user_cloud
from logic.regions import Regions

logger = Logger()
tracer = Tracer()
store = DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"])
REGION = os.environ["AWS_REGION"]
platform = user_cloud.Platform(
    template_url=os.environ["USER_CLOUD_TEMPLATE_URL"],
    issuer=parameters.get_parameter(os.environ["TOKEN_ISSUER_PARAMETER"]),
    doorbell_url=os.environ["DOORBELL_URL"],
    doorbell_arn=os.environ["DOORBELL_ARN"],
    regions=Regions.parse(REGION, os.environ["USER_CLOUD_REGIONS"]),
    web_app_origin=os.environ["WEB_APP_ORIGIN"],
)


def connect(role_arn: str, external_id: str, session_name: str, region: str):
    """The user's stack in ``region``, as their deployment role (assumed through STS in the platform's region)."""
    return assume_deployment_role(role_arn, external_id, session_name, REGION, region)


OPERATIONS = {
    "deploy": lambda user, deployment: user_cloud.deploy(store, connect, platform, user, deployment),
    "destroy": lambda user, deployment: user_cloud.destroy(store, connect, user, deployment),
    "describe": lambda user, deployment: user_cloud.describe(store, connect, user, deployment),
    "roll-back": lambda user, deployment: user_cloud.roll_back(store, connect, user, deployment),
}


@logger.inject_lambda_context(correlation_id_path="deploymentId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    report = OPERATIONS[event["operation"]](event["userId"], event["deploymentId"])
    logger.info("stack step", operation=event["operation"], phase=report["phase"], stackStatus=report["stackStatus"])
    return report
