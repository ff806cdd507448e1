"""A profile in your own cloud: Lia's name, bio, phone and picture are sealed in her cloud and shared with her
connections, who see them in ``imegha connections``; the platform holds none of it; ending a connection seals it
again under a key the former connection never had."""

from __future__ import annotations

import json

import pytest

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
def people(person, tmp_path_factory):
    lia, max_, ned = (person(name).with_cloud() for name in ("Lia", "Max", "Ned"))
    lia.connected_with(max_)
    lia.connected_with(ned)
    picture = tmp_path_factory.mktemp("lia") / "me.png"
    picture.write_bytes(PICTURE)
    set_ = lia.device.imegha(
        "profile",
        "set",
        "--display-name",
        "Dr Lia Okafor",
        "--bio",
        "GP in Leeds",
        "--phone",
        "+44 113 496 0000",
        "--picture",
        str(picture),
    ).json
    assert set_ == {
        "displayName": "Dr Lia Okafor",
        "bio": "GP in Leeds",
        "phone": "+44 113 496 0000",
        "picture": {"type": "image/png", "bytes": len(PICTURE)},
    }
    return lia, max_, ned


def profile_of(viewer, imtag: str) -> dict | None:
    listed = viewer.device.imegha("connections").json["connections"]
    return next((c.get("profile") for c in listed if c["iMTag"] == imtag), None)


def test_her_connections_see_her_profile_and_she_sees_it_in_whoami(people, tmp_path):
    lia, max_, ned = people

    assert profile_of(max_, "Lia")["displayName"] == "Dr Lia Okafor"
    assert profile_of(ned, "Lia")["phone"] == "+44 113 496 0000"
    assert lia.device.imegha("whoami").json["profile"]["bio"] == "GP in Leeds"
    saved = tmp_path / "picture.png"
    assert lia.device.imegha("profile", "show", "--save-picture", str(saved)).status == 0
    assert saved.read_bytes() == PICTURE
    assert "Dr Lia Okafor" in max_.device.imegha("connections", human=True).stdout


def test_the_platform_holds_no_field_of_it(people, platform_view):
    held = json.dumps({"tables": platform_view.items(), "cognito": platform_view.cognito_users()}, default=str)
    for field in ("Dr Lia Okafor", "GP in Leeds", "+44 113 496 0000", "496 0000"):
        assert field not in held


def test_a_field_too_long_is_refused_and_nothing_changes(people):
    lia, max_, _ = people
    refused = lia.device.imegha("profile", "set", "--bio", "x" * 501)
    assert refused.status == 2 and "bio: text of at most 500 characters" in refused.error["message"]
    assert profile_of(max_, "Lia")["bio"] == "GP in Leeds"


def test_after_she_ends_a_connection_her_profile_is_sealed_again_for_those_who_remain(people):
    lia, max_, ned = people
    before = next(f for f in lia.device.imegha("files", "ls").json["files"] if f["name"] == "iMegha profile.json")

    assert lia.device.imegha("disconnect", "Max").status == 0

    after = next(f for f in lia.device.imegha("files", "ls").json["files"] if f["name"] == "iMegha profile.json")
    assert after["version"] == before["version"] + 1
    shared_with = [s["with"] for s in lia.device.imegha("share", "ls").json["shares"] if s["id"] == after["fileId"]]
    assert shared_with == ["Ned"]
    assert profile_of(ned, "Lia")["displayName"] == "Dr Lia Okafor"
    assert profile_of(max_, "Lia") is None
