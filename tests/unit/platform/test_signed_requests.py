"""What cannot be undone needs the identity key: the check every such route runs, and the routes that run it.

Each refusal is a 403 with its reason, and leaves every table of the platform as it was (scanned before and after).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from imegha_crypto import sign_request
from imegha_local.people import first_keys
from imegha_service.errors import NotAllowed
from imegha_service.http import SignedRequest
from tests.conftest import EVENTS, ROOT
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import SAM_ENVIRONMENT, sam_handler
from tests.signed_events import FAST, calling_as, signed, with_keys
from tests.unit.platform.regions import REGIONS

ALICE, MALLORY = "alice-id", "mallory-id"
DESTROY = {"method": "POST", "path": "/deployments", "body": b'{"action": "destroy"}'}


@pytest.fixture
def logic(stores):
    from logic import signed_requests

    return signed_requests


@pytest.fixture
def nonces(platform_tables):
    from dal.nonces import NonceStore

    return NonceStore(platform_tables["RequestNoncesTable"])


@pytest.fixture
def alice(stores):
    return with_keys(stores[0], ALICE, "Alice")


@pytest.fixture
def mallory(stores):
    return with_keys(stores[0], MALLORY, "Mallory")


def destroy_signed(account, user_id: str, nonce: str, **changes) -> SignedRequest:
    header = sign_request(account.keys.identity_key, user_id=user_id, nonce=nonce, **DESTROY)
    return SignedRequest(**(DESTROY | {"signature": header} | changes))


def everything(platform_tables) -> str:
    """Every item of every platform table, as one comparable text."""
    dynamodb = boto3.client("dynamodb")
    return json.dumps(
        {table: dynamodb.scan(TableName=table, ConsistentRead=True)["Items"] for table in sorted(platform_tables)},
        sort_keys=True,
    )


# --- The check -------------------------------------------------------------------------------


def test_a_nonce_is_random_its_callers_alone_and_lapses_in_two_minutes(logic, nonces, platform_tables):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    first, second = logic.issue_nonce(nonces, ALICE, now), logic.issue_nonce(nonces, ALICE, now)

    assert first["nonce"] != second["nonce"] and len(first["nonce"]) == 43
    assert first["expiresAt"] == "2026-03-01T12:02:00+00:00"
    stored = boto3.resource("dynamodb").Table("RequestNoncesTable").get_item(Key={"nonce": first["nonce"]})["Item"]
    assert stored == {
        "nonce": first["nonce"],
        "userId": ALICE,
        "expiresAt": int((now + timedelta(minutes=2)).timestamp()),
    }


def test_the_persons_own_fresh_signature_is_accepted_once_and_its_nonce_is_used_up(
    logic, stores, nonces, alice, platform_tables
):
    nonce = logic.issue_nonce(nonces, ALICE)["nonce"]
    request = destroy_signed(alice, ALICE, nonce)

    logic.require_identity(stores[0], nonces, ALICE, request)

    assert boto3.client("dynamodb").scan(TableName="RequestNoncesTable")["Items"] == []
    with pytest.raises(NotAllowed, match="already used, or never issued: a replayed request"):
        logic.require_identity(stores[0], nonces, ALICE, request)


def _refusals(logic, nonces, alice, mallory):
    """Each way a request with Alice's valid token is not hers to make: (what, the request, when, the reason)."""
    issued = logic.issue_nonce(nonces, ALICE)["nonce"]
    lapsed = logic.issue_nonce(nonces, ALICE, datetime.now(UTC) - timedelta(minutes=2, seconds=1))["nonce"]
    malloys_nonce = logic.issue_nonce(nonces, MALLORY)["nonce"]
    return [
        ("no signature", destroy_signed(alice, ALICE, issued, signature=None), "needs your identity key's signature"),
        ("stale", destroy_signed(alice, ALICE, lapsed), "nonce has lapsed: a stale request"),
        ("never issued", destroy_signed(alice, ALICE, "A" * 43), "already used, or never issued"),
        (
            "another person's signature",
            destroy_signed(mallory, ALICE, issued),
            f"signed by identity key {mallory.keys.identity_key.public_key.fingerprint}, not by the expected "
            f"{alice.keys.identity_key.public_key.fingerprint}",
        ),
        ("another person's nonce", destroy_signed(alice, ALICE, malloys_nonce), "nonce was issued to another user"),
        (
            "signed for another request",
            destroy_signed(alice, ALICE, issued, body=b'{"action": "deploy"}'),
            "the signature is not of this request",
        ),
        (
            "signed as another user",
            destroy_signed(alice, MALLORY, issued),
            "the signature is not of this request",
        ),
        ("not a signature", destroy_signed(alice, ALICE, issued, signature="Bearer x"), "expected 'v=1; signer="),
    ]


def test_every_request_not_signed_freshly_by_the_persons_current_key_is_refused_and_changes_nothing(
    logic, stores, nonces, alice, mallory, platform_tables
):
    refusals = _refusals(logic, nonces, alice, mallory)
    before = everything(platform_tables)

    for what, request, reason in refusals:
        with pytest.raises(NotAllowed) as refused:
            logic.require_identity(stores[0], nonces, ALICE, request)
        assert reason in str(refused.value), what

    assert everything(platform_tables) == before


