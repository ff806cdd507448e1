"""Platform REST routes of deployments: ask for one's cloud to be deployed, and follow it."""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.deployments import DeploymentStore
from dal.platform_events import PlatformEvents
from imegha_service.http import caller_id, register_error_responses
from logic import deployments

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()
register_error_responses(app)

store = DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"])
events = PlatformEvents(os.environ["PLATFORM_EVENT_BUS_NAME"])


@app.post("/deployments")
def request_deployment() -> Response:
    result = deployments.request_deployment(store, events, caller_id(app))
    return Response(status_code=202, content_type="application/json", body=result)


@app.get("/deployments/<deployment_id>")
def get_deployment(deployment_id: str) -> dict:
    return deployments.deployment(store, caller_id(app), deployment_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
