"""Bad input and attacks on accounts: each is refused with a reason, and nothing is half-written afterwards.

People type ``imegha`` commands; attackers (and sloppy clients) send HTTP to the
platform's gateway with real tokens. "Nothing half-written" is checked on the
platform's side: every table of its stack reads the same before and after.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest
from mnemonic import Mnemonic
from moto.cognitoidp.models import cognitoidp_backends

from imegha_crypto import SIGNATURE_HEADER, RecoveryPhraseError, check_recovery_phrase, sign_request
from tests.e2e.devices import Person
from tests.e2e.wire import http


@pytest.fixture(scope="module")
def api(platform) -> str:
    return platform.outputs["PlatformApiUrl"]


def id_token(someone: Person) -> str:
    return someone.device.session()["id_token"]


def signed_http(someone: Person, api: str, method: str, path: str, body: bytes | dict) -> tuple[int, dict]:
    """A request that cannot be undone, signed by ``someone``'s identity key as their device signs it, whatever its
    body: what reaches the checks after the signature's."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    status, issued = http("POST", f"{api}/me/nonces", id_token(someone))
    assert status == 201
    signature = sign_request(
        someone.device.keys().identity_key,
        method=method,
        path=path,
        body=data,
        user_id=someone.user_id,
        nonce=issued["nonce"],
    )
    return http(method, api + path, id_token(someone), data, {SIGNATURE_HEADER: signature})


# --- At the keyboard ----------------------------------------------------------------


def test_a_wrong_password_is_refused_plainly_and_locks_no_one_out(alice, new_device, platform_view):
    before = platform_view.snapshot()
    strangers_laptop = new_device("stranger")

    for _ in range(3):
        refused = alice.log_in(strangers_laptop, "surely this is Alice's password")
        assert (refused.status, refused.stdout, refused.error) == (
            1,
            "",
            {"error": "refused", "message": "wrong email or password"},
        )

    assert strangers_laptop.session() is None and strangers_laptop.agent_sockets() == []
    assert platform_view.snapshot() == before
    assert alice.log_in(new_device("alice-after")).status == 0


def test_passwd_with_a_wrong_current_password_or_a_short_new_one_changes_nothing(alice, new_device, platform_view):
    before = platform_view.snapshot()

    wrong = alice.device.imegha("passwd", "--password-stdin", stdin="not my current password\na new long password\n")
    short = alice.device.imegha("passwd", "--password-stdin", stdin=f"{alice.password}\nshort\n")

    assert (wrong.status, wrong.error) == (1, {"error": "refused", "message": "the current password is wrong"})
    assert (short.status, short.error) == (
        2,
        {"error": "bad_input", "message": "a password has at least 12 characters"},
    )
    assert platform_view.snapshot() == before
    assert alice.log_in(new_device("alice-after-passwd")).status == 0


def one_word_changed(phrase: str, *, checksum_holds: bool) -> str:
    """The phrase with one word replaced: so that its checksum fails, or (the last word, which carries 8 checksum
    bits) so that it still holds and the phrase is well-formed but another one."""
    words = phrase.split()
    position = len(words) - 1 if checksum_holds else 5
    for candidate in Mnemonic("english").wordlist:
        changed = " ".join(words[:position] + [candidate] + words[position + 1 :])
        try:
            check_recovery_phrase(changed)
        except RecoveryPhraseError:
            holds = False
        else:
            holds = True
        if candidate != words[position] and holds == checksum_holds:
            return changed
    raise AssertionError("no such word")


def test_a_phrase_with_one_word_changed_that_fails_its_checksum_is_refused_before_anything_is_sent(
    person, new_device, platform_view
):
    dora = person("Dora")
    before = platform_view.snapshot()

    refused = new_device("dora-borrowed").imegha(
        "recover",
        dora.email,
        "--password-stdin",
        stdin=f"{one_word_changed(dora.phrase, checksum_holds=False)}\nDora's new password\n",
    )

    assert refused.status == 1 and refused.error["message"].startswith("recovery phrase refused:")
    assert "checksum" in refused.error["message"]
    assert platform_view.snapshot() == before
    assert dora.log_in(new_device("dora-laptop")).status == 0  # Cognito was not even asked to reset


def test_an_imtag_taken_in_another_letter_case_is_refused_and_leaves_no_account_behind(
    alice, new_device, platform_view
):
    before = platform_view.snapshot()
    kate = Person("Kate", "kate@example.org", "Kate's own long password", new_device("kate"))

    refused = kate.device.imegha("signup", kate.email, "aLICE", "--password-stdin", stdin=kate.password + "\n")

    assert (refused.status, refused.error["message"]) == (1, "iMTag 'aLICE' is taken")
    assert platform_view.snapshot() == before
    assert kate.email not in json.dumps(platform_view.cognito_users(), default=str)
    assert kate.sign_up().user_id  # the email was not left claimed


# --- On the wire, with real tokens --------------------------------------------------


