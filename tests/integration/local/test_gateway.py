"""The local API Gateway, called over HTTP with tokens from the embedded AWS's own Cognito user pool."""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from imegha_local.faults import FaultRates
from imegha_local.gateway import ApiSpec, AuthorizerSpec, LocalGateway, PortInUse, RouteSpec
from tests.integration.local.local_lambdas import ACCOUNT, REGION

PASSWORD = "Correct-Horse-Battery-1"
BINARY = bytes(range(256))


@dataclass(frozen=True)
class UserPool:
    id: str
    app_client: str
    other_client: str
    id_token: str
    access_token: str
    other_id_token: str
    other_access_token: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"


@dataclass(frozen=True)
class Response:
    status: int
    headers: object  # an http.client.HTTPMessage: get_all() sees repeated headers
    body: bytes

    def json(self):
        return json.loads(self.body)


@pytest.fixture(scope="module")
def pool(aws_endpoint) -> UserPool:
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=aws_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool_id = idp.create_user_pool(PoolName="gateway-test")["UserPool"]["Id"]
    clients = [
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        for name in ("app", "other")
    ]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="alice",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "alice@example.org"}],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    tokens = [
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        for client in clients
    ]
    return UserPool(
        pool_id,
        *clients,
        tokens[0]["IdToken"],
        tokens[0]["AccessToken"],
        tokens[1]["IdToken"],
        tokens[1]["AccessToken"],
    )


@pytest.fixture(scope="module")
def apis(gateway, register, pool, aws_endpoint) -> dict[str, str]:
    """Base URLs of a REST API (Cognito authorizer), an HTTP API on $default (JWT authorizer), and one on a stage."""
    arns = {
        name: register(f"Api{name.title()}", "api", f"app.{name}", timeout_s=1)
        for name in ("echo", "echo_v2", "binary", "plain", "malformed", "fail", "slow")
    }
    jwks_url = f"{aws_endpoint}/{pool.id}/.well-known/jwks.json"
    cognito = AuthorizerSpec("COGNITO_USER_POOLS", pool.issuer, (pool.app_client,), jwks_url)
    jwt_authorizer = AuthorizerSpec("JWT", pool.issuer, (pool.app_client,), jwks_url, "$request.header.Authorization")
    rest = ApiSpec(
        "restapi01",
        ACCOUNT,
        REGION,
        "REST",
        "dev",
        (
            RouteSpec("GET", "/users/{iMTag}", arns["echo"], cognito),
            RouteSpec("GET", "/users/me", arns["echo"], cognito),
            RouteSpec("ANY", "/items", arns["echo"], None),
            RouteSpec("GET", "/public/{proxy+}", arns["echo"], None),
            RouteSpec("GET", "/binary", arns["binary"], None),
            RouteSpec("GET", "/boom", arns["fail"], None),
            RouteSpec("GET", "/slow", arns["slow"], None),
            RouteSpec("GET", "/malformed", arns["malformed"], None),
        ),
        binary_media_types=("application/octet-stream",),
    )
    http = ApiSpec(
        "httpapi01",
        ACCOUNT,
        REGION,
        "HTTP",
        "$default",
        (
            RouteSpec("POST", "/items/{id}", arns["echo_v2"], jwt_authorizer),
            RouteSpec("GET", "/plain", arns["plain"], None),
            RouteSpec("GET", "/binary", arns["binary"], None),
            RouteSpec("ANY", "$default", arns["echo_v2"], None),
        ),
    )
    staged = ApiSpec(
        "httpapi02", ACCOUNT, REGION, "HTTP", "v1", (RouteSpec("GET", "/things/{id}", arns["echo_v2"], None),)
    )
    return {"rest": gateway.add_api(rest), "http": gateway.add_api(http), "staged": gateway.add_api(staged)}


def call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None) -> Response:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def sign(claims: dict, key) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def moto_signing_key():
    """The private key the embedded Cognito signs with, to make tokens its JWKS vouches for."""
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


# ---- payload format 1.0 (REST) -------------------------------------------------------------------


def test_a_rest_api_sends_payload_1_0_with_the_cognito_claims(apis, pool):
    response = call(
        f"{apis['rest']}/users/al%20ice?tag=a&tag=b&one=1", headers={"Authorization": pool.id_token, "X-Repeated": "x"}
    )

    assert response.status == 200
    event = response.json()
    assert event["resource"] == "/users/{iMTag}"
    assert event["path"] == "/users/al ice"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"iMTag": "al ice"}
    assert event["queryStringParameters"] == {"tag": "b", "one": "1"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}
    assert event["multiValueHeaders"]["X-Repeated"] == ["x"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["stage"], context["path"], context["resourcePath"]) == (
        "dev",
        "/dev/users/al ice",
        "/users/{iMTag}",
    )
    assert (context["accountId"], context["apiId"]) == (ACCOUNT, "restapi01")
    claims = context["authorizer"]["claims"]
    assert claims["cognito:username"] == "alice" and claims["aud"] == pool.app_client
    assert claims["token_use"] == "id" and "UTC" in claims["exp"]
    # The function's headers come back, multi-valued ones as repeated headers.
    assert response.headers.get_all("x-multi") == ["first", "second"]
    assert response.headers["x-single"] == "one"


