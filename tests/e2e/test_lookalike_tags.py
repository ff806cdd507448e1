"""Look-alike iMTags at sign-up, as people meet them: with Alice and Bob signed up, ``AIice`` (a capital i),
``A1ice``, ``B0b`` and ``BOB`` are refused, each with a message naming the tag it resembles; nothing is written, the
email stays free, and lookups stay on the tag typed (``imegha connect AIice`` finds nobody)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.devices import Person


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("AIice", "iMTag 'AIice' looks like 'Alice', which is taken: choose another"),
        ("A1ice", "iMTag 'A1ice' looks like 'Alice', which is taken: choose another"),
        ("B0b", "iMTag 'B0b' looks like 'Bob', which is taken: choose another"),
        ("b0B", "iMTag 'b0B' looks like 'Bob', which is taken: choose another"),
        ("BOB", "iMTag 'BOB' is taken"),
    ],
)
def test_a_look_alike_of_a_taken_tag_is_refused_at_sign_up_naming_it(
    alice, bob, new_device, platform_view, tag, message
):
    before = platform_view.snapshot()
    mallory = Person("Mallory", f"{tag.lower()}-mallory@example.org", "Mallory's own long password", new_device(tag))

    refused = mallory.device.imegha("signup", mallory.email, tag, "--password-stdin", stdin=mallory.password + "\n")

    assert (refused.status, refused.error["message"]) == (1, message)
    assert platform_view.snapshot() == before
    assert mallory.email not in json.dumps(platform_view.cognito_users(), default=str)


def test_a_tag_that_only_shares_letters_is_free_and_lookups_find_only_the_tag_typed(alice, person):
    alina = person("Alina")
    assert alina.user_id

    not_found = alina.device.imegha("connect", "AIice")
    assert not_found.status == 1 and "no user has the iMTag 'AIice'" in not_found.error["message"]
    assert alina.device.imegha("connect", "Alice").json["iMTag"] == "Alice"