def test_a_body_that_is_not_json_gets_400_with_the_reason(alice, api, platform_view):
    before = platform_view.snapshot()
    not_json = b'{"expectedVersion": 1, keys: }'

    answers = {
        "/me/keys": signed_http(alice, api, "PUT", "/me/keys", not_json),
        **{
            path: http(method, api + path, id_token(alice), not_json)
            for method, path in (("PUT", "/me/statement"), ("POST", "/connections"))
        },
    }

    for path, (status, body) in answers.items():
        assert (status, body["field"]) == (400, "body"), path
        assert body["reason"].startswith("not valid JSON"), path
    assert platform_view.snapshot() == before


def test_an_envelope_with_a_missing_field_or_an_unknown_version_gets_400_naming_the_field(alice, api, platform_view):
    status, me = http("GET", f"{api}/me", id_token(alice))
    assert status == 200
    before = platform_view.snapshot()
    missing = copy.deepcopy(me["keys"])
    del missing["passwordWrappedDek"]["iv"]
    unknown = copy.deepcopy(me["keys"])
    unknown["wrappedIdentityKey"]["v"] = 2
    statement = copy.deepcopy(me["keyStatement"])
    statement["v"] = 2

    answers = {
        "missing": signed_http(alice, api, "PUT", "/me/keys", {"expectedVersion": me["keysVersion"], "keys": missing}),
        "version": signed_http(alice, api, "PUT", "/me/keys", {"expectedVersion": me["keysVersion"], "keys": unknown}),
        "statement": http("PUT", f"{api}/me/statement", id_token(alice), {"statement": statement}),
    }

    assert {what: status for what, (status, _) in answers.items()} == {"missing": 400, "version": 400, "statement": 400}
    assert answers["missing"][1]["field"] == "keys/passwordWrappedDek"
    assert "'iv' is a required property" in answers["missing"][1]["reason"]
    assert answers["version"][1]["field"] == "keys/wrappedIdentityKey/v" and answers["version"][1]["reason"]
    assert answers["statement"][1]["field"] == "statement/v" and answers["statement"][1]["reason"]
    assert platform_view.snapshot() == before


def test_a_token_edited_to_name_another_user_is_refused_by_the_gateway(alice, bob, api, platform_view, invocations):
    header, payload, signature = id_token(alice).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = bob.user_id
    forged = ".".join((header, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), signature))
    ran = len(invocations())

    assert http("GET", f"{api}/me", forged) == (401, {"message": "Unauthorized"})
    assert http("PUT", f"{api}/me/statement", forged, {"statement": {}}) == (401, {"message": "Unauthorized"})
    assert len(invocations()) == ran  # refused before any Lambda ran


def test_alices_token_cannot_answer_a_request_made_to_bob(alice, bob, person, api, platform_view):
    carol = person("Carol")
    assert carol.device.imegha("connect", "Bob").status == 0
    before = platform_view.snapshot()

    accepted = http("POST", f"{api}/connections/{carol.user_id}/accept", id_token(alice))
    declined = http("POST", f"{api}/connections/{carol.user_id}/decline", id_token(alice))
    removed = http("DELETE", f"{api}/connections/{bob.user_id}", id_token(alice))
    _, looked_up = http("GET", f"{api}/users/Bob", id_token(alice))

    assert (accepted[0], declined[0], removed[0]) == (409, 409, 409)
    assert "email" not in looked_up  # Bob's email is for his connections only
    assert platform_view.snapshot() == before
    [request] = bob.device.imegha("connections").json["connections"]
    assert (request["iMTag"], request["status"]) == ("Carol", "incoming")


def expired_id_token(local_cloud, platform, someone: Person) -> str:
    """An ID token the pool itself signed for ``someone``, five minutes past its expiry."""
    pool = cognitoidp_backends[local_cloud.platform.account_id][local_cloud.region].user_pools[
        platform.outputs["UserPoolId"]
    ]
    token, _ = pool.create_jwt(platform.outputs["UserPoolClientId"], someone.email, "id", expires_in=-300)
    return token


def test_an_expired_token_gets_401_from_the_gateway_and_a_session_renews_its_own(
    alice, local_cloud, platform, api, invocations
):
    expired = expired_id_token(local_cloud, platform, alice)
    ran = len(invocations())

    assert http("GET", f"{api}/me", expired) == (401, {"message": "Unauthorized"})
    assert len(invocations()) == ran

    # A device whose session token has lapsed renews it with its refresh token, and goes on.
    profile = alice.device.profile()
    profile.write("session", alice.device.session() | {"id_token": expired})
    assert alice.device.imegha("connections").status == 0
    assert alice.device.session()["id_token"] != expired
    profile.write("session", alice.device.session() | {"id_token": expired, "refresh_token": None})
    lapsed = alice.device.imegha("connections")
    assert (lapsed.status, lapsed.error["message"]) == (
        1,
        "the session of profile 'default' has expired: run 'imegha login'",
    )
    assert alice.log_in(alice.device).status == 0


def test_looking_up_someone_who_does_not_exist_is_404(alice, api, platform_view):
    before = platform_view.snapshot()

    assert http("GET", f"{api}/users/Nobody", id_token(alice)) == (404, {"message": "no user has the iMTag 'Nobody'"})
    typed = alice.device.imegha("connect", "Nobody")

    assert (typed.status, typed.error) == (
        1,
        {"error": "refused", "message": "the platform refused: no user has the iMTag 'Nobody'", "status": 404},
    )
    assert platform_view.snapshot() == before
