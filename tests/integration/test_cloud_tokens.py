"""Tokens bound to one cloud, on the local cloud: the platform's token for Bob's cloud opens Bob's cloud and nothing
else (not Carol's cloud, not the platform), lapses in minutes, and a person's Cognito token opens no cloud at all.

Each cloud's JWT authorizer finds the platform's keys as API Gateway does, through the issuer's OpenID
configuration, which the local gateway serves from the platform's own API.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from imegha import accounts
from imegha.accounts import Account
from imegha.cloud_tokens import TOKEN_EXCHANGE, cloud_tokens
from imegha.platform_api import ApiError, call_json
from imegha_local.people import Person, endpoints_of, give_cloud, sign_up
from tests.integration.platform_tokens import signed_by_the_platform

FAST_KDF_ITERATIONS = 100_000


@pytest.fixture(scope="module")
def people(local_cloud, platform, tmp_path_factory) -> dict[str, Person]:
    """Alice, Bob and Carol, each with a cloud of their own; Dave with none."""
    home = tmp_path_factory.mktemp("tokens")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMEGHA_HOME", str(home))
        patch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
        endpoints = endpoints_of(local_cloud, home / "endpoints.json")
        crowd = {name: sign_up(endpoints, name, f"{name}'s own long password") for name in ("Alice", "Bob", "Carol")}
        for someone in crowd.values():
            give_cloud(local_cloud, someone)
        crowd["Dave"] = sign_up(endpoints, "Dave", "Dave's own long password")
        yield crowd
        for someone in crowd.values():
            someone.account.log_out()


def status(method: str, url: str, authorization: str) -> int:
    try:
        call_json(method, url, authorization)
    except ApiError as refusal:
        return refusal.status
    return 200


def cloud_url(person: Person) -> str:
    assert person.cloud is not None
    return person.cloud.stack.outputs["CloudApiUrl"]


def platform_url(person: Person) -> str:
    return person.account.endpoints.platform_api_url


def token_for(asking: Person, owner: Person) -> str:
    return cloud_tokens(asking.account).token(owner.user_id)


def issued(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_a_token_for_bobs_cloud_opens_it_and_is_refused_at_carols_cloud_and_at_the_platform(people):
    alice, bob, carol = people["Alice"], people["Bob"], people["Carol"]
    token = token_for(alice, bob)

    assert status("GET", f"{cloud_url(bob)}/sharing/received", f"Bearer {token}") == 200
    assert status("GET", f"{cloud_url(carol)}/sharing/received", f"Bearer {token}") == 401
    assert status("GET", f"{cloud_url(alice)}/sharing/received", f"Bearer {token}") == 401
    for authorization in (token, f"Bearer {token}"):
        assert status("GET", f"{platform_url(alice)}/me", authorization) == 401
        assert status("GET", f"{platform_url(alice)}/connections", authorization) == 401


def test_a_token_names_the_caller_the_cloud_and_five_minutes(people, local_cloud):
    alice, bob = people["Alice"], people["Bob"]
    assert bob.cloud is not None

    claims = issued(token_for(alice, bob))

    assert (claims["sub"], claims["aud"]) == (
        alice.user_id,
        f"urn:imegha:cloud:{bob.cloud.account.account_id}:{bob.user_id}",
    )
    assert claims["exp"] - claims["iat"] == 300
    issuer = local_cloud.client("ssm").get_parameter(Name=local_cloud.platform_stack.outputs["TokenIssuerParameter"])
    assert claims["iss"] == issuer["Parameter"]["Value"]


def test_a_persons_cognito_token_opens_no_cloud_not_even_their_own(people):
    alice, bob = people["Alice"], people["Bob"]
    cognito = alice.account.live_session().id_token

    for owner in (alice, bob):
        assert status("GET", f"{cloud_url(owner)}/sharing/received", f"Bearer {cognito}") == 401
    assert status("GET", f"{platform_url(alice)}/me", cognito) == 200


def test_a_lapsed_token_or_one_signed_by_another_key_is_refused(people, local_cloud):
    alice, bob = people["Alice"], people["Bob"]
    good = issued(token_for(alice, bob))
    now = int(time.time())
    lapsed = signed_by_the_platform(local_cloud, {**good, "iat": now - 400, "exp": now - 100, "jti": str(uuid.uuid4())})
    forged = jwt.encode(
        good,
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(token_for(alice, bob))["kid"], "typ": "at+jwt"},
    )
    fresh = signed_by_the_platform(local_cloud, {**good, "jti": str(uuid.uuid4())})

    assert status("GET", f"{cloud_url(bob)}/sharing/received", f"Bearer {fresh}") == 200
    assert status("GET", f"{cloud_url(bob)}/sharing/received", f"Bearer {lapsed}") == 401
    assert status("GET", f"{cloud_url(bob)}/sharing/received", f"Bearer {forged}") == 401


def test_the_platform_issues_no_token_for_a_cloud_it_does_not_know_nor_to_someone_not_signed_in(people):
    alice, dave = people["Alice"], people["Dave"]

    with pytest.raises(ApiError) as refused:
        token_for(alice, dave)
    assert (refused.value.status, refused.value.message) == (400, "audience: no cloud of that user is in the directory")
    form = f"grant_type={TOKEN_EXCHANGE}&audience={people['Bob'].user_id}".encode()
    assert status("POST", f"{platform_url(alice)}/tokens", "") == 401
    with pytest.raises(ApiError) as refused:
        call_json("POST", f"{platform_url(alice)}/tokens", token_for(alice, people["Bob"]), form)
    assert refused.value.status == 401


def test_the_issuer_publishes_its_configuration_and_keys_to_anyone(people, local_cloud):
    base = platform_url(people["Alice"])
    configuration = call_json("GET", f"{base}/.well-known/openid-configuration", None)
    keys = call_json("GET", f"{base}/.well-known/jwks.json", None)

    assert configuration is not None and keys is not None
    assert configuration["issuer"] == issued(token_for(people["Alice"], people["Bob"]))["iss"]
    assert configuration["jwks_uri"] == configuration["issuer"] + "/.well-known/jwks.json"
    assert [key["kid"] for key in keys["keys"]] == [
        jwt.get_unverified_header(token_for(people["Carol"], people["Bob"]))["kid"]
    ]


def test_a_device_exchanges_once_per_cloud_it_reads_however_often_it_reads_it(people, local_cloud):
    alice = people["Alice"]
    device = Account(alice.account.profile, alice.account.endpoints)  # a fresh process's view: no token kept yet
    offset = local_cloud.log_path.stat().st_size

    for owner in ("Bob", "Carol", "Bob", "Alice", "Bob", "Carol"):
        assert (
            status(
                "GET",
                f"{cloud_url(people[owner])}/sharing/received",
                f"Bearer {cloud_tokens(device).token(people[owner].user_id)}",
            )
            == 200
        )

    with open(local_cloud.log_path) as log:
        log.seek(offset)
        routes = [record.get("route") for record in map(json.loads, log) if record["type"] == "request"]
    assert routes.count("POST /tokens") == 3
