"""Platform REST routes of the connection graph: request, accept, decline, remove, list."""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.connections import ConnectionsStore
from dal.directory import DirectoryStore
from imegha_service.http import caller_id, register_error_responses, web_app_cors
from imegha_service.requests import json_body
from logic import connections as graph

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver(cors=web_app_cors())
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
connections = ConnectionsStore(os.environ["CONNECTIONS_TABLE_NAME"])


@app.get("/connections")
def list_connections() -> dict:
    return {"connections": graph.list_connections(connections, caller_id(app))}


@app.post("/connections")
def request_connection() -> Response:
    imtag = json_body(app, SCHEMAS, "connection-request.json")["iMTag"]
    result = graph.request_connection(directory, connections, caller_id(app), imtag)
    return Response(status_code=201, content_type="application/json", body=result)


@app.post("/connections/<peer_id>/accept")
def accept(peer_id: str) -> dict:
    return graph.accept_connection(connections, caller_id(app), peer_id)


@app.post("/connections/<peer_id>/decline")
def decline(peer_id: str) -> Response:
    graph.decline_connection(connections, caller_id(app), peer_id)
    return Response(status_code=204)


@app.delete("/connections/<peer_id>")
def remove(peer_id: str) -> Response:
    graph.remove_connection(connections, caller_id(app), peer_id)
    return Response(status_code=204)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
