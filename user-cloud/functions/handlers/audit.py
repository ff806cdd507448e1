"""The audit routes of the user cloud (``/audit/…``): the owner reads the hash-chained log, their device checks it
and keeps the head it verified, signed, as a checkpoint."""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.audit import AuditCheckpoints, AuditedTable
from imegha_service.http import integer_query, register_error_responses, require_owner
from imegha_service.requests import json_body
from logic import audit

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
log = AuditedTable(os.environ["TABLE_NAME"])
signed_checkpoints = AuditCheckpoints(os.environ["TABLE_NAME"])


def page_asked() -> tuple[int, int]:
    """The entry the caller has read up to (``after``) and how many items they want (``limit``)."""
    return (
        integer_query(app, "after", 0, maximum=2**53 - 1),
        integer_query(app, "limit", 500, minimum=1, maximum=1000),
    )


@app.get("/audit/entries")
def entries() -> dict:
    require_owner(app)
    return audit.read(log, *page_asked())


@app.get("/audit/checkpoints")
def checkpoints() -> dict:
    require_owner(app)
    return audit.checkpoints(signed_checkpoints, *page_asked())


@app.post("/audit/checkpoints")
def store_checkpoint() -> Response:
    owner = require_owner(app)
    record = json_body(app, SCHEMAS, "audit-checkpoint.json")
    stored = audit.store_checkpoint(signed_checkpoints, owner, record)
    return Response(status_code=201, content_type="application/json", body=stored)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
