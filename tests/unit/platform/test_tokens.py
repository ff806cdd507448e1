"""The token exchange on its sample events, with the KMS key and directory moto plays: a token names one cloud (its
owner and account), comes from the platform's issuer, verifies with the key the issuer publishes, and lives five
minutes; nothing is issued for a cloud the directory does not hold, nor for a request RFC 8693 would not take."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import boto3
import jwt
import pytest

from tests.conftest import EVENTS, ROOT
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import SAM_ENVIRONMENT, sam_handler

ALICE = "11111111-2222-3333-4444-555555555555"  # the caller in the sample events
BOB, CAROL = "66666666-7777-8888-9999-000000000000", "99999999-8888-7777-6666-555555555555"
BOBS_ACCOUNT = "222222222222"
ISSUER = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def handlers(platform_tables, stores, monkeypatch):
    """The token and token-keys functions as `sam local invoke` loads them, the issuer and key as the template makes
    them; Bob has a cloud in his own account, Carol has none yet."""
    key_id = boto3.client("kms").create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    boto3.client("ssm").put_parameter(Name="/imegha/dev/token-issuer", Type="String", Value=ISSUER)
    from logic.imtags import skeleton

    directory = stores[0]
    for user, tag in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")):
        directory.create_user(
            user, f"{tag.lower()}@example.org", tag, skeleton(tag), int(time.time()), "2026-01-01T00:00:00Z"
        )
    directory.set_cloud(BOB, "https://bob.execute-api.us-east-1.amazonaws.com", BOBS_ACCOUNT)
    for function in ("TokenFunction", "TokenKeysFunction"):
        monkeypatch.setitem(SAM_ENVIRONMENT[function], "TOKEN_SIGNING_KEY_ID", key_id)
    return {
        "tokens": sam_handler(monkeypatch, ROOT / "template.yaml", "TokenFunction"),
        "keys": sam_handler(monkeypatch, ROOT / "template.yaml", "TokenKeysFunction"),
        "key_id": key_id,
    }


def exchange(handlers, **form: str) -> tuple[int, dict, dict]:
    event = json.loads((EVENTS / "platform_exchange_token.json").read_text())
    if form:
        event["body"] = urlencode(form)
    response = handlers["tokens"](event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def published(handlers, path: str) -> dict:
    event = json.loads((EVENTS / "platform_get_jwks.json").read_text())
    event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = path
    response = handlers["keys"](event, FakeLambdaContext())
    assert response["statusCode"] == 200
    return json.loads(response["body"])


def verified(handlers, token: str, audience: str) -> dict:
    keys = jwt.PyJWKSet.from_dict(published(handlers, "/.well-known/jwks.json"))
    header = jwt.get_unverified_header(token)
    (key,) = [key for key in keys.keys if key.key_id == header["kid"]]
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=ISSUER)


def test_a_token_names_one_cloud_by_its_account_and_owner_and_lives_five_minutes(handlers):
    status, issued, headers = exchange(handlers)

    audience = f"urn:imegha:cloud:{BOBS_ACCOUNT}:{BOB}"
    claims = verified(handlers, issued["access_token"], audience)
    assert status == 200 and headers["Cache-Control"] == ["no-store"]
    assert (issued["token_type"], issued["expires_in"], issued["audience"]) == ("Bearer", 300, audience)
    assert issued["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert (claims["iss"], claims["sub"], claims["aud"]) == (ISSUER, ALICE, audience)
    assert claims["exp"] - claims["iat"] == 300 and abs(claims["iat"] - time.time()) < 60
    assert jwt.get_unverified_header(issued["access_token"]) == {
        "alg": "RS256",
        "typ": "at+jwt",
        "kid": handlers["key_id"],
    }


def test_each_token_is_another_and_none_is_valid_for_another_cloud(handlers):
    first, second = (exchange(handlers)[1]["access_token"] for _ in range(2))

    assert first != second
    with pytest.raises(jwt.InvalidAudienceError):
        verified(handlers, first, f"urn:imegha:cloud:{BOBS_ACCOUNT}:{CAROL}")
    with pytest.raises(jwt.InvalidAudienceError):
        verified(handlers, first, f"urn:imegha:cloud:333333333333:{BOB}")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": TOKEN_EXCHANGE, "audience": CAROL}, "invalid_target"),  # no cloud yet
        ({"grant_type": TOKEN_EXCHANGE, "audience": "no-such-user"}, "invalid_target"),
        ({"grant_type": TOKEN_EXCHANGE}, "invalid_target"),
        ({"grant_type": "client_credentials", "audience": BOB}, "unsupported_grant_type"),
        ({"audience": BOB}, "invalid_request"),
        (
            {
                "grant_type": TOKEN_EXCHANGE,
                "audience": BOB,
                "requested_token_type": "urn:ietf:params:oauth:token-type:id_token",
            },
            "invalid_request",
        ),
    ],
    ids=["no cloud", "no user", "no audience", "another grant", "no grant", "an id token asked for"],
)
def test_what_rfc_8693_or_the_directory_refuses_gets_no_token(handlers, form, error):
    status, refusal, headers = exchange(handlers, **form)

    assert (status, refusal["error"]) == (400, error)
    assert "access_token" not in refusal and headers["Cache-Control"] == ["no-store"]


def test_a_token_names_one_audience_only(handlers):
    event = json.loads((EVENTS / "platform_exchange_token.json").read_text())
    event["body"] += f"&audience={ALICE}"

    response = handlers["tokens"](event, FakeLambdaContext())

    assert (response["statusCode"], json.loads(response["body"])["error"]) == (400, "invalid_target")


def test_the_issuer_publishes_where_its_keys_are_and_how_tokens_are_had(handlers):
    configuration = published(handlers, "/.well-known/openid-configuration")
    (key,) = published(handlers, "/.well-known/jwks.json")["keys"]

    assert configuration == {
        "issuer": ISSUER,
        "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        "token_endpoint": f"{ISSUER}/tokens",
        "grant_types_supported": [TOKEN_EXCHANGE],
    }
    assert (key["kty"], key["use"], key["alg"], key["kid"]) == ("RSA", "sig", "RS256", handlers["key_id"])
    assert key["e"] == "AQAB" and len(jwt.utils.base64url_decode(key["n"])) == 256  # RSA-2048