def test_without_a_key_statement_only_a_first_upload_of_keys_goes_unsigned(logic, stores, nonces, platform_tables):
    from logic import directory

    directory.register_user(stores[0], "new-id", "new@example.org", "Newcomer")
    unsigned = SignedRequest("PUT", "/me/keys", b"{}", None)

    logic.require_identity(stores[0], nonces, "new-id", unsigned, first_keys=True)
    for keys_route in (False, True):
        if keys_route:  # keys uploaded by a client that publishes the statement apart, and no statement yet
            stores[0].replace_keys("new-id", 0, {"keys": {"identityKey": "…"}})
        with pytest.raises(NotAllowed, match="no key statement of yours names one yet"):
            logic.require_identity(stores[0], nonces, "new-id", unsigned, first_keys=keys_route)


# --- The routes -----------------------------------------------------------------------------


def route(method: str, path: str, body: dict | None, caller: str = ALICE) -> dict:
    """The sample platform request, made a request to another route with another body, with ``caller``'s token."""
    event = json.loads((EVENTS / "platform_request_deployment.json").read_text())
    event |= {"httpMethod": method, "path": path, "resource": path, "body": None if body is None else json.dumps(body)}
    event["requestContext"] |= {"httpMethod": method, "resourcePath": path, "path": f"/dev{path}"}
    return calling_as(event, caller)


@pytest.fixture
def handlers(platform_tables, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # as Lambda sets it
    boto3.client("events").create_event_bus(Name=SAM_ENVIRONMENT["DeploymentsFunction"]["PLATFORM_EVENT_BUS_NAME"])
    return {
        name: sam_handler(monkeypatch, ROOT / "template.yaml", name)
        for name in ("DirectoryFunction", "DeploymentsFunction")
    }


def call(handlers, event: dict) -> tuple[int, dict]:
    function = "DirectoryFunction" if event["path"].startswith("/me") else "DeploymentsFunction"
    response = handlers[function](event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"] or "null")


def nonce_of(handlers, caller: str = ALICE) -> str:
    status, issued = call(handlers, route("POST", "/me/nonces", None, caller))
    assert status == 201
    return issued["nonce"]


ROLE = "arn:aws:iam::222222222222:role/imegha-deployment-us-east-1"


def irreversible(stores, alice) -> list[dict]:
    """Each route that cannot be undone, as Alice's device sends it; she has connected her account."""
    from dal.deployments import DeploymentStore
    from logic import deployments

    deployments.connect(DeploymentStore("DeploymentsTable"), ALICE, "111111111111", REGIONS)
    rewrapped = stores[0].user(ALICE)
    return [
        route("PUT", "/cloud/connection", {"roleArn": ROLE}),
        route("POST", "/deployments", {"action": "deploy"}),
        route("POST", "/deployments", {"action": "destroy"}),
        route("PUT", "/me/keys", {"expectedVersion": rewrapped["keysVersion"], "keys": rewrapped["keys"]}),
    ]


def end_deployment_under_way() -> None:
    """As the deploy state machine would, so that the next deployment may take the cloud's lock."""
    from dal.deployments import DeploymentStore

    store = DeploymentStore("DeploymentsTable")
    if active := store.cloud(ALICE).get("activeDeploymentId"):
        store.finish(ALICE, active)


def test_each_route_that_cannot_be_undone_refuses_a_token_alone_with_403_and_changes_nothing(
    handlers, stores, alice, platform_tables
):
    requests = irreversible(stores, alice)
    before = everything(platform_tables)

    for event in requests:
        status, body = call(handlers, event)
        assert status == 403, event["path"]
        assert "needs your identity key's signature (X-Imegha-Signature), not only a token" in body["message"]

    assert everything(platform_tables) == before


def test_each_route_that_cannot_be_undone_takes_the_persons_fresh_signature(handlers, stores, alice, mallory):
    requests = irreversible(stores, alice)

    answers = []
    for event in requests:
        refused, _ = call(handlers, signed(event, mallory, ALICE, nonce_of(handlers)))
        answers.append((refused, call(handlers, signed(event, alice, ALICE, nonce_of(handlers)))[0]))
        end_deployment_under_way()

    assert answers == [(403, 200), (403, 202), (403, 202), (403, 200)]


def test_a_signed_request_replayed_is_refused(handlers, stores, alice, platform_tables):
    [connection, *_] = irreversible(stores, alice)
    request = signed(connection, alice, ALICE, nonce_of(handlers))
    assert call(handlers, request)[0] == 200
    before = everything(platform_tables)

    status, body = call(handlers, request)

    assert (status, body["message"]) == (
        403,
        "the request's nonce was already used, or never issued: a replayed request",
    )
    assert everything(platform_tables) == before


def test_a_first_upload_of_keys_goes_unsigned(handlers, stores):
    from logic import directory

    directory.register_user(stores[0], "new-id", "new@example.org", "Newcomer")
    account, statement = first_keys("new-id", "Newcomer's long password", FAST)

    status, body = call(
        handlers,
        route("PUT", "/me/keys", {"expectedVersion": 0, "keys": account.bundle, "statement": statement}, "new-id"),
    )

    assert (status, body) == (200, {"keysVersion": 1})
