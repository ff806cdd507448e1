"""Storage routes of the user cloud (``/storage/…``): the owner's uploads, files, folders and albums."""

from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.cloud import Cloud
from imegha_service.errors import InvalidRequest
from imegha_service.http import integer_query, register_error_responses, require_owner, whole_number
from imegha_service.requests import json_body
from logic import storage
from logic.ids import check_id

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
register_error_responses(app)

SCHEMAS = Path(__file__).parent.parent / "schemas"
cloud = Cloud.from_environment()
COLLECTIONS = {"folders": "folder", "albums": "album"}
MAX_VERSION = 2**53 - 1  # what a JSON number holds exactly, as upload-start.json allows


def _collection(plural: str) -> str:
    if plural not in COLLECTIONS:
        raise InvalidRequest("path", f"{plural!r} is not folders or albums")
    return COLLECTIONS[plural]


@app.post("/storage/files/<file_id>/uploads")
def start_upload(file_id: str) -> Response:
    require_owner(app)
    body = json_body(app, SCHEMAS, "upload-start.json")
    started = storage.start_upload(cloud, check_id("fileId", file_id), body["version"], body["ciphertextSize"])
    return Response(status_code=201, content_type="application/json", body=started)


@app.get("/storage/files/<file_id>/uploads/<upload_id>")
def upload_status(file_id: str, upload_id: str) -> dict:
    require_owner(app)
    return storage.upload_status(cloud, check_id("fileId", file_id), check_id("uploadId", upload_id))


@app.post("/storage/files/<file_id>/uploads/<upload_id>/parts")
def part_urls(file_id: str, upload_id: str) -> dict:
    require_owner(app)
    numbers = json_body(app, SCHEMAS, "upload-parts.json")["partNumbers"]
    return storage.part_urls(cloud, check_id("fileId", file_id), check_id("uploadId", upload_id), numbers)


@app.post("/storage/files/<file_id>/uploads/<upload_id>/complete")
def complete_upload(file_id: str, upload_id: str) -> dict:
    owner = require_owner(app)
    committed = storage.complete_upload(
        cloud,
        owner,
        check_id("fileId", file_id),
        check_id("uploadId", upload_id),
        json_body(app, SCHEMAS, "upload-complete.json"),
    )
    metrics.add_metric(name="VersionsCommitted", unit=MetricUnit.Count, value=1)
    return committed


@app.delete("/storage/files/<file_id>/uploads/<upload_id>")
def abort_upload(file_id: str, upload_id: str) -> Response:
    require_owner(app)
    storage.abort_upload(cloud, check_id("fileId", file_id), check_id("uploadId", upload_id))
    return Response(status_code=204)


@app.get("/storage/files")
def list_files() -> dict:
    require_owner(app)
    holder = app.current_event.get_query_string_value("in")
    return storage.list_files(
        cloud,
        holder and check_id("in", holder),
        app.current_event.get_query_string_value("cursor"),
        integer_query(app, "limit", 100, minimum=1, maximum=1000),
    )


@app.get("/storage/files/<file_id>")
def download(file_id: str) -> dict:
    return storage.download(cloud, require_owner(app), check_id("fileId", file_id))


@app.get("/storage/files/<file_id>/versions")
def list_versions(file_id: str) -> dict:
    require_owner(app)
    return storage.list_versions(cloud, check_id("fileId", file_id))


@app.get("/storage/files/<file_id>/versions/<version>")
def download_version(file_id: str, version: str) -> dict:
    owner = require_owner(app)
    number = whole_number("version", version, 1, MAX_VERSION)
    return storage.download_version(cloud, owner, check_id("fileId", file_id), number)


@app.get("/storage/files/<file_id>/holders")
def holders(file_id: str) -> dict:
    require_owner(app)
    return storage.holders(cloud, check_id("fileId", file_id))


@app.delete("/storage/files/<file_id>")
def delete_file(file_id: str) -> dict:
    owner = require_owner(app)
    return storage.delete_file(cloud, owner, check_id("fileId", file_id))


@app.post("/storage/<plural>")
def create_collection(plural: str) -> Response:
    owner = require_owner(app)
    created = storage.create_collection(cloud, owner, _collection(plural), json_body(app, SCHEMAS, "collection.json"))
    return Response(status_code=201, content_type="application/json", body=created)


@app.get("/storage/<plural>")
def list_collections(plural: str) -> dict:
    require_owner(app)
    return {plural: storage.list_collections(cloud, _collection(plural))}


@app.delete("/storage/<plural>/<collection_id>")
def delete_collection(plural: str, collection_id: str) -> dict:
    owner = require_owner(app)
    return storage.delete_collection(cloud, owner, _collection(plural), check_id("id", collection_id))


@app.put("/storage/albums/<album_id>/files/<file_id>")
def add_to_album(album_id: str, file_id: str) -> dict:
    owner = require_owner(app)
    return storage.add_to_album(
        cloud,
        owner,
        check_id("albumId", album_id),
        check_id("fileId", file_id),
        json_body(app, SCHEMAS, "album-entry.json"),
    )


@app.delete("/storage/albums/<album_id>/files/<file_id>")
def remove_from_album(album_id: str, file_id: str) -> Response:
    owner = require_owner(app)
    storage.remove_from_album(cloud, owner, check_id("albumId", album_id), check_id("fileId", file_id))
    return Response(status_code=204)


@app.put("/storage/account-keys")
def keep_account_keys() -> dict:
    owner = require_owner(app)
    return storage.keep_account_keys(cloud, owner, json_body(app, SCHEMAS, "account-keys.json"))


@app.get("/storage/account-keys")
def account_keys() -> dict:
    require_owner(app)
    return storage.account_keys(cloud)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
