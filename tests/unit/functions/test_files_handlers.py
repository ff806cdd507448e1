"""The storage, sharing and audit Lambdas on their sample events, with env.json as `sam local invoke` uses it,
against mocked AWS (the table from database.yaml, a versioned bucket, the platform bus); and their domain rules."""

from __future__ import annotations

import base64
import copy
import io
import json
import time
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from moto import mock_aws

from imegha_crypto import (
    AuditHead,
    Context,
    DataKey,
    ExchangePrivateKey,
    FileKey,
    IdentityPrivateKey,
    open_file,
    seal_data,
    seal_file,
    sign_audit_checkpoint,
    sign_record,
    verify_audit_chain,
    wrap_key,
)
from imegha_local.functions import load_handler
from imegha_local.templates import load_template
from imegha_service.errors import InvalidRequest
from tests.aws_tables import create_tables
from tests.conftest import EVENTS, ROOT
from tests.doorbell_rings import hear_rings
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import SAM_ENVIRONMENT, sam_handler

OWNER = SAM_ENVIRONMENT["StorageFunction"]["OWNER_USER_ID"]
RECIPIENT = "11111111-2222-3333-4444-555555555555"
STRANGER = "99999999-8888-7777-6666-555555555555"
SERVICES = ROOT / "user-cloud" / "services"
TEMPLATES = {
    "StorageFunction": SERVICES / "storage_service.yaml",
    "SharingFunction": SERVICES / "sharing_service.yaml",
    "AuditFunction": SERVICES / "audit_service.yaml",
}


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


SHARE = json.loads(sample("user_cloud_create_share.json")["body"])
FILE_ID = SHARE["target"]["id"]


@pytest.fixture
def aws(monkeypatch):
    with mock_aws():
        create_tables(boto3.client("dynamodb"), ROOT / "user-cloud" / "database.yaml")
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"])
        s3.put_bucket_versioning(
            Bucket=SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"], VersioningConfiguration={"Status": "Enabled"}
        )
        rings = hear_rings(monkeypatch)
        yield {"s3": s3, "rings": rings, "table": boto3.resource("dynamodb").Table("CloudTable")}


class Lambdas(dict):
    """Each function loaded the first time a test calls it."""

    def __init__(self, monkeypatch):
        super().__init__()
        self.monkeypatch = monkeypatch

    def __missing__(self, name: str):
        self[name] = sam_handler(self.monkeypatch, TEMPLATES[name], name)
        return self[name]


@pytest.fixture
def lambdas(aws, monkeypatch):
    return Lambdas(monkeypatch)


def call(function, event: dict) -> tuple[int, dict | None]:
    response = function(event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def routed(
    sample_name: str, method: str, path: str, body: dict | None = None, caller: str = OWNER, query: str = ""
) -> dict:
    """A sample event sent to another path of the same service, by ``caller``."""
    event = copy.deepcopy(sample(sample_name))
    event["requestContext"]["http"]["method"] = method
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    event["queryStringParameters"] = dict(pair.split("=") for pair in query.split("&")) if query else None
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = caller
    event["body"] = json.dumps(body) if body is not None else None
    return event


def rung(aws) -> list[dict]:
    """What the cloud rang the platform's doorbell with so far, as the bus event the doorbell relays it as."""
    return [{"detail-type": kind, "detail": detail} for kind, detail in aws["rings"].events()]


def upload(aws, lambdas, content: bytes, file_id: str = FILE_ID, version: int = 1) -> dict:
    """What a device does: start, send the one part (here straight to S3), commit with the keys it made."""
    key, dek = FileKey.generate(), DataKey.generate()
    context = Context(owner=OWNER, object_id=file_id, version=version)
    sealed = io.BytesIO()
    seal_file(key, io.BytesIO(content), sealed, context)
    status, started = call(
        lambdas["StorageFunction"],
        routed(
            "user_cloud_start_upload.json",
            "POST",
            f"/storage/files/{file_id}/uploads",
            {"version": version, "ciphertextSize": len(sealed.getvalue())},
        ),
    )
    assert status == 201, started
    item = aws["table"].get_item(Key={"pk": f"FILE#{file_id}", "sk": f"UPLOAD#{started['uploadId']}"})["Item"]
    aws["s3"].upload_part(
        Bucket=SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"],
        Key=item["objectKey"],
        UploadId=item["s3UploadId"],
        PartNumber=1,
        Body=sealed.getvalue(),
    )
    commit = {
        "wrappedKey": wrap_key(key, wrapping_key=dek, context=context),
        "metadata": seal_data(key, b'{"name": "scan.pdf"}', context),
    }
    return {
        "started": started,
        "commit": commit,
        "key": key,
        "context": context,
        "complete": routed(
            "user_cloud_start_upload.json",
            "POST",
            f"/storage/files/{file_id}/uploads/{started['uploadId']}/complete",
            commit,
        ),
    }


# --- storage --------------------------------------------------------------------------------------


def test_starting_an_upload_hands_out_presigned_part_urls_to_the_owner_only(lambdas):
    status, started = call(lambdas["StorageFunction"], sample("user_cloud_start_upload.json"))

    assert status == 201
    assert (started["version"], started["partCount"], list(started["partUrls"])) == (1, 1, ["1"])
    assert f"files/{FILE_ID}/{started['uploadId']}" in started["partUrls"]["1"]
    stranger = copy.deepcopy(sample("user_cloud_start_upload.json"))
    stranger["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = STRANGER
    assert call(lambdas["StorageFunction"], stranger) == (403, {"message": "only the owner of this cloud may do this"})


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"version": 2, "ciphertextSize": 100}, 409, "the next upload is version 1, not 2"),
        ({"version": 1, "ciphertextSize": 10}, 400, "a sealed file is 72 bytes to 5 TiB"),
        ({"version": 1}, 400, "'ciphertextSize' is a required property"),
    ],
)
def test_an_upload_that_cannot_be_is_refused_with_its_reason(lambdas, body, status, says):
    event = routed("user_cloud_start_upload.json", "POST", f"/storage/files/{FILE_ID}/uploads", body)

    answer = call(lambdas["StorageFunction"], event)

    assert answer[0] == status and says in answer[1]["message"]


