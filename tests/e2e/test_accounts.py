"""Accounts as people use them: sign up, sign in on a new device, change the password, recover with the 24 words,
connect and compare safety codes. Every step is an ``imegha`` command; the keys are checked in the key agents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imegha.cognito import CognitoAuth, SignInError
from imegha.endpoints import Endpoints
from imegha_crypto import authentication_secret, b64url_encode, safety_code
from tests.e2e.conftest import FAST_KDF_ITERATIONS
from tests.e2e.devices import agent_processes
from tests.integration.polling import eventually

SAFETY_CODE = re.compile(r"\d{5}( \d{5}){11}")


def secrets_of(keys) -> list[bytes]:
    return [keys.data_key.secret_bytes(), keys.exchange_key.secret_bytes(), keys.identity_key.secret_bytes()]


def test_sign_up_shows_the_24_words_once_and_writes_no_key_to_disk(alice):
    assert len(alice.phrase.split()) == 24
    assert alice.device.imegha("whoami").json == {"userId": alice.user_id, "email": alice.email, "iMTag": "Alice"}

    keys = alice.device.keys()
    for path in alice.device.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for secret in secrets_of(keys):
                assert secret not in content and b64url_encode(secret).encode() not in content, path
            assert alice.phrase.encode() not in content and alice.password.encode() not in content, path


def test_a_fresh_device_opens_the_same_keys_with_the_password_alone(alice, new_device):
    phone = new_device("alice-phone")

    signed_in = alice.log_in(phone).json

    assert signed_in == {"userId": alice.user_id, "email": alice.email, "iMTag": "Alice"}
    assert phone.keys() == alice.device.keys()


def test_passwd_rewraps_the_same_dek_and_only_the_new_password_opens_it(person, new_device, platform_view):
    dan = person("Dan")
    before = platform_view.directory_entry(dan.user_id)

    changed = dan.device.imegha("passwd", "--password-stdin", stdin=f"{dan.password}\nDan's brand new password\n")

    assert changed.json == {"changed": True}
    after = platform_view.directory_entry(dan.user_id)
    assert after["keysVersion"] == before["keysVersion"] + 1
    assert after["keys"]["passwordWrappedDek"]["salt"] != before["keys"]["passwordWrappedDek"]["salt"]
    unchanged = {field: value for field, value in before["keys"].items() if field != "passwordWrappedDek"}
    assert {field: after["keys"][field] for field in unchanged} == unchanged
    laptop = new_device("dan-laptop")
    old = dan.log_in(laptop)
    assert old.status == 1 and "wrong email or password" in old.stderr
    assert dan.log_in(laptop, "Dan's brand new password").status == 0
    assert laptop.keys() == dan.device.keys()


def test_the_24_words_set_a_new_password_that_then_opens_the_same_keys(person, new_device):
    carol = person("Carol")
    borrowed, own = new_device("carol-borrowed"), new_device("carol-new")

    # The phrase comes on stdin (not the command line, so not the shell's history), then the new password.
    recovered = borrowed.imegha(
        "recover", carol.email, "--password-stdin", stdin=f"{carol.phrase}\nCarol's new password\n"
    )

    assert recovered.json == {"recovered": True, "iMTag": "Carol"}
    assert borrowed.keys() == carol.device.keys()
    assert carol.log_in(own).status == 1
    assert carol.log_in(own, "Carol's new password").json["userId"] == carol.user_id
    assert own.keys() == carol.device.keys()


def test_connecting_shows_fingerprints_and_both_sides_read_the_same_safety_code(person):
    erin, frank = person("Erin"), person("Frank")
    erins_identity = erin.device.keys().identity_key.public_key
    franks_identity = frank.device.keys().identity_key.public_key

    asked = erin.device.imegha("connect", "Frank").json
    assert (asked["iMTag"], asked["status"], asked["identityFingerprint"]) == (
        "Frank",
        "outgoing",
        str(franks_identity.fingerprint),
    )
    [request] = frank.device.imegha("connections").json["connections"]
    assert (request["iMTag"], request["status"]) == ("Erin", "incoming")
    assert request["identityFingerprint"] == str(erins_identity.fingerprint)

    accepted = frank.device.imegha("accept", "Erin").json
    assert accepted["status"] == "connected"

    erins_code = erin.device.imegha("verify", "Frank").json
    franks_code = frank.device.imegha("verify", "Erin").json
    assert erins_code["safetyCode"] == franks_code["safetyCode"] == safety_code(erins_identity, franks_identity)
    assert SAFETY_CODE.fullmatch(erins_code["safetyCode"])
    assert not erins_code["verified"]

    # Read aloud and matched: Erin records it; her list says so, Frank's does not until he does too.
    assert erin.device.imegha("verify", "Frank", "--accept", erins_code["safetyCode"]).json["verified"]
    [seen_by_erin] = erin.device.imegha("connections").json["connections"]
    [seen_by_frank] = frank.device.imegha("connections").json["connections"]
    assert (seen_by_erin["status"], seen_by_erin["verified"]) == ("connected", True)
    assert (seen_by_frank["status"], seen_by_frank["verified"]) == ("connected", False)


def test_two_people_on_one_machine_keep_their_sessions_apart(alice, bob, new_device):
    shared = new_device("family-computer")

    assert alice.log_in(shared, None, "--profile", "alice").status == 0
    assert bob.log_in(shared, None, "--profile", "bob").status == 0

    assert shared.imegha("--profile", "alice", "whoami").json["iMTag"] == "Alice"
    assert shared.imegha("whoami", "--profile", "bob").json["iMTag"] == "Bob"
    assert shared.keys("alice") == alice.device.keys() and shared.keys("bob") == bob.device.keys()
    nobody = shared.imegha("whoami")
    assert nobody.status == 1 and "not signed in" in nobody.stderr
    code_for_alice = shared.imegha("--profile", "alice", "verify", "Bob").json["safetyCode"]
    assert code_for_alice == shared.imegha("--profile", "bob", "verify", "Alice").json["safetyCode"]


def test_logout_stops_the_key_agent_forgets_the_session_and_revokes_it_at_cognito(bob, new_device):
    tablet = new_device("bob-tablet")
    assert bob.log_in(tablet).status == 0
    assert tablet.agent_sockets() and agent_processes(tablet.home)
    tablets_refresh_token = tablet.session()["refresh_token"]
    cognito = CognitoAuth(Endpoints.discover())
    assert cognito.refresh(tablets_refresh_token).id_token

    assert tablet.imegha("logout").json == {"signedOut": True, "sessionRevoked": True}

    assert tablet.agent_sockets() == [] and tablet.session() is None
    with pytest.raises(SignInError):
        cognito.refresh(tablets_refresh_token)
    assert cognito.refresh(bob.device.session()["refresh_token"]).id_token, "Bob's other device stays signed in"
    assert eventually(lambda: not agent_processes(tablet.home), timeout_s=5)
    after = tablet.imegha("connections")
    assert after.status == 1 and "imegha login" in after.stderr


def test_each_command_is_a_process_of_its_own_and_finds_the_keys_in_the_agent(alice, bob):
    """The installed ``imegha`` command, as a shell runs it: the session and the agent outlive every command."""
    imegha = Path(sys.executable).with_name("imegha")
    environment = {"IMEGHA_HOME": str(alice.device.home)}

    shown = subprocess.run(
        [imegha, "--json", "verify", "Bob"], capture_output=True, text=True, timeout=60, env=os.environ | environment
    )

    assert shown.returncode == 0, shown.stderr
    expected = safety_code(alice.device.keys().identity_key.public_key, bob.device.keys().identity_key.public_key)
    assert f'"safetyCode": "{expected}"' in shown.stdout


def test_a_sign_up_stopped_after_confirmation_is_finished_at_the_next_sign_in(alice, new_device):
    """The account exists in Cognito, confirmed, but the device stopped before making and uploading its keys."""
    liam = new_device("liam")
    password = "Liam's own long password"
    interrupted = liam.account()
    secret = authentication_secret("liam@example.org", password, iterations=FAST_KDF_ITERATIONS)
    interrupted.cognito.sign_up("liam@example.org", secret, "Liam")
    interrupted.cognito.confirm("liam@example.org", "000000")

    finished = liam.imegha("login", "liam@example.org", "--password-stdin", stdin=password + "\n").json

    assert len(finished["recoveryPhrase"].split()) == 24
    assert alice.device.imegha("verify", "Liam").json["safetyCode"] == liam.imegha("verify", "Alice").json["safetyCode"]
