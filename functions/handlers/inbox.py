"""Platform REST route of the inbox: what happened for the caller, after the last notification they saw."""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.inbox import InboxStore
from imegha_service.http import caller_id, integer_query, register_error_responses, web_app_cors
from logic import notifications

logger = Logger()
tracer = Tracer()
app = APIGatewayRestResolver(cors=web_app_cors())
register_error_responses(app)

store = InboxStore(os.environ["NOTIFICATIONS_TABLE_NAME"])


@app.get("/notifications")
def list_notifications() -> dict:
    limit = integer_query(app, "limit", 50, minimum=1, maximum=notifications.MAX_PAGE)
    return notifications.inbox(store, caller_id(app), app.current_event.get_query_string_value("after"), limit)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
