"""Platform REST routes of the directory: my profile and keys, user lookup, device push tokens, and the two routes
of a recovery, which have no token (the recovery phrase's lookup says who is asking)."""

import os
from functools import partial
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.connections import ConnectionsStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.nonces import NonceStore
from dal.phones import PhoneEndpoints
from imegha_service.http import IdentitySigned, caller_id, register_error_responses, web_app_cors
from imegha_service.requests import json_body
from logic import directory, signed_requests

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver(cors=web_app_cors())
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
store = DirectoryStore(os.environ["DIRECTORY_TABLE_NAME"])
connections = ConnectionsStore(os.environ["CONNECTIONS_TABLE_NAME"])
devices = DeviceStore(os.environ["DEVICE_TOKENS_TABLE_NAME"])
phones = PhoneEndpoints.from_environment(os.environ)
nonces = NonceStore(os.environ["REQUEST_NONCES_TABLE_NAME"])
first_keys_or_signed = IdentitySigned(partial(signed_requests.require_identity, store, nonces, first_keys=True))


@app.get("/me")
def get_me() -> dict:
    return directory.my_profile(store, caller_id(app))


@app.post("/me/nonces")
def post_my_nonce() -> Response:
    return Response(
        status_code=201, content_type="application/json", body=signed_requests.issue_nonce(nonces, caller_id(app))
    )


@app.put("/me/keys", middlewares=[first_keys_or_signed])
def put_my_keys() -> dict:
    body = json_body(app, SCHEMAS, "upload-keys.json")
    version = directory.upload_keys(
        store,
        caller_id(app),
        body["expectedVersion"],
        body["keys"],
        body.get("statement"),
        body.get("recoveryVerifier"),
    )
    return {"keysVersion": version}


@app.post("/recovery")
def post_recovery() -> dict:
    body = json_body(app, SCHEMAS, "recovery.json")
    return directory.open_recovery(store, body["email"], body["recoveryLookup"])


@app.put("/recovery/password")
def put_recovered_password() -> Response:
    body = json_body(app, SCHEMAS, "recovery-password.json")
    directory.hold_recovered_wrapping(
        store, body["email"], body["recoveryLookup"], body["expectedVersion"], body["passwordWrappedDek"]
    )
    return Response(status_code=204)


@app.put("/me/statement")
def put_my_statement() -> Response:
    statement = json_body(app, SCHEMAS, "key-statement.json")["statement"]
    directory.publish_key_statement(store, caller_id(app), statement)
    return Response(status_code=204)


@app.get("/users/<imtag>")
def get_user(imtag: str) -> dict:
    return directory.lookup_user(store, connections, caller_id(app), imtag)


@app.put("/devices/<device_id>")
def put_device(device_id: str) -> dict:
    body = json_body(app, SCHEMAS, "register-device.json")
    return directory.register_device(devices, phones, caller_id(app), device_id, body["platform"], body["token"])


@app.delete("/devices/<device_id>")
def delete_device(device_id: str) -> Response:
    directory.unregister_device(devices, phones, caller_id(app), device_id)
    return Response(status_code=204)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