def test_a_committed_upload_is_listed_with_its_wrapped_key_and_sealed_metadata_and_audited(aws, lambdas):
    made = upload(aws, lambdas, b"hello")

    status, committed = call(lambdas["StorageFunction"], made["complete"])
    _, listed = call(lambdas["StorageFunction"], routed("user_cloud_start_upload.json", "GET", "/storage/files"))
    _, log = call(lambdas["AuditFunction"], sample("user_cloud_audit_entries.json"))

    assert status == 200 and committed["version"] == 1
    assert [(f["fileId"], f["wrappedKey"], f["metadata"]) for f in listed["files"]] == [
        (FILE_ID, made["commit"]["wrappedKey"], made["commit"]["metadata"])
    ]
    assert [(e["action"], e["actor"], e["subject"]["fileId"]) for e in log["entries"]] == [("upload", OWNER, FILE_ID)]
    verify_audit_chain(log["entries"], AuditHead(**log["head"]))


def test_an_upload_whose_parts_are_gone_is_refused_and_makes_no_file(aws, lambdas):
    made = upload(aws, lambdas, b"hello")
    bucket = SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"]
    item = aws["table"].get_item(Key={"pk": f"FILE#{FILE_ID}", "sk": f"UPLOAD#{made['started']['uploadId']}"})["Item"]
    aws["s3"].abort_multipart_upload(Bucket=bucket, Key=item["objectKey"], UploadId=item["s3UploadId"])

    status, answer = call(lambdas["StorageFunction"], made["complete"])

    assert status == 409 and "no longer open" in answer["message"]
    assert aws["s3"].list_object_versions(Bucket=bucket).get("Versions") is None
    assert (
        call(lambdas["StorageFunction"], routed("user_cloud_start_upload.json", "GET", "/storage/files"))[1]["files"]
        == []
    )


def test_a_new_version_must_carry_a_key_for_each_share_of_the_file(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"v1")["complete"])
    assert call(lambdas["SharingFunction"], sample("user_cloud_create_share.json"))[0] == 201

    second = upload(aws, lambdas, b"v2", version=2)
    status, answer = call(lambdas["StorageFunction"], second["complete"])

    assert status == 409 and f"the file is shared as {SHARE['shareId']}" in answer["message"]


def owner_asks(lambdas, path: str, caller: str = OWNER) -> tuple[int, dict | None]:
    return call(lambdas["StorageFunction"], routed("user_cloud_start_upload.json", "GET", path, caller=caller))


def opened_from_url(aws, url: str, made: dict) -> bytes:
    """What a download URL names (its S3 version too), fetched and opened with the key that version was sealed
    under."""
    query = dict(parse_qsl(urlsplit(url).query))
    stored = aws["s3"].get_object(
        Bucket=SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"],
        Key="files/" + urlsplit(url).path.split("/files/", 1)[1],
        **({"VersionId": query["versionId"]} if "versionId" in query else {}),
    )["Body"]
    opened = io.BytesIO()
    open_file(made["key"], io.BytesIO(stored.read()), opened, made["context"])
    return opened.getvalue()


