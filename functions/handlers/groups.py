"""Platform REST routes of group chats: create, list, read one's copy of the state, add, remove, bring a new key."""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.directory import DirectoryStore
from dal.groups import GroupStore
from imegha_service.events import PLATFORM_SOURCE, EventPublisher
from imegha_service.http import caller_id, register_error_responses, web_app_cors, whole_number
from imegha_service.requests import json_body
from logic import groups as chat_groups

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver(cors=web_app_cors())
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
MAX_EPOCH = 2**53 - 1  # as the schemas' epoch (defs.json): what JSON carries exactly
directory = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
groups = GroupStore(os.environ["CONNECTIONS_TABLE_NAME"])
events = EventPublisher(os.environ["PLATFORM_EVENT_BUS_NAME"], PLATFORM_SOURCE)


@app.get("/groups")
def list_groups() -> dict:
    return {"groups": chat_groups.my_groups(groups, caller_id(app))}


@app.post("/groups")
def create_group() -> Response:
    body = json_body(app, SCHEMAS, "group-create.json")
    created = chat_groups.create_group(groups, directory, caller_id(app), body)
    return Response(status_code=201, content_type="application/json", body=created)


@app.get("/groups/<group_id>")
def get_group(group_id: str) -> dict:
    return chat_groups.group_state(groups, caller_id(app), group_id)


@app.post("/groups/<group_id>/members")
def add_member(group_id: str) -> dict:
    body = json_body(app, SCHEMAS, "group-member.json")
    return chat_groups.add_member(groups, directory, caller_id(app), group_id, body)


@app.post("/groups/<group_id>/acceptance")
def accept_invitation(group_id: str) -> dict:
    return chat_groups.accept_invitation(groups, caller_id(app), group_id)


@app.post("/groups/<group_id>/removals")
def remove_member(group_id: str) -> dict:
    body = json_body(app, SCHEMAS, "group-removal.json")
    return chat_groups.remove_member(groups, directory, events, caller_id(app), group_id, body)


@app.put("/groups/<group_id>/epochs/<epoch>")
def put_epoch_key(group_id: str, epoch: str) -> dict:
    return chat_groups.store_epoch_key(
        groups,
        directory,
        caller_id(app),
        group_id,
        whole_number("epoch", epoch, 0, MAX_EPOCH),
        json_body(app, SCHEMAS, "group-epoch-key.json"),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
