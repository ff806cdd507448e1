"""The doorbell API: users' clouds ring it signed with their own roles (AWS_IAM); the ring goes on the platform bus.

API Gateway verified the signature before this runs; ``requestContext.identity``
says whose account signed. The domain logic is :mod:`logic.ringing`.
"""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from imegha_service.errors import NotAllowed
from imegha_service.events import USER_CLOUD_SOURCE, EventPublisher
from imegha_service.http import register_error_responses
from imegha_service.requests import CRYPTO_SCHEMAS, json_body, schema_validator, validate
from logic import ringing

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
DETAIL_SCHEMAS = {
    "Message Posted": "message-posted.json",
    "Share Created": "share-created.json",
    "Share Revoked": "share-created.json",  # the same ids: which share, who, with whom
}
directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
bus = EventPublisher(os.environ["PLATFORM_EVENT_BUS_NAME"], USER_CLOUD_SOURCE)


def _ringing_account() -> str:
    account: str | None = (app.current_event.request_context.identity.account_id or "").strip() or None
    if account is None:
        # The API takes signed requests only; no account means the wiring is wrong.
        raise NotAllowed("no signed caller")
    return account


@app.post("/doorbell")
def ring() -> dict:
    account = _ringing_account()
    body = json_body(app, SCHEMAS, "doorbell-ring.json")
    validate(body["detail"], schema_validator(SCHEMAS / DETAIL_SCHEMAS[body["detailType"]], SCHEMAS, CRYPTO_SCHEMAS))
    return ringing.relay(directory, bus, account, body["detailType"], body["detail"])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
