"""Sharing routes of the user cloud (``/sharing/…``): the owner's shares, and what recipients open with them."""

from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.cloud import Cloud
from imegha_service.errors import InvalidRequest
from imegha_service.http import caller_id, integer_query, register_error_responses, require_owner
from imegha_service.requests import json_body
from logic import sharing
from logic.ids import check_id

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
cloud = Cloud.from_environment()


@app.post("/sharing/shares")
def create_share() -> Response:
    owner = require_owner(app)
    created = sharing.create_share(cloud, owner, json_body(app, SCHEMAS, "share.json"))
    metrics.add_metric(name="SharesCreated", unit=MetricUnit.Count, value=1)
    return Response(status_code=201, content_type="application/json", body=created)


@app.get("/sharing/shares")
def list_shares() -> dict:
    require_owner(app)
    kind, target = (app.current_event.get_query_string_value(name) for name in ("kind", "target"))
    if (kind is None) != (target is None) or kind not in (None, *sharing.KEY_KIND):
        raise InvalidRequest("kind", "give both kind (file, folder or album) and target, or neither")
    return {"shares": sharing.list_shares(cloud, kind, target and check_id("target", target))}


@app.delete("/sharing/shares/<share_id>")
def revoke_share(share_id: str) -> dict:
    owner = require_owner(app)
    revoked = sharing.revoke_share(cloud, owner, check_id("shareId", share_id))
    metrics.add_metric(name="SharesRevoked", unit=MetricUnit.Count, value=1)
    return revoked


@app.get("/sharing/received")
def received() -> dict:
    return {"shares": sharing.received(cloud, caller_id(app))}


@app.get("/sharing/received/<share_id>")
def open_received(share_id: str) -> dict:
    return sharing.open_received(
        cloud,
        caller_id(app),
        check_id("shareId", share_id),
        app.current_event.get_query_string_value("cursor"),
        integer_query(app, "limit", 100, minimum=1, maximum=1000),
    )


@app.get("/sharing/received/<share_id>/files/<file_id>")
def download_received(share_id: str, file_id: str) -> dict:
    return sharing.download_received(cloud, caller_id(app), check_id("shareId", share_id), check_id("fileId", file_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
