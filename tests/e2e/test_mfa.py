"""Two-step sign-in as people use it: turned on with an authenticator app's code, asked for at every sign-in on a fresh
device (refused without it or with a wrong one), turned off with the password and a code; and what someone who has
only the email can do once it is on: reset the password, and sign in to nothing."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from imegha import cli
from imegha.cognito import CodeNeeded, CognitoAuth
from imegha.endpoints import Endpoints
from imegha.mfa import SecondFactor
from imegha.totp import totp
from imegha_crypto import authentication_secret
from tests.e2e.conftest import FAST_KDF_ITERATIONS


def a_code_of_long_ago(secret: str) -> str:
    """A real code of the secret, but from two minutes ago: four steps out of the window Cognito accepts."""
    return totp(secret, time.time() - 120)


def turned_on(someone) -> str:
    """``imegha mfa enable`` for them, then the code their app shows; returns the secret their app holds."""
    begun = someone.device.imegha("mfa", "enable").json
    assert someone.device.imegha("mfa", "enable", "--code", totp(begun["secret"])).json == {"enabled": True}
    return begun["secret"]


def test_the_platforms_pool_offers_software_token_mfa_to_whoever_turns_it_on(local_cloud, platform_view):
    (pool,) = platform_view.resources("AWS::Cognito::UserPool").values()

    config = local_cloud.client("cognito-idp").get_user_pool_mfa_config(UserPoolId=pool)

    assert config["MfaConfiguration"] == "OPTIONAL"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_enable_shows_a_key_for_the_app_and_takes_only_a_current_code_of_it(person):
    erin = person("Erin")
    assert erin.device.imegha("mfa", "status").json == {"enabled": False}

    begun = erin.device.imegha("mfa", "enable").json
    malformed = erin.device.imegha("mfa", "enable", "--code", "12 ab 56")
    wrong = erin.device.imegha("mfa", "enable", "--code", a_code_of_long_ago(begun["secret"]))

    assert begun["enabled"] is False
    uri = urlsplit(begun["uri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/iMegha:erin@example.org")
    assert parse_qs(uri.query)["secret"] == [begun["secret"]] and parse_qs(uri.query)["issuer"] == ["iMegha"]
    assert (malformed.status, malformed.error["error"]) == (2, "bad_input")
    assert "6 digits" in malformed.error["message"]
    assert (wrong.status, wrong.error["error"]) == (1, "refused")
    assert "wrong code from the authenticator app" in wrong.error["message"]
    assert erin.device.imegha("mfa", "status").json == {"enabled": False}

    enabled = erin.device.imegha("mfa", "enable", "--code", totp(begun["secret"]))

    assert enabled.json == {"enabled": True}
    assert erin.device.imegha("mfa", "status").json == {"enabled": True}
    again = erin.device.imegha("mfa", "enable")
    assert again.status == 1 and "on already" in again.error["message"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_enable_shows_the_key_and_its_uri_then_asks_for_the_code_the_app_shows(
    person, monkeypatch, capsys
):
    jun = person("Jun")
    enrolments = []
    begin = SecondFactor.begin
    monkeypatch.setattr(SecondFactor, "begin", lambda self: enrolments.append(begin(self)) or enrolments[-1])
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: totp(enrolments[-1].secret))  # Jun reads it off the app
    monkeypatch.setenv("IMEGHA_HOME", str(jun.device.home))

    status = cli.main(["mfa", "enable"])

    shown = capsys.readouterr().out
    key = enrolments[-1].secret
    assert status == 0
    assert " ".join(key[start : start + 4] for start in range(0, len(key), 4)) in shown
    assert enrolments[-1].uri in shown and "Two-step sign-in is on" in shown
    assert jun.device.imegha("mfa", "status").json == {"enabled": True}


def test_with_mfa_on_a_fresh_device_signs_in_with_the_code_and_is_refused_without_it_or_with_a_wrong_one(
    person, new_device
):
    fatima = person("Fatima")
    secret = turned_on(fatima)
    phone = new_device("fatima-phone")

    without = fatima.log_in(phone)
    wrong = fatima.log_in(phone, None, "--mfa-code", a_code_of_long_ago(secret))
    malformed = fatima.log_in(phone, None, "--mfa-code", "12345")

    assert (without.status, without.error["error"]) == (1, "refused")
    assert "code from its authenticator app" in without.error["message"]
    assert "--mfa-code" in without.error["message"]
    assert (wrong.status, wrong.error["error"]) == (1, "refused")
    assert "wrong code from the authenticator app" in wrong.error["message"]
    assert (malformed.status, malformed.error["error"]) == (2, "bad_input")
    assert phone.session() is None and phone.agent_sockets() == []

    # The code on the line after the password, as a script pipes it.
    signed_in = phone.imegha("login", fatima.email, "--password-stdin", stdin=f"{fatima.password}\n{totp(secret)}\n")

    assert signed_in.json == {"userId": fatima.user_id, "email": fatima.email, "iMTag": "Fatima"}
    assert phone.keys() == fatima.device.keys()
    laptop = new_device("fatima-laptop")
    assert fatima.log_in(laptop, None, "--mfa-code", totp(secret)).status == 0


def test_disable_takes_the_password_and_a_current_code_then_the_password_alone_signs_in(person, new_device):
    gita = person("Gita")
    secret = turned_on(gita)

    def disable(password: str, code: str):
        return gita.device.imegha("mfa", "disable", "--password-stdin", stdin=f"{password}\n{code}\n")

    wrong_code = disable(gita.password, a_code_of_long_ago(secret))
    wrong_password = disable("not Gita's password at all", totp(secret))

    assert wrong_code.status == 1 and "wrong code from the authenticator app" in wrong_code.error["message"]
    assert wrong_password.status == 1 and "wrong email or password" in wrong_password.error["message"]
    assert gita.device.imegha("mfa", "status").json == {"enabled": True}

    assert disable(gita.password, totp(secret)).json == {"enabled": False}

    assert gita.device.imegha("mfa", "status").json == {"enabled": False}
    assert gita.log_in(new_device("gita-laptop")).status == 0
    assert gita.device.imegha("mfa", "disable", "--password-stdin").json == {"enabled": False}


def test_a_password_reset_by_email_alone_signs_in_to_nothing_and_changes_no_key(person, new_device, platform_view):
    hana = person("Hana")
    turned_on(hana)
    before = platform_view.directory_entry(hana.user_id)
    # Whoever reads Hana's email resets her password with Cognito's emailed code (the local cloud takes any code).
    cognito = CognitoAuth(Endpoints.discover())
    taken_over = authentication_secret(hana.email, "the intruder's password", iterations=FAST_KDF_ITERATIONS)
    cognito.request_reset(hana.email)
    cognito.confirm_reset(hana.email, "000000", taken_over)

    with pytest.raises(CodeNeeded):
        cognito.sign_in(hana.email, taken_over)
    at_the_cli = hana.log_in(new_device("intruder"), "the intruder's password")

    assert at_the_cli.status == 1 and "code from its authenticator app" in at_the_cli.error["message"]
    assert platform_view.directory_entry(hana.user_id) == before


def test_recovering_with_the_24_words_asks_for_the_code_too(person, new_device):
    ivan = person("Ivan")
    secret = turned_on(ivan)
    borrowed = new_device("ivan-borrowed")
    phrase_and_password = f"{ivan.phrase}\nIvan's recovered password\n"

    without = borrowed.imegha("recover", ivan.email, "--password-stdin", stdin=phrase_and_password)

    assert without.status == 1 and f"'imegha login {ivan.email}'" in without.error["message"]
    assert borrowed.session() is None
    # The new password is set, and opens the keys once a sign-in brings the code.
    laptop = new_device("ivan-laptop")
    assert ivan.log_in(laptop, "Ivan's recovered password").status == 1
    assert ivan.log_in(laptop, "Ivan's recovered password", "--mfa-code", totp(secret)).status == 0
    assert laptop.keys() == ivan.device.keys()

    recovered = borrowed.imegha(
        "recover", ivan.email, "--password-stdin", stdin=f"{ivan.phrase}\nIvan's second password\n{totp(secret)}\n"
    )

    assert recovered.json == {"recovered": True, "iMTag": "Ivan"}
    assert borrowed.keys() == ivan.device.keys()
