"""Sign-ups that do not go straight through: two racing for one iMTag, one whose confirmation comes too late, one
stopped before its code. Each ends with one clear owner of each tag, no account left that cannot sign in, and a way
forward for the person shown the refusal."""

from __future__ import annotations

import time

import pytest

from imegha.accounts import AccountError
from imegha_crypto import authentication_secret
from tests.e2e.conftest import FAST_KDF_ITERATIONS
from tests.e2e.devices import Device, Person


def newcomer(name: str, device: Device) -> Person:
    return Person(name, f"{name.lower()}@example.org", f"{name}'s own long password", device)


def sign_up(device: Device, someone: Person, imtag: str, *options: str):
    return device.imegha("signup", someone.email, imtag, "--password-stdin", *options, stdin=someone.password + "\n")


def cognito_users(platform_view) -> dict[str, str]:
    """Every account in the pool: email → status."""
    return {
        next(a["Value"] for a in user["Attributes"] if a["Name"] == "email"): user["UserStatus"]
        for user in platform_view.cognito_users()
    }


def directory_items(platform_view) -> list[dict]:
    return platform_view.table("DirectoryTable").scan(ConsistentRead=True)["Items"]


def stopped_before_the_code(device: Device, someone: Person, imtag: str) -> None:
    """What a sign-up leaves when the device stops after Cognito created the account, before the code was typed."""
    secret = authentication_secret(someone.email, someone.password, iterations=FAST_KDF_ITERATIONS)
    device.account().cognito.sign_up(someone.email, secret, imtag)


# --- Two sign-ups, one iMTag --------------------------------------------------------------------


def test_of_two_sign_ups_racing_for_mona_and_MONA_the_second_is_refused_at_sign_up_and_the_first_wins(
    new_device, platform_view
):
    mona, rival = newcomer("Mona", new_device("mona")), newcomer("Rival", new_device("rival"))
    rival_tried = []

    def code_typed_after_the_rival_signed_up() -> str:
        rival_tried.append(sign_up(rival.device, rival, "MONA"))
        with pytest.raises(AccountError):  # and confirming anyway finds no account to confirm
            rival.device.account().confirm_sign_up(rival.email, "000000")
        return "000000"

    phrase = mona.device.account().sign_up(mona.email, mona.password, "Mona", code_typed_after_the_rival_signed_up)

    [refused] = rival_tried
    assert (refused.status, refused.error["message"]) == (1, "iMTag 'MONA' is taken")
    assert len(phrase.split()) == 24
    assert cognito_users(platform_view) == {mona.email: "CONFIRMED"}
    mona_id = mona.device.session()["user_id"]
    tags = [item for item in directory_items(platform_view) if item["pk"].startswith("IMTAG#")]
    assert tags == [{"pk": "IMTAG#mona", "iMTag": "Mona", "userId": mona_id}]  # claimed, no reservation left to lapse
    assert mona.log_in(new_device("mona-phone")).json["iMTag"] == "Mona"
    assert sign_up(rival.device, rival, "Rival").json["iMTag"] == "Rival"  # the rival's email was not left taken


def test_a_sign_up_confirmed_after_its_reservation_lapsed_and_another_took_the_tag_is_removed(
    new_device, platform_view
):
    slow, quick = newcomer("Slow", new_device("slow")), newcomer("Quick", new_device("quick"))
    taken = []

    def code_typed_a_day_later() -> str:
        # The reservation (of the tag and of its look-alikes) lapses, as a day would make it, then another sign-up
        # takes the tag in another case.
        for reserved in ("IMTAG#nadia", "LOOKALIKE#nadla"):
            platform_view.table("DirectoryTable").update_item(
                Key={"pk": reserved},
                UpdateExpression="SET expiresAt = :lapsed",
                ExpressionAttributeValues={":lapsed": int(time.time()) - 1},
            )
        taken.append(sign_up(quick.device, quick, "NADIA"))
        return "000000"

    with pytest.raises(AccountError) as lost:
        slow.device.account().sign_up(slow.email, slow.password, "Nadia", code_typed_a_day_later)

    assert str(lost.value) == (
        "iMTag 'Nadia' was taken while this sign-up waited for its confirmation: sign up again with another iMTag"
    )
    assert taken[0].json["iMTag"] == "NADIA"
    assert cognito_users(platform_view).get(slow.email) is None  # no confirmed account without a directory entry
    assert sign_up(slow.device, slow, "NadiaS").json["iMTag"] == "NadiaS"


# --- Stopped before the confirmation code ---------------------------------------------------------


def test_login_after_a_sign_up_stopped_before_its_code_emails_a_new_one_and_finishes_the_sign_up(
    new_device, platform_view
):
    omar = newcomer("Omar", new_device("omar"))
    stopped_before_the_code(omar.device, omar, "Omar")

    finished = omar.log_in(omar.device).json

    assert finished["newConfirmationCodeSentTo"] == "o***@e***"
    assert (finished["iMTag"], len(finished["recoveryPhrase"].split())) == ("Omar", 24)
    assert cognito_users(platform_view)[omar.email] == "CONFIRMED"
    assert platform_view.directory_entry(finished["userId"])["keys"]
    assert omar.log_in(new_device("omar-phone")).json["userId"] == finished["userId"]


def test_signing_up_again_after_stopping_before_the_code_confirms_the_first_sign_up_with_the_code_given(new_device):
    pia = newcomer("Pia", new_device("pia"))
    stopped_before_the_code(pia.device, pia, "Pia")

    impostor = Person("Pia", pia.email, "not Pia's own password", new_device("not-pia"))
    stranger = sign_up(impostor.device, impostor, "PiaToo")
    again = sign_up(pia.device, pia, "PiaToo", "--code", "123456").json

    assert (stranger.status, stranger.error["message"]) == (
        1,
        "an account with this email already exists: sign in with 'imegha login pia@example.org'",
    )
    assert again["iMTag"] == "Pia"  # the tag the first sign-up reserved; an iMTag cannot change
    assert "newConfirmationCodeSentTo" not in again  # the code she had was used, not replaced
    assert len(again["recoveryPhrase"].split()) == 24
