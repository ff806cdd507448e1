"""Platform REST route of leaving iMegha: DELETE /me, signed by the identity key, confirmed by the iMTag typed."""

import os
from functools import partial
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.connections import ConnectionsStore
from dal.deployments import DeploymentStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.groups import GroupStore
from dal.inbox import InboxStore
from dal.nonces import NonceStore
from dal.phones import PhoneEndpoints
from dal.user_pool import UserPool
from imegha_service.errors import NotAllowed
from imegha_service.http import IdentitySigned, caller_id, register_error_responses
from imegha_service.requests import json_body
from logic import leaving, signed_requests

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
platform = leaving.Platform(
    directory=directory,
    connections=ConnectionsStore(os.environ["CONNECTIONS_TABLE_NAME"]),
    groups=GroupStore(os.environ["CONNECTIONS_TABLE_NAME"]),
    inbox=InboxStore(os.environ["NOTIFICATIONS_TABLE_NAME"]),
    devices=DeviceStore(os.environ["DEVICE_TOKENS_TABLE_NAME"]),
    phones=PhoneEndpoints.from_environment(os.environ),
    deployments=DeploymentStore(os.environ["DEPLOYMENTS_TABLE_NAME"]),
    user_pool=UserPool(os.environ["USER_POOL_ID"]),
)
signed = IdentitySigned(
    partial(signed_requests.require_identity, directory, NonceStore(os.environ["REQUEST_NONCES_TABLE_NAME"]))
)


@app.delete("/me", middlewares=[signed])
def delete_me() -> dict:
    body = json_body(app, SCHEMAS, "account-deletion.json")
    claims = app.current_event.request_context.authorizer.claims or {}
    username = claims.get("cognito:username")
    if not username:
        raise NotAllowed("no Cognito user in the token")
    return leaving.delete_account(platform, caller_id(app), username, body["iMTag"])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
