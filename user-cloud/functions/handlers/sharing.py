"""Sharing routes of the user cloud (``/sharing/…``): the owner's shares, and what recipients open with them."""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

import imegha_crypto
from dal.audit import AuditedTable
from dal.library import LibraryStore
from dal.objects import ObjectStore
from dal.shares import ShareStore
from imegha_service.errors import InvalidRequest
from imegha_service.events import EventPublisher
from imegha_service.http import caller_id, integer_query, register_error_responses, require_owner
from imegha_service.requests import parse_json, schema_validator, validate
from logic import sharing
from logic.ids import check_id

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
CRYPTO_SCHEMAS = Path(imegha_crypto.__file__).parent / "schemas"
library = LibraryStore(os.environ["TABLE_NAME"])
shares = ShareStore(os.environ["TABLE_NAME"])
audited = AuditedTable(os.environ["TABLE_NAME"])
objects = ObjectStore(os.environ["BUCKET_NAME"])
platform_bus = EventPublisher(os.environ["PLATFORM_EVENT_BUS_ARN"], source="imegha.user-cloud")


@app.post("/sharing/shares")
def create_share() -> Response:
    owner = require_owner(app)
    body = parse_json(app.current_event.body)
    validate(body, schema_validator(SCHEMAS / "share.json", SCHEMAS, CRYPTO_SCHEMAS))
    created = sharing.create_share(library, shares, audited, platform_bus, owner, body)
    metrics.add_metric(name="SharesCreated", unit=MetricUnit.Count, value=1)
    return Response(status_code=201, content_type="application/json", body=created)


@app.get("/sharing/shares")
def list_shares() -> dict:
    require_owner(app)
    kind, target = (app.current_event.get_query_string_value(name) for name in ("kind", "target"))
    if (kind is None) != (target is None) or kind not in (None, *sharing.KEY_KIND):
        raise InvalidRequest("kind", "give both kind (file, folder or album) and target, or neither")
    return {"shares": sharing.list_shares(library, shares, kind, target and check_id("target", target))}


@app.delete("/sharing/shares/<share_id>")
def revoke_share(share_id: str) -> dict:
    owner = require_owner(app)
    revoked = sharing.revoke_share(shares, audited, platform_bus, owner, check_id("shareId", share_id))
    metrics.add_metric(name="SharesRevoked", unit=MetricUnit.Count, value=1)
    return revoked


@app.get("/sharing/received")
def received() -> dict:
    return {"shares": sharing.received(library, shares, caller_id(app))}


@app.get("/sharing/received/<share_id>")
def open_received(share_id: str) -> dict:
    return sharing.open_received(library, shares, audited, caller_id(app), check_id("shareId", share_id),
                                 app.current_event.get_query_string_value("cursor"),
                                 integer_query(app, "limit", 100, minimum=1, maximum=1000))


@app.get("/sharing/received/<share_id>/files/<file_id>")
def download_received(share_id: str, file_id: str) -> dict:
    return sharing.download_received(library, shares, audited, objects, caller_id(app),
                                     check_id("shareId", share_id), check_id("fileId", file_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