def test_a_replaced_version_stays_for_its_owner_under_its_own_key_for_30_days(aws, lambdas):
    first = upload(aws, lambdas, b"v1")
    call(lambdas["StorageFunction"], first["complete"])
    second = upload(aws, lambdas, b"v2", version=2)
    assert call(lambdas["StorageFunction"], second["complete"])[0] == 200

    status, listed = owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions")

    assert status == 200 and listed["keptDays"] == 30
    assert [(v["version"], v["current"], v["wrappedKey"], v["metadata"]) for v in listed["versions"]] == [
        (2, True, second["commit"]["wrappedKey"], second["commit"]["metadata"]),
        (1, False, first["commit"]["wrappedKey"], first["commit"]["metadata"]),
    ]
    assert 29.9 * 86400 < listed["versions"][1]["expiresAt"] - time.time() <= 30 * 86400
    assert not any("objectKey" in v or "objectVersionId" in v for v in listed["versions"])
    status, old = owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/1")
    assert status == 200 and old["version"] == 1 and "versionId=" in old["url"]
    assert opened_from_url(aws, old["url"], first) == b"v1"
    _, current = owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/2")
    assert opened_from_url(aws, current["url"], second) == b"v2"
    _, log = call(lambdas["AuditFunction"], sample("user_cloud_audit_entries.json"))
    assert [(e["action"], e["subject"].get("version")) for e in log["entries"]][-2:] == [
        ("download", 1),
        ("download", 2),
    ]


def test_only_the_owner_reads_old_versions_and_one_not_kept_is_refused_with_the_reason(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"v1")["complete"])
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"v2", version=2)["complete"])

    assert owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions", caller=STRANGER)[0] == 403
    assert owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/1", caller=STRANGER)[0] == 403
    status, refused = owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/3")
    assert status == 404 and "has no version 3 kept" in refused["message"]
    assert owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/0")[0] == 400
    aws["table"].update_item(
        Key={"pk": f"FILE#{FILE_ID}", "sk": "VERSION#" + "1".zfill(16)},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": int(time.time()) - 1},
    )  # lapsed, and the TTL has not cleared it yet
    status, refused = owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions/1")
    assert status == 404 and "a replaced version is kept 30 days" in refused["message"]
    assert [v["version"] for v in owner_asks(lambdas, f"/storage/files/{FILE_ID}/versions")[1]["versions"]] == [2]


def test_deleting_a_file_removes_every_version_and_its_records(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"v1")["complete"])
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"v2", version=2)["complete"])
    delete = routed("user_cloud_start_upload.json", "DELETE", f"/storage/files/{FILE_ID}")

    status, deleted = call(lambdas["StorageFunction"], delete)

    assert status == 200 and deleted["objectVersionsRemoved"] == 3  # two objects and the marker that retired one
    bucket = SAM_ENVIRONMENT["StorageFunction"]["BUCKET_NAME"]
    listed = aws["s3"].list_object_versions(Bucket=bucket)
    assert listed.get("Versions") is None and listed.get("DeleteMarkers") is None
    assert aws["table"].query(KeyConditionExpression=Key("pk").eq(f"FILE#{FILE_ID}"))["Items"] == []


def test_the_days_a_version_is_kept_are_the_days_the_bucket_keeps_a_replaced_object():
    kept_days = load_handler(FUNCTIONS, "logic.storage.VERSION_KEPT_DAYS")
    rules = load_template(ROOT / "user-cloud" / "storage.yaml")["Resources"]["FilesBucket"]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    (replaced,) = [rule for rule in rules if rule["Id"] == "ReplacedVersions"]

    assert replaced["NoncurrentVersionExpiration"]["NoncurrentDays"] == kept_days == 30
    assert replaced["ExpiredObjectDeleteMarker"] is True


# --- sharing -------------------------------------------------------------------------------------


def test_a_share_is_stored_and_rings_the_doorbell_with_ids_only(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"for Bob")["complete"])

    status, created = call(lambdas["SharingFunction"], sample("user_cloud_create_share.json"))

    assert status == 201 and created["notified"] is True
    (event,) = rung(aws)
    assert (event["detail-type"], event["detail"]) == (
        "Share Created",
        {"shareId": SHARE["shareId"], "senderId": OWNER, "recipients": [RECIPIENT]},
    )


