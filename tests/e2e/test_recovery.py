"""Recovery with the 24 words: the phrase is proven to open the account's keys before anything changes, so a
mistyped one locks no one out; and once Cognito has the new password, that password opens the keys whatever
step fails after."""

from __future__ import annotations

import pytest

from imegha.endpoints import Unreachable
from imegha.platform_api import PlatformApi
from imegha_crypto import b64url_encode, recovery_lookup
from tests.e2e.devices import Person
from tests.e2e.test_accounts_refusals import one_word_changed
from tests.e2e.wire import http

REFUSED = (
    "recovery phrase refused: this recovery phrase is not the one of that email's account: nothing was changed;"
    " your password still signs in"
)


@pytest.fixture(scope="module")
def api(platform) -> str:
    return platform.outputs["PlatformApiUrl"]


def recover(device, someone: Person, phrase: str, new_password: str):
    return device.imegha("recover", someone.email, "--password-stdin", stdin=f"{phrase}\n{new_password}\n")


def test_a_mistyped_phrase_is_refused_before_anything_changes_and_the_old_password_still_signs_in(
    person, alice, new_device, platform_view
):
    ella = person("Ella")
    before = platform_view.snapshot()
    borrowed = new_device("ella-borrowed")

    mistyped = recover(borrowed, ella, one_word_changed(ella.phrase, checksum_holds=True), "Ella's new password")
    anothers = recover(borrowed, ella, alice.phrase, "Ella's new password")

    assert (mistyped.status, mistyped.error["message"]) == (1, REFUSED)
    assert (anothers.status, anothers.error["message"]) == (1, REFUSED)
    assert platform_view.snapshot() == before and borrowed.session() is None and borrowed.agent_sockets() == []
    assert ella.log_in(new_device("ella-laptop")).status == 0, "the old password still signs in"
    # Her own phrase still works afterwards, and opens the same keys.
    assert recover(borrowed, ella, ella.phrase, "Ella's new password").json == {"recovered": True, "iMTag": "Ella"}
    assert borrowed.keys() == ella.device.keys()
    assert ella.log_in(new_device("ella-phone"), "Ella's new password").status == 0


def test_someone_with_the_email_alone_learns_nothing_from_the_recovery_routes(person, api, platform_view):
    fay = person("Fay")
    before = platform_view.snapshot()
    guessed = b64url_encode(bytes(32))
    wrapping = {"v": 1, "alg": "PBKDF2-SHA256+A256GCM", "salt": "A" * 22, "iterations": 600000}
    wrapping |= {"iv": "A" * 16, "ct": "A" * 64}

    answers = [
        http("POST", f"{api}/recovery", None, {"email": email, "recoveryLookup": guessed})
        for email in (fay.email, "nobody@example.org")
    ] + [
        http(
            "PUT",
            f"{api}/recovery/password",
            None,
            {"email": fay.email, "recoveryLookup": guessed, "expectedVersion": 1, "passwordWrappedDek": wrapping},
        )
    ]

    refusal = {"message": "this recovery phrase is not the one of that email's account: nothing was changed"}
    assert answers == [(403, refusal)] * 3
    assert platform_view.snapshot() == before
    status, opened = http(
        "POST", f"{api}/recovery", None, {"email": fay.email, "recoveryLookup": recovery_lookup(fay.phrase)}
    )
    assert (status, opened["userId"]) == (200, fay.user_id)
    assert set(opened["keys"]) >= {"passwordWrappedDek", "recoveryWrappedDek"}


def test_a_recovery_cut_off_after_cognito_took_the_new_password_leaves_that_password_opening_the_keys(
    person, new_device, platform_view, monkeypatch
):
    gus = person("Gus")
    before = platform_view.directory_entry(gus.user_id)
    borrowed = new_device("gus-borrowed")

    with monkeypatch.context() as network:
        network.setattr(PlatformApi, "me", lambda api: (_ for _ in ()).throw(Unreachable(api.base_url, TimeoutError())))
        cut_off = recover(borrowed, gus, gus.phrase, "Gus's new password")

    assert cut_off.status != 0 and "timed out" in cut_off.error["message"]
    held = platform_view.directory_entry(gus.user_id)
    assert held["keys"] == before["keys"] and "recoveredPasswordWrappedDek" in held
    assert gus.log_in(new_device("gus-old-password")).status == 1, "Cognito has the new password"

    laptop = new_device("gus-laptop")
    assert gus.log_in(laptop, "Gus's new password").status == 0
    assert laptop.keys() == gus.device.keys()
    after = platform_view.directory_entry(gus.user_id)
    assert after["keys"]["passwordWrappedDek"] == held["recoveredPasswordWrappedDek"]
    assert "recoveredPasswordWrappedDek" not in after and after["keysVersion"] == before["keysVersion"] + 1
    assert gus.log_in(new_device("gus-phone"), "Gus's new password").status == 0
