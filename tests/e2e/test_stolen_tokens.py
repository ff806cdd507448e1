"""Mallory plays a malicious cloud: she changes her own iMChat and sharing Lambdas to log every header they receive,
sends Victor a message and connects with him. Victor reads it as people do (``chat watch``, ``chat read``,
``shared``), and every Authorization header she recorded is refused at the platform, at Victor's cloud and at
Trent's, on every route each serves; Victor's Cognito token never reached her, and his own reads still work.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest

from imegha.personal_cloud import LOCAL_ACCOUNT
from imegha_local.cloud import Account
from imegha_local.templates import load_template
from tests.conftest import ROOT
from tests.e2e.devices import Person
from tests.e2e.wire import http
from tests.integration.polling import eventually

# Mallory's change to her own cloud: each request's headers printed to her functions' logs, then served as before.
RECORDER = """
import importlib
import json


def _recording(handler):
    module, _, name = handler.rpartition(".")

    def recorded(event, context):
        print(json.dumps({"recorded": event.get("headers") or {}}))
        return getattr(importlib.import_module(module), name)(event, context)

    return recorded


chat = _recording("handlers.chat.lambda_handler")
sharing = _recording("handlers.sharing.lambda_handler")
"""
HANDLERS = {"ChatFunction": "recorder.chat", "SharingFunction": "recorder.sharing"}


def own_account(someone: Person) -> Account:
    saved = someone.device.profile().read(LOCAL_ACCOUNT)
    return Account(saved["accountId"], saved["accessKeyId"], saved["secretAccessKey"])


def cloud_url(someone: Person) -> str:
    url: str = someone.device.imegha("cloud", "status").json["cloudApiUrl"]
    return url


@pytest.fixture(scope="module")
def people(person) -> dict[str, Person]:
    crowd = {name: person(name) for name in ("Victor", "Mallory", "Trent")}
    for someone in crowd.values():
        assert someone.device.imegha("cloud", "connect", "--local").json
        assert someone.device.imegha("cloud", "deploy").json["status"] == "SUCCEEDED"
    return crowd


@pytest.fixture(scope="module")
def mallorys_recorder(people, local_cloud) -> Account:
    """Mallory's iMChat and sharing functions, as she changed them in her own account: the code her cloud runs
    (this repository's) and a module that logs what they receive."""
    account = own_account(people["Mallory"])
    functions = local_cloud.client("lambda", account)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        source = ROOT / "user-cloud" / "functions"
        for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            code.write(path, path.relative_to(source).as_posix())
        code.writestr("recorder.py", RECORDER)
    for function in functions.list_functions()["Functions"]:
        handler = next((HANDLERS[name] for name in HANDLERS if name in function["FunctionName"]), None)
        if handler:
            functions.update_function_code(FunctionName=function["FunctionName"], ZipFile=archive.getvalue())
            functions.update_function_configuration(FunctionName=function["FunctionName"], Handler=handler)
    return account


def recorded_headers(local_cloud, account: Account) -> list[dict[str, str]]:
    """Every request's headers Mallory's functions logged."""
    records = map(json.loads, Path(local_cloud.log_path).read_text().splitlines())
    return [
        json.loads(record["message"])["recorded"]
        for record in records
        if record["type"] == "output" and record["account"] == account.account_id and '"recorded"' in record["message"]
    ]


def once_a_message_is_in(someone: Person) -> list[dict]:
    """Their inbox, once it holds a message; until then, nothing."""
    entries = someone.device.imegha("notifications").json["notifications"]
    return entries if any(entry["kind"] == "message" for entry in entries) else []


def requests_to(local_cloud, url: str) -> list[dict]:
    """The local gateway's record of each request to the API at ``url``."""
    api = url.rstrip("/").rsplit("/", 1)[1]
    records = map(json.loads, Path(local_cloud.log_path).read_text().splitlines())
    return [record for record in records if record["type"] == "request" and record.get("api") == api]


def documents(printed: str) -> list[dict]:
    """The JSON documents a command printed one after the other."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while printed[at:].strip():
        document, at = decoder.raw_decode(printed, len(printed) - len(printed[at:].lstrip()))
        found.append(document)
    return found


def concrete(path: str) -> str:
    """A route's path with each parameter given a value."""
    return "/".join("x" if part.startswith("{") else part for part in path.split("/"))


def platform_routes() -> list[tuple[str, str]]:
    """Every route of the platform's REST API that needs a token (the others answer anyone, and hold nothing; the
    doorbell is another API, which takes AWS signatures, not tokens)."""
    routes = []
    for resource in load_template(ROOT / "template.yaml")["Resources"].values():
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            properties = event.get("Properties", {})
            if (
                event["Type"] == "Api"
                and properties.get("RestApiId") == {"Ref": "PlatformApi"}
                and (properties.get("Auth") or {}).get("Authorizer") != "NONE"
            ):
                routes.append((event["Properties"]["Method"].upper(), concrete(event["Properties"]["Path"])))
    return routes


def cloud_routes() -> list[tuple[str, str]]:
    """Every route of a user's cloud's HTTP API, each method of an ANY route."""
    routes = []
    for template in sorted((ROOT / "user-cloud").rglob("*.yaml")):
        for resource in (load_template(template).get("Resources") or {}).values():
            if resource["Type"] == "AWS::ApiGatewayV2::Route":
                method, path = resource["Properties"]["RouteKey"].split(" ")
                methods = ("GET", "POST", "PUT", "DELETE") if method == "ANY" else (method,)
                routes += [(each, concrete(path)) for each in methods]
    return routes


def test_what_mallorys_cloud_records_opens_nothing_but_her_own_cloud(people, mallorys_recorder, local_cloud, platform):
    victor, mallory, trent = people["Victor"], people["Mallory"], people["Trent"]
    clouds = {someone.name: cloud_url(someone) for someone in (victor, mallory, trent)}
    assert mallory.device.imegha("connect", "Victor").json
    assert victor.device.imegha("accept", "Mallory").json
    bait, reply = f"Your lab results are in [{uuid.uuid4().hex[:6]}]", "Thanks"
    assert mallory.device.imegha("chat", "send", "Victor", bait).json
    inbox = eventually(lambda: once_a_message_is_in(victor))

    watched = victor.device.imegha("chat", "watch", "--from-start", "--count", str(len(inbox)), "--timeout", "20")
    assert [entry["message"]["text"] for entry in documents(watched.stdout) if entry.get("message")] == [bait]
    assert victor.device.imegha("chat", "send", "Mallory", reply).json  # kept in Victor's own cloud
    read = victor.device.imegha("chat", "read", "Mallory").json
    assert [line["text"] for line in read["messages"]] == [bait, reply]
    assert victor.device.imegha("shared").json

    recorded = recorded_headers(local_cloud, mallorys_recorder)
    stolen = {headers["authorization"] for headers in recorded if "authorization" in headers}
    victors_cognito_token = victor.device.session()["id_token"]
    assert len(recorded) >= 3 and stolen, "Victor's watch, read and listing each reached Mallory's cloud"
    assert not any(victors_cognito_token in value for headers in recorded for value in headers.values())
    # Nothing Victor sent her was turned away at her door, so her functions saw every header he sent her.
    assert [record for record in requests_to(local_cloud, clouds["Mallory"]) if record["status"] == 401] == []
    # What she holds is real: her own cloud takes it (it was made for her cloud, and nothing else).
    assert all(http("GET", f"{clouds['Mallory']}/sharing/received", token)[0] == 200 for token in stolen)

    platform_api = platform.outputs["PlatformApiUrl"]
    for token in stolen:
        for method, path in platform_routes():
            assert http(method, platform_api + path, token, b"{}")[0] == 401, f"platform {method} {path}"
            assert http(method, platform_api + path, token.removeprefix("Bearer "), b"{}")[0] == 401
        # The doorbell takes AWS signatures alone (AWS_IAM): a token there is refused as no signature.
        assert http("POST", platform.outputs["DoorbellUrl"], token, b"{}")[0] == 403
        for owner in ("Victor", "Trent"):
            for method, path in cloud_routes():
                assert http(method, clouds[owner] + path, token, b"{}")[0] == 401, f"{owner}'s {method} {path}"

    # Victor's own reads still work, his own cloud's included.
    assert [line["text"] for line in victor.device.imegha("chat", "read", "Mallory").json["messages"]] == [bait, reply]
    assert victor.device.imegha("files", "ls").status == 0