def test_a_record_that_says_something_else_than_the_share_is_refused(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"for Bob")["complete"])
    event = sample("user_cloud_create_share.json")
    body = json.loads(event["body"])
    body["recipientId"] = STRANGER
    event["body"] = json.dumps(body)

    status, answer = call(lambdas["SharingFunction"], event)

    assert status == 400 and answer["field"] == "record/body/recipient"


def test_the_recipient_downloads_until_revoked_and_a_stranger_never(aws, lambdas):
    call(lambdas["StorageFunction"], upload(aws, lambdas, b"for Bob")["complete"])
    call(lambdas["SharingFunction"], sample("user_cloud_create_share.json"))
    download = sample("user_cloud_download_shared.json")
    stranger = copy.deepcopy(download)
    stranger["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = STRANGER

    status, answer = call(lambdas["SharingFunction"], download)
    assert status == 200 and answer["wrappedKey"] == SHARE["wrappedKey"] and answer["urlExpiresIn"] == 60
    assert call(lambdas["SharingFunction"], stranger)[0] == 403

    revoke = routed("user_cloud_create_share.json", "DELETE", f"/sharing/shares/{SHARE['shareId']}")
    assert call(lambdas["SharingFunction"], revoke)[1]["revoked"] is True

    assert call(lambdas["SharingFunction"], download)[0] == 403
    _, log = call(lambdas["AuditFunction"], sample("user_cloud_audit_entries.json"))
    assert [e["action"] for e in log["entries"]] == ["upload", "share", "download", "revoke"]
    assert [e["detail-type"] for e in rung(aws)] == ["Share Created", "Share Revoked"]


# --- the domain's rules -----------------------------------------------------------------------------


FUNCTIONS = ROOT / "user-cloud" / "functions"


def test_parts_are_8_mib_until_ten_thousand_of_them_would_not_hold_the_file():
    part_plan = load_handler(FUNCTIONS, "logic.storage.part_plan")
    mib = 1024 * 1024

    assert part_plan(72) == (8 * mib, 1)
    assert part_plan(8 * mib + 1) == (8 * mib, 2)
    assert part_plan(1024**4) == (105 * mib, 9987)  # 1 TiB: parts grow, by whole MiB, to stay under 10,000


def test_a_signed_share_record_is_refused_unless_it_names_this_share_exactly():
    check_share_record = load_handler(FUNCTIONS, "logic.sharing.check_share_record")
    recipient = ExchangePrivateKey.generate()
    target = {"kind": "file", "id": FILE_ID, "version": 1}
    wrapped = wrap_key(
        FileKey.generate(),
        wrapping_key=recipient.public_key,
        context=Context(owner=OWNER, object_id=FILE_ID, version=1),
    )
    body = {
        "shareId": "s" * 16,
        "owner": OWNER,
        "recipient": RECIPIENT,
        "target": target,
        "wrappedKey": wrapped,
        "sharedAt": "2026-11-23T09:00:00+00:00",
    }
    record = sign_record(IdentityPrivateKey.generate(), "share", body)
    share = {"share_id": "s" * 16, "owner": OWNER, "recipient": RECIPIENT, "wrapped_key": wrapped, "target": target}

    check_share_record(record, field="record", **share)
    for changed in ({"target": target | {"version": 2}}, {"recipient": STRANGER}, {"share_id": "t" * 16}):
        with pytest.raises(InvalidRequest, match="the signed record says"):
            check_share_record(record, field="record", **share | changed)


def checkpoint_of(seq: int, digest: str, user_id: str = OWNER) -> dict:
    return sign_audit_checkpoint(
        IdentityPrivateKey.generate(), user_id=user_id, head=AuditHead(seq, digest), signed_at="2026-12-05T03:00:00Z"
    )


def store(lambdas, record: dict, caller: str = OWNER) -> tuple[int, dict | None]:
    event = routed("user_cloud_audit_entries.json", "POST", "/audit/checkpoints", record, caller)
    return call(lambdas["AuditFunction"], event)


def checkpoints_page(lambdas, query: str = "", caller: str = OWNER) -> tuple[int, dict | None]:
    return call(
        lambdas["AuditFunction"],
        routed("user_cloud_audit_entries.json", "GET", "/audit/checkpoints", None, caller, query),
    )


def test_checkpoints_are_kept_every_one_and_only_move_forward(aws, lambdas):
    first, fork_a, fork_b = checkpoint_of(3, "aa" * 32), checkpoint_of(5, "bb" * 32), checkpoint_of(5, "cc" * 32)

    assert store(lambdas, first) == (201, {"seq": 3, "hash": "aa" * 32})
    assert store(lambdas, fork_a)[0] == store(lambdas, fork_b)[0] == 201  # one entry, two heads: kept for the devices
    status, behind = store(lambdas, checkpoint_of(4, "dd" * 32))
    assert status == 409 and "holds a checkpoint at entry 5: a checkpoint only moves forward" in behind["message"]

    assert checkpoints_page(lambdas) == (200, {"checkpoints": [first, fork_a, fork_b], "next": None})
    # A page ends with every checkpoint of its last entry, so a fork is never split across pages.
    assert checkpoints_page(lambdas, "after=0&limit=1") == (200, {"checkpoints": [first], "next": 3})
    assert checkpoints_page(lambdas, "after=0&limit=2") == (200, {"checkpoints": [first, fork_a, fork_b], "next": 5})
    assert checkpoints_page(lambdas, "after=3&limit=1") == (200, {"checkpoints": [fork_a, fork_b], "next": 5})
    assert checkpoints_page(lambdas, "after=5&limit=1") == (200, {"checkpoints": [], "next": None})


def test_only_the_owner_stores_or_reads_checkpoints_and_only_of_their_own_log(aws, lambdas):
    assert store(lambdas, checkpoint_of(1, "aa" * 32), caller=STRANGER)[0] == 403
    assert checkpoints_page(lambdas, caller=STRANGER)[0] == 403
    status, refused = store(lambdas, checkpoint_of(1, "aa" * 32, user_id=STRANGER))
    assert status == 400 and refused["field"] == "body/userId"
    for malformed in (
        checkpoint_of(1, "aa" * 32) | {"type": "share"},
        checkpoint_of(1, "AA" * 32),
        checkpoint_of(1, "aa" * 32 + "\n"),
    ):
        assert store(lambdas, malformed)[0] == 400
    assert checkpoints_page(lambdas) == (200, {"checkpoints": [], "next": None})


@pytest.mark.parametrize(
    "cursor", [b"[" * 5000 + b"]" * 5000, b'{"pk": ' + b"9" * 5000 + b"}", b"\xff\xfe"], ids=["deep", "long", "bytes"]
)
def test_a_cursor_that_would_break_the_parser_is_refused_with_the_reason_not_a_crash(lambdas, cursor):
    encoded = base64.urlsafe_b64encode(cursor).decode().rstrip("=")

    status, answer = call(
        lambdas["StorageFunction"],
        routed("user_cloud_start_upload.json", "GET", "/storage/files", query=f"cursor={encoded}"),
    )

    assert (status, answer["field"]) == (400, "cursor")


# --- the owner's keys, kept in their own cloud ----------------------------------------------------


def test_the_owner_keeps_their_recovery_opened_keys_here_and_only_they_read_or_write_them(aws, lambdas):
    from imegha_crypto import RECOVERY_COPY_FIELDS, create_account, open_account_with_phrase

    account = create_account(OWNER, "a long enough password", iterations=100_000)
    copy = {field: account.bundle[field] for field in RECOVERY_COPY_FIELDS}
    storage = lambdas["StorageFunction"]
    path = "/storage/account-keys"

    assert call(storage, routed("user_cloud_start_upload.json", "GET", path))[0] == 404
    assert call(storage, routed("user_cloud_start_upload.json", "PUT", path, copy, caller=STRANGER))[0] == 403
    with_password = copy | {"passwordWrappedDek": account.bundle["passwordWrappedDek"]}
    assert call(storage, routed("user_cloud_start_upload.json", "PUT", path, with_password))[0] == 400
    assert call(storage, routed("user_cloud_start_upload.json", "PUT", path, copy)) == (200, {"kept": True})

    status, kept = call(storage, routed("user_cloud_start_upload.json", "GET", path))
    assert status == 200 and kept == {"userId": OWNER, "keys": copy}
    assert call(storage, routed("user_cloud_start_upload.json", "GET", path, caller=STRANGER))[0] == 403
    opened = open_account_with_phrase(kept["keys"], OWNER, account.recovery_phrase)
    assert opened.data_key.secret_bytes() == account.keys.data_key.secret_bytes()
    log = aws["table"].query(KeyConditionExpression=Key("pk").eq("AUDIT"))["Items"]
    assert [entry["action"] for entry in log if "action" in entry] == ["keep-keys"]