def test_a_rest_api_passes_text_bodies_as_text_and_binary_media_types_as_base64(apis):
    text = call(f"{apis['rest']}/items", "POST", b'{"name": "notes"}', {"Content-Type": "application/json"}).json()
    binary = call(f"{apis['rest']}/items", "PUT", BINARY, {"Content-Type": "application/octet-stream"}).json()
    download = call(f"{apis['rest']}/binary", headers={"Accept": "application/octet-stream"})

    assert (text["body"], text["isBase64Encoded"]) == ('{"name": "notes"}', False)
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == BINARY
    assert binary["httpMethod"] == "PUT" and binary["resource"] == "/items"
    assert download.body == BINARY


def test_a_rest_api_picks_the_most_specific_route(apis, pool):
    me = call(f"{apis['rest']}/users/me", headers={"Authorization": pool.id_token}).json()
    greedy = call(f"{apis['rest']}/public/a/b/c").json()
    nothing = call(f"{apis['rest']}/nowhere")
    wrong_method = call(f"{apis['rest']}/binary", "DELETE")

    assert me["resource"] == "/users/me" and me["pathParameters"] is None
    assert greedy["resource"] == "/public/{proxy+}" and greedy["pathParameters"] == {"proxy": "a/b/c"}
    # What API Gateway answers for a path or method a REST API does not have.
    for refused in (nothing, wrong_method):
        assert (refused.status, refused.json()) == (403, {"message": "Missing Authentication Token"})


# ---- payload format 2.0 (HTTP) -------------------------------------------------------------------


def test_an_http_api_sends_payload_2_0_with_the_jwt_claims(apis, pool):
    response = call(
        f"{apis['http']}/items/42?a=1&a=2&b=",
        "POST",
        BINARY,
        {
            "Authorization": f"Bearer {pool.access_token}",
            "Content-Type": "application/octet-stream",
            "Cookie": "session=s1; theme=dark",
            "X-Custom": "Yes",
        },
    )

    assert response.status == 201
    assert response.headers.get_all("Set-Cookie") == ["session=abc; HttpOnly", "theme=dark"]
    event = response.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /items/{id}"
    assert (event["rawPath"], event["rawQueryString"]) == ("/items/42", "a=1&a=2&b=")
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"id": "42"}
    assert event["cookies"] == ["session=s1", "theme=dark"]
    assert event["headers"]["x-custom"] == "Yes" and "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == BINARY
    context = event["requestContext"]
    assert (context["http"]["method"], context["http"]["path"], context["stage"]) == ("POST", "/items/42", "$default")
    jwt_context = context["authorizer"]["jwt"]
    assert jwt_context["claims"]["client_id"] == pool.app_client
    assert jwt_context["claims"]["username"] == "alice"
    assert jwt_context["claims"]["exp"].isdigit(), "an HTTP API hands claims over as strings"


def test_an_http_api_answers_a_plain_return_value_as_json_and_decodes_base64(apis):
    plain = call(f"{apis['http']}/plain")
    binary = call(f"{apis['http']}/binary")

    assert plain.status == 200 and plain.headers["Content-Type"] == "application/json"
    assert plain.json() == {"hello": "world"}
    assert binary.body == BINARY


def test_an_http_api_routes_the_rest_to_default_and_keeps_a_named_stage_in_raw_path(apis):
    fallback = call(f"{apis['http']}/anything/at/all", "PATCH", b"plain words", {"Content-Type": "text/plain"})
    staged = call(f"{apis['staged']}/things/7").json()
    unknown = call(f"{apis['staged']}/other")

    assert fallback.json()["routeKey"] == "$default"
    assert (fallback.json()["body"], fallback.json()["isBase64Encoded"]) == ("plain words", False)
    assert apis["staged"].endswith("/httpapi02/v1")
    assert (staged["rawPath"], staged["requestContext"]["stage"]) == ("/v1/things/7", "v1")
    assert staged["pathParameters"] == {"id": "7"}
    assert (unknown.status, unknown.json()) == (404, {"message": "Not Found"})


def test_an_unknown_api_is_not_found(gateway):
    response = call(f"{gateway.url}/noapi/dev/health")

    assert (response.status, response.json()) == (404, {"message": "Not Found"})


def test_a_request_line_past_the_servers_limit_is_refused_with_a_json_message(apis):
    long_url, body = f"{apis['rest']}/items?{'a' * 300_000}", b"x" * 1_000_000
    response = call(long_url, "POST", body, {"Content-Type": "text/plain"})

    assert (response.status, response.headers["Content-Type"]) == (414, "application/json")
    assert response.json() == {"message": "Request-URI Too Long"}


def test_a_body_past_api_gateways_limit_is_refused_with_a_413_its_sender_reads(apis):
    response = call(f"{apis['rest']}/items", "POST", b"x" * (11 * 1024 * 1024), {"Content-Type": "text/plain"})

    assert (response.status, response.json()) == (413, {"message": "Request Entity Too Large"})


