"""The audit route of the user cloud (``/audit/…``): the owner reads the hash-chained log, their device checks it."""

import os

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.audit import AuditedTable
from imegha_service.http import integer_query, register_error_responses, require_owner
from logic import audit

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
register_error_responses(app)

log = AuditedTable(os.environ["TABLE_NAME"])


@app.get("/audit/entries")
def entries() -> dict:
    require_owner(app)
    return audit.read(
        log,
        integer_query(app, "after", 0, maximum=2**53 - 1),
        integer_query(app, "limit", 500, minimum=1, maximum=1000),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
