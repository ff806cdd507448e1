"""Platform REST routes of a user's cloud: connect their AWS account, ask for a deploy or a destroy, and follow it."""

import os
from functools import partial
from pathlib import Path

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.deployments import DeploymentStore
from dal.directory import DirectoryStore
from dal.executions import DeploymentExecutions
from dal.nonces import NonceStore
from imegha_service.events import PLATFORM_SOURCE, EventPublisher
from imegha_service.http import IdentitySigned, caller_id, register_error_responses, web_app_cors
from imegha_service.requests import json_body
from logic import deployments, signed_requests
from logic.regions import Regions

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver(cors=web_app_cors())
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
store = DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"])
events = EventPublisher(os.environ["PLATFORM_EVENT_BUS_NAME"], PLATFORM_SOURCE)
executions = DeploymentExecutions()
regions = Regions.parse(os.environ["AWS_REGION"], os.environ["USER_CLOUD_REGIONS"])
# Changing the role or account the platform deploys into, and deploying or destroying, need the identity key.
signed = IdentitySigned(
    partial(
        signed_requests.require_identity,
        DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"]),
        NonceStore(os.environ["REQUEST_NONCES_TABLE_NAME"]),
    )
)


def _body(schema: str, default: dict | None = None) -> dict:
    if default is not None and not app.current_event.body:
        return default
    return json_body(app, SCHEMAS, schema)


@app.post("/cloud/connection")
def connect() -> dict:
    return deployments.connect(store, caller_id(app), os.environ["PLATFORM_ACCOUNT_ID"], regions)


@app.put("/cloud/connection", middlewares=[signed])
def set_role() -> dict:
    return deployments.set_role(store, caller_id(app), _body("deployment-role.json")["roleArn"], regions)


@app.get("/cloud")
def get_cloud() -> dict:
    return deployments.cloud(store, caller_id(app), regions)


@app.post("/deployments", middlewares=[signed])
def request_deployment() -> Response:
    body = _body("deployment-request.json", default={})
    result = deployments.request_deployment(
        store, events, regions, caller_id(app), body.get("action", "deploy"), body.get("alarmEmail"), body.get("region")
    )
    return Response(status_code=202, content_type="application/json", body=result)


@app.get("/deployments/<deployment_id>")
def get_deployment(deployment_id: str) -> dict:
    return deployments.deployment(store, caller_id(app), deployment_id, executions.steps)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
