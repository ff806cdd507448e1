"""Platform handlers on their sample events: validation before any write, domain errors as 4xx with a reason."""

import importlib
import json

import boto3
import pytest

from tests.conftest import EVENTS, ROOT
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import sam_handler

ALICE = "11111111-2222-3333-4444-555555555555"


def event(name: str, **changes) -> dict:
    loaded = json.loads((EVENTS / name).read_text())
    loaded.update(changes)
    return loaded


@pytest.fixture
def handlers(platform_tables, monkeypatch):
    # Handlers build their stores at import, as in a Lambda cold start: import them inside the mock.
    return {
        "directory": sam_handler(monkeypatch, ROOT / "template.yaml", "DirectoryFunction"),
        "connections": importlib.reload(importlib.import_module("handlers.connections")).lambda_handler,
    }


def call(handler, payload):
    response = handler(payload, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


@pytest.fixture
def triggers(platform_tables, monkeypatch):
    """The Cognito triggers as `sam local invoke` loads them: the template's CodeUri and Handler, env.json."""
    return {
        name: sam_handler(monkeypatch, ROOT / "template.yaml", name)
        for name in ("PreSignUpFunction", "PostConfirmationFunction")
    }


def directory_item(pk: str) -> dict | None:
    return boto3.resource("dynamodb").Table("DirectoryTable").get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")


def test_sign_up_triggers_reserve_the_imtag_then_turn_it_into_the_directory_entry(handlers, triggers):
    signing_up = event("cognito_pre_sign_up.json")

    assert triggers["PreSignUpFunction"](signing_up, FakeLambdaContext()) == signing_up
    assert directory_item("IMTAG#alice")["reservedBy"] == "alice@example.org"
    triggers["PostConfirmationFunction"](event("cognito_post_confirmation.json"), FakeLambdaContext())

    assert directory_item("IMTAG#alice") == {"pk": "IMTAG#alice", "iMTag": "Alice", "userId": ALICE}
    status, me = call(handlers["directory"], event("platform_get_me.json"))
    assert status == 200
    assert (me["userId"], me["email"], me["iMTag"], me["keysVersion"]) == (ALICE, "alice@example.org", "Alice", 0)


def test_pre_sign_up_refuses_an_imtag_another_sign_up_holds_in_another_case(triggers):
    triggers["PreSignUpFunction"](event("cognito_pre_sign_up.json"), FakeLambdaContext())
    second = event("cognito_pre_sign_up.json")
    second["request"]["userAttributes"] |= {"email": "mallory@example.org", "custom:imtag": "ALICE"}

    with pytest.raises(ValueError, match="'ALICE' is taken"):
        triggers["PreSignUpFunction"](second, FakeLambdaContext())
    assert directory_item("IMTAG#alice")["reservedBy"] == "alice@example.org"


def test_post_confirmation_removes_an_account_whose_imtag_went_to_another_sign_up(triggers):
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="users", UsernameAttributes=["email"])["UserPool"]["Id"]
    username = cognito.admin_create_user(UserPoolId=pool, Username="alice@example.org")["User"]["Username"]
    confirming = event("cognito_post_confirmation.json", userPoolId=pool, userName=username)
    taker = event("cognito_pre_sign_up.json")
    taker["request"]["userAttributes"] |= {"email": "quicker@example.org", "custom:imtag": "aLiCe"}
    triggers["PreSignUpFunction"](taker, FakeLambdaContext())

    with pytest.raises(ValueError, match="'Alice' was taken while this sign-up waited for its confirmation"):
        triggers["PostConfirmationFunction"](confirming, FakeLambdaContext())

    assert cognito.list_users(UserPoolId=pool)["Users"] == []
    assert directory_item(f"USER#{ALICE}") is None


def test_a_body_that_is_not_json_gets_400_naming_the_body(handlers):
    status, body = call(handlers["connections"], event("platform_request_connection.json", body="{iMTag:"))

    assert status == 400
    assert body["field"] == "body" and "not valid JSON" in body["reason"]


def test_a_body_failing_its_schema_gets_400_naming_the_field(handlers):
    bad = event("platform_request_connection.json", body=json.dumps({"iMTag": "Bob", "admin": True}))

    status, body = call(handlers["connections"], bad)

    assert status == 400
    assert "admin" in body["reason"]


def test_requesting_an_unknown_user_is_404_and_writes_nothing(handlers, triggers):
    triggers["PostConfirmationFunction"](event("cognito_post_confirmation.json"), FakeLambdaContext())

    status, body = call(handlers["connections"], event("platform_request_connection.json"))

    assert status == 404 and "Bob" in body["message"]
    status, listed = call(
        handlers["connections"], event("platform_get_me.json", path="/connections", resource="/connections")
    )
    assert status == 200 and listed == {"connections": []}


def test_unknown_profile_is_404(handlers):
    status, body = call(handlers["directory"], event("platform_get_me.json"))

    assert status == 404


def test_my_keys_come_back_as_the_envelope_that_was_uploaded(handlers, triggers):
    from imegha_crypto import create_account, open_account

    triggers["PostConfirmationFunction"](event("cognito_post_confirmation.json"), FakeLambdaContext())
    account = create_account(ALICE, "correct horse battery staple", iterations=100_000)
    upload = event(
        "platform_get_me.json",
        httpMethod="PUT",
        path="/me/keys",
        resource="/me/keys",
        body=json.dumps({"expectedVersion": 0, "keys": account.bundle}),
    )
    assert call(handlers["directory"], upload) == (200, {"keysVersion": 1})

    status, me = call(handlers["directory"], event("platform_get_me.json"))

    # DynamoDB returns numbers as Decimals: they must leave as JSON integers, or no device can open its keys.
    assert status == 200 and me["keys"] == account.bundle
    assert open_account(me["keys"], ALICE, "correct horse battery staple") == account.keys
