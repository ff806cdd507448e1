"""The local gateway's JWT authorizers find an issuer's keys as API Gateway does: through the issuer's OpenID
configuration (``{issuer}/.well-known/openid-configuration``, then its ``jwks_uri``). Here the issuer is an API of
the gateway itself, named by its execute-api URL, which the gateway answers in-process as AWS's DNS would route it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from imegha_local.gateway import ApiSpec, AuthorizerSpec, RouteSpec
from tests.integration.local.local_lambdas import ACCOUNT, REGION

ISSUER = f"https://issuerapi1.execute-api.{REGION}.amazonaws.com/v1"
IMPOSTOR = f"https://issuerapi2.execute-api.{REGION}.amazonaws.com/v1"  # publishes ISSUER's documents as its own
AUDIENCE = "urn:imegha:cloud:222222222222:bob"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def cloud(gateway, register, key) -> str:
    """The base URL of an HTTP API whose routes take tokens from ISSUER, or from IMPOSTOR, for AUDIENCE."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    documents = {
        "/.well-known/openid-configuration": {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/.well-known/jwks.json"},
        "/.well-known/jwks.json": {"keys": [jwk]},
    }
    published = register("Published", "api", "app.published", environment={"DOCUMENTS": json.dumps(documents)})
    echo = register("IssuedEcho", "api", "app.echo_v2")
    for api_id in ("issuerapi1", "issuerapi2"):
        gateway.add_api(
            ApiSpec(
                api_id, ACCOUNT, REGION, "REST", "v1", (RouteSpec("GET", "/.well-known/{proxy+}", published, None),)
            )
        )
    routes = (
        RouteSpec("GET", "/things", echo, AuthorizerSpec("JWT", ISSUER, (AUDIENCE,), None)),
        RouteSpec("GET", "/impostors", echo, AuthorizerSpec("JWT", IMPOSTOR, (AUDIENCE,), None)),
    )
    return gateway.add_api(ApiSpec("cloudapi01", ACCOUNT, REGION, "HTTP", "$default", routes))


def token(key, **changes) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 300} | changes
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})


def status(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_token_of_the_issuer_for_the_audience_is_checked_with_the_key_its_configuration_names(cloud, key):
    answered, event = status(f"{cloud}/things", token(key))

    assert answered == 201
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "alice"


def test_the_gateway_served_the_issuers_documents_itself(cloud, key, log_records):
    status(f"{cloud}/things", token(key))

    served = {(record.get("api"), record["status"]) for record in log_records("request")}
    assert ("issuerapi1", 200) in served


@pytest.mark.parametrize(
    "case", ["another audience", "lapsed", "another key", "another issuer"], ids=lambda case: case.replace(" ", "-")
)
def test_what_the_issuers_key_did_not_sign_for_this_audience_now_is_refused(cloud, key, case):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "another audience": token(key, aud="urn:imegha:cloud:222222222222:carol"),
        "lapsed": token(key, iat=int(time.time()) - 400, exp=int(time.time()) - 100),
        "another key": token(other_key),
        "another issuer": token(key, iss=IMPOSTOR),
    }[case]

    assert status(f"{cloud}/things", refused)[0] == 401


def test_an_issuer_whose_configuration_names_another_issuer_vouches_for_nothing(cloud, key):
    assert status(f"{cloud}/impostors", token(key, iss=IMPOSTOR))[0] == 401
