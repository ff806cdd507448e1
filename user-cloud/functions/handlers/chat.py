"""iMChat routes of the user cloud: the owner's part of each conversation, read by those who take part."""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.conversations import ConversationStore
from imegha_crypto import CryptoError, b64url_decode, parse_json_object
from imegha_service.errors import InvalidRequest
from imegha_service.events import SignedDoorbell
from imegha_service.http import caller_id, integer_query, register_error_responses, require_owner
from imegha_service.requests import MAX_BODY_BYTES, json_body
from logic import conversations as chat

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
OWNER = os.environ["OWNER_USER_ID"]
HISTORY_GRANT_HEADER = "X-Imegha-History-Grant"
store = ConversationStore(os.environ["TABLE_NAME"])
platform_bus = SignedDoorbell(os.environ["PLATFORM_DOORBELL_URL"], region=os.environ["PLATFORM_REGION"])


def _history_grant() -> dict | None:
    """The admin's grant of a group's history, sent by a member as base64url JSON (a GET has no body)."""
    encoded = app.current_event.headers.get(HISTORY_GRANT_HEADER)
    if encoded is None:
        return None
    try:
        return parse_json_object(b64url_decode(encoded), max_bytes=MAX_BODY_BYTES)
    except CryptoError:
        raise InvalidRequest(HISTORY_GRANT_HEADER, "a signed record, as base64url JSON") from None


@app.put("/conversations/<conversation_id>")
def put_conversation(conversation_id: str) -> dict:
    owner = require_owner(app)
    return chat.save_conversation(store, owner, conversation_id, json_body(app, SCHEMAS, "conversation.json"))


@app.get("/conversations/<conversation_id>")
def get_conversation(conversation_id: str) -> dict:
    return chat.conversation(store, OWNER, caller_id(app), conversation_id)


@app.post("/conversations/<conversation_id>/messages")
def post_message(conversation_id: str) -> Response:
    owner = require_owner(app)
    body = json_body(app, SCHEMAS, "message-post.json")
    answer, new = chat.post_message(store, platform_bus, owner, conversation_id, body["message"], body["recipients"])
    if new:
        metrics.add_metric(name="MessagesPosted", unit=MetricUnit.Count, value=1)
    return Response(status_code=201 if new else 200, content_type="application/json", body=answer)


@app.get("/conversations/<conversation_id>/messages")
def get_messages(conversation_id: str) -> dict:
    return chat.read_messages(
        store,
        OWNER,
        caller_id(app),
        conversation_id,
        integer_query(app, "after", 0, maximum=chat.MAX_SEQUENCE),
        integer_query(app, "limit", 100, minimum=1, maximum=chat.MAX_PAGE),
        _history_grant(),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