# ---- authorizers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["rest", "http"])
def test_a_valid_token_is_accepted_bare_or_as_bearer(apis, pool, api):
    url, method, token = (
        (f"{apis['rest']}/users/alice", "GET", pool.id_token)
        if api == "rest"
        else (f"{apis['http']}/items/1", "POST", pool.id_token)
    )

    assert call(url, method, headers={"Authorization": token}).status in (200, 201)
    assert call(url, method, headers={"Authorization": f"Bearer {token}"}).status in (200, 201)


@pytest.fixture(scope="module")
def bad_tokens(pool: UserPool) -> dict[str, dict[str, str | None]]:
    """For each way a token can be wrong: what the REST route and the HTTP route get (None: no header)."""
    real = jwt.decode(pool.id_token, options={"verify_signature": False})
    now = int(time.time())
    expired = sign({**real, "iat": now - 7200, "exp": now - 3600}, moto_signing_key())
    not_yet = sign({**real, "nbf": now + 3600}, moto_signing_key())
    other_issuer = sign(
        {**real, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_elsewhere"}, moto_signing_key()
    )
    forged = sign(real, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    unsigned = jwt.encode(real, None, algorithm="none")
    access_with_aud = sign({**real, "token_use": "access"}, moto_signing_key())
    refresh = sign({**real, "token_use": "refresh"}, moto_signing_key())
    return {
        "missing": {"rest": None, "http": None},
        "garbage": {"rest": "not-a-jwt", "http": "Bearer not-a-jwt"},
        "expired": {"rest": expired, "http": f"Bearer {expired}"},
        "not yet valid": {"rest": not_yet, "http": f"Bearer {not_yet}"},
        "another issuer": {"rest": other_issuer, "http": f"Bearer {other_issuer}"},
        "forged signature": {"rest": forged, "http": f"Bearer {forged}"},
        "unsigned": {"rest": unsigned, "http": f"Bearer {unsigned}"},
        "another app client": {"rest": pool.other_id_token, "http": f"Bearer {pool.other_access_token}"},
        "an access token on a Cognito authorizer": {"rest": access_with_aud},
        "neither an ID nor an access token": {"rest": refresh, "http": f"Bearer {refresh}"},
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "garbage",
        "expired",
        "not yet valid",
        "another issuer",
        "forged signature",
        "unsigned",
        "another app client",
        "an access token on a Cognito authorizer",
        "neither an ID nor an access token",
    ],
)
def test_a_bad_token_is_refused_before_any_function_runs(apis, bad_tokens, log_records, case):
    tokens = bad_tokens[case]
    before = len(log_records("invocation"))

    routes = {"rest": ("GET", f"{apis['rest']}/users/alice"), "http": ("POST", f"{apis['http']}/items/1")}
    responses = [
        call(routes[api][1], routes[api][0], headers={"Authorization": token} if token else {})
        for api, token in tokens.items()
    ]

    for response in responses:
        assert (response.status, response.json()) == (401, {"message": "Unauthorized"})
    assert len(log_records("invocation")) == before, "a refused request must not reach the function"
    assert [record["status"] for record in log_records("request")[-len(responses) :]] == [401] * len(responses)


# ---- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "outcome"), [("/boom", "error"), ("/slow", "timeout"), ("/malformed", "ok")])
def test_a_failing_function_is_a_502_that_leaks_nothing(apis, log_records, path, outcome):
    response = call(f"{apis['rest']}{path}")

    assert (response.status, response.body) == (502, b'{"message":"Internal server error"}')
    assert log_records("invocation")[-1]["outcome"] == outcome
    assert log_records("request")[-1]["status"] == 502


def test_what_went_wrong_is_in_the_log_and_not_in_the_response(apis, log_records):
    response = call(f"{apis['rest']}/boom")

    assert b"hunter2" not in response.body and b"RuntimeError" not in response.body
    failed = log_records("invocation")[-1]
    assert failed["error_type"] == "RuntimeError"
    assert any(
        "hunter2" in line["message"] for line in log_records("output") if line["request_id"] == failed["request_id"]
    )


def test_a_port_in_use_is_named_in_the_error(lambda_runtime):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"127.0.0.1:{port} is already in use"):
            LocalGateway(lambda_runtime, port=port)


# ---- faults injected on purpose ------------------------------------------------------------------


def test_a_throttled_function_is_a_429_and_a_cloud_that_does_not_answer_a_504_without_running(
    apis, lambda_runtime, log_records
):
    faults = lambda_runtime.faults
    try:
        faults.inject(FaultRates(lambda_throttle=1.0))
        throttled = call(f"{apis['http']}/plain")
        faults.inject(FaultRates(silent_clouds=1.0))
        ran_before = len(log_records("invocation"))
        silent = call(f"{apis['http']}/plain")
        ran_after = len(log_records("invocation"))
    finally:
        faults.inject(FaultRates())

    assert (throttled.status, throttled.json()) == (429, {"message": "Too Many Requests"})
    assert (silent.status, silent.json()) == (504, {"message": "Endpoint request timed out"})
    assert ran_after == ran_before
    assert call(f"{apis['http']}/plain").status == 200
