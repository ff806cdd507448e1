"""What cannot be undone needs the person's identity key, on the wire, on the local cloud.

Mallory holds a valid token of Victor's (a cloud of hers logged it, or she took over his email). With it she can
read what a token reads, but each route that destroys, re-keys or redirects (changing the deployment role,
deploying or destroying his cloud, replacing his wrapped keys) wants a fresh signature by Victor's identity key: she
is refused with a 403 and a reason, without a signature, with a stale one, with a replayed one, and with one of her
own key, and the platform's tables are as they were. Victor's own device signs them, and they go through.
"""

from __future__ import annotations

import json

import pytest

from imegha_crypto import SIGNATURE_HEADER, sign_request
from tests.e2e.devices import Person
from tests.e2e.wire import http
from tests.integration.polling import eventually


@pytest.fixture(scope="module")
def api(platform) -> str:
    return platform.outputs["PlatformApiUrl"]


@pytest.fixture(scope="module")
def victor(person) -> Person:
    return person("Victor")


@pytest.fixture(scope="module")
def mallory(person) -> Person:
    return person("Mallory")


@pytest.fixture(scope="module")
def connected(victor) -> dict:
    """Victor connected a (simulated) AWS account of his own with the CLI, which signed the role it gave."""
    return victor.device.imegha("cloud", "connect", "--local").json


def token(someone: Person) -> str:
    return someone.device.session()["id_token"]


def nonce_for(api: str, someone: Person) -> str:
    status, issued = http("POST", f"{api}/me/nonces", token(someone))
    assert status == 201, issued
    return issued["nonce"]


def send(route: tuple[str, str, bytes], api: str, caller: Person, signature: str | None) -> tuple[int, dict]:
    """The route's request with ``caller``'s valid token, and the signature if there is one."""
    method, path, data = route
    return http(method, api + path, token(caller), data, {SIGNATURE_HEADER: signature} if signature else None)


def signed_by(signer: Person, of: Person, route: tuple[str, str, bytes], nonce: str) -> str:
    method, path, data = route
    return sign_request(
        signer.device.keys().identity_key, method=method, path=path, body=data, user_id=of.user_id, nonce=nonce
    )


def routes(api: str, victor: Person, connected: dict) -> dict[str, tuple[str, str, bytes]]:
    """Each route that cannot be undone, with the body Victor's device would send now."""
    status, me = http("GET", f"{api}/me", token(victor))
    assert status == 200
    keys = {"expectedVersion": me["keysVersion"], "keys": me["keys"]}
    return {
        "deployment role": ("PUT", "/cloud/connection", json.dumps({"roleArn": connected["roleArn"]}).encode()),
        "keys": ("PUT", "/me/keys", json.dumps(keys).encode()),
        "deploy": ("POST", "/deployments", b'{"action": "deploy"}'),
        "destroy": ("POST", "/deployments", b'{"action": "destroy"}'),
    }


def settled(api: str, victor: Person, answer: dict) -> bool:
    """Whether what an accepted request set going has ended: a deployment finished, and its inbox entry written."""
    if "deploymentId" not in answer:
        return True
    inbox = http("GET", f"{api}/notifications", token(victor))[1]["notifications"]
    return any(entry.get("deploymentId") == answer["deploymentId"] for entry in inbox)


@pytest.mark.parametrize("what", ["deployment role", "keys", "deploy", "destroy"])
def test_with_his_token_alone_mallory_is_refused_every_way_and_nothing_changes(
    what, api, victor, mallory, connected, platform_view
):
    route = routes(api, victor, connected)[what]
    lapsed = nonce_for(api, victor)
    platform_view.table("RequestNoncesTable").update_item(
        Key={"nonce": lapsed}, UpdateExpression="SET expiresAt = :past", ExpressionAttributeValues={":past": 1}
    )
    attempts = {
        "no signature": None,
        "a stale signature": signed_by(victor, victor, route, lapsed),
        "her own key's": signed_by(mallory, victor, route, nonce_for(api, victor)),
        "her own request's": signed_by(mallory, mallory, route, nonce_for(api, mallory)),
    }
    before = platform_view.snapshot()

    answers = {how: send(route, api, victor, signature) for how, signature in attempts.items()}

    assert {how: status for how, (status, _) in answers.items()} == dict.fromkeys(attempts, 403)
    reasons = {how: body["message"] for how, (_, body) in answers.items()}
    assert "needs your identity key's signature (X-Imegha-Signature)" in reasons["no signature"]
    assert "nonce has lapsed: a stale request" in reasons["a stale signature"]
    victors_key = victor.device.keys().identity_key.public_key.fingerprint
    malloys_key = mallory.device.keys().identity_key.public_key.fingerprint
    for hers in ("her own key's", "her own request's"):
        assert f"signed by identity key {malloys_key}, not by the expected {victors_key}" in reasons[hers]
    assert platform_view.snapshot() == before


@pytest.mark.parametrize("what", ["deployment role", "keys", "deploy", "destroy"])
def test_his_own_fresh_signature_goes_through_once_and_a_replay_of_it_is_refused(
    what, api, victor, connected, platform_view
):
    route = routes(api, victor, connected)[what]
    signature = signed_by(victor, victor, route, nonce_for(api, victor))

    accepted = send(route, api, victor, signature)
    assert accepted[0] in (200, 202), accepted
    assert eventually(lambda: settled(api, victor, accepted[1]), timeout_s=60)
    before = platform_view.snapshot()
    replayed = send(route, api, victor, signature)

    assert replayed == (403, {"message": "the request's nonce was already used, or never issued: a replayed request"})
    assert platform_view.snapshot() == before
