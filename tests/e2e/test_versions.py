"""Every version of a file its owner can still open, through the imegha CLI on the local cloud: a replaced version
stays in her cloud for 30 days, under its own key (sealed for owner, file id and version), listed, fetched and
exported by her alone; the person she shares the file with sees the current version only, as before."""

from __future__ import annotations

import json

import pytest

from tests.integration.files_world import stored_everywhere


@pytest.fixture(scope="module")
def vera(person, tmp_path_factory):
    """Vera, with a cloud: minutes.txt in her folder Board, in three versions, shared with Wes after the first."""
    vera = person("Vera").with_cloud()
    wes = vera.connected_with(person("Wes"))
    made = tmp_path_factory.mktemp("vera-files")
    versions = [f"Board minutes, draft {n}: the budget is {n}00 k\n".encode() for n in (1, 2, 3)]
    assert vera.device.imegha("folders", "create", "Board").status == 0
    (made / "minutes.txt").write_bytes(versions[0])
    assert vera.device.imegha("files", "put", str(made / "minutes.txt"), "--folder", "Board").status == 0
    assert vera.device.imegha("share", "add", "minutes.txt", "--with", "Wes").status == 0
    for content in versions[1:]:
        (made / "minutes.txt").write_bytes(content)
        put = vera.device.imegha("files", "put", str(made / "minutes.txt"), "--folder", "Board", "--replace")
        assert put.status == 0, put.stderr
    return vera, wes, versions


def test_she_lists_every_version_and_opens_each_under_its_own_key(vera, tmp_path, local_cloud):
    vera, _, versions = vera

    listed = vera.device.imegha("files", "versions", "minutes.txt").json["versions"]

    assert [(v["version"], v["current"], v["size"], v["name"]) for v in listed] == [
        (3, True, len(versions[2]), "minutes.txt"),
        (2, False, len(versions[1]), "minutes.txt"),
        (1, False, len(versions[0]), "minutes.txt"),
    ]
    assert all(v["keptUntil"] > listed[0]["updatedAt"] for v in listed[1:])
    shown = vera.device.imegha("files", "versions", "minutes.txt", human=True).stdout
    assert "current" in shown and shown.count("kept until") == 2
    for number in (1, 2):
        got = vera.device.imegha("files", "get", "minutes.txt", "--version", str(number), "-o", str(tmp_path)).json
        assert (got["version"], got["current"]) == (number, False)
        assert (tmp_path / f"minutes (v{number}).txt").read_bytes() == versions[number - 1]
    current = vera.device.imegha("files", "get", "minutes.txt", "--version", "3", "-o", str(tmp_path)).json
    assert (tmp_path / "minutes.txt").read_bytes() == versions[2] and current["current"] is True
    everything = stored_everywhere(local_cloud, [local_cloud.platform, vera.own_account()])
    assert not any(version.strip() in everything for version in versions)


def test_a_version_not_kept_is_refused_with_the_reason_and_nothing_is_written(vera, tmp_path):
    vera, _, _ = vera

    refused = vera.device.imegha("files", "get", "minutes.txt", "--version", "7", "-o", str(tmp_path))

    assert refused.status == 1 and "has no version 7 kept" in refused.error["message"]
    assert list(tmp_path.iterdir()) == []


def test_the_person_she_shares_with_sees_the_current_version_only(vera, tmp_path):
    vera, wes, versions = vera

    (offered,) = wes.device.imegha("shared").json["shares"]
    wes.device.imegha("shared", "get", "minutes.txt", "-o", str(tmp_path / "from-vera.txt"))

    assert offered["version"] == 3
    assert (tmp_path / "from-vera.txt").read_bytes() == versions[2]
    versions_of_hers = wes.device.imegha("files", "versions", "minutes.txt")
    assert versions_of_hers.status == 1  # his own library has no such file; hers he reaches by the share alone


def test_export_with_versions_writes_every_version_signed_in_and_from_her_own_aws_account(vera, tmp_path):
    vera, _, versions = vera
    signed_in = tmp_path / "signed-in"

    manifest = vera.device.imegha("export", str(signed_in), "--versions").json

    expected = {
        "files/Board/minutes.txt": versions[2],
        "versions/Board/minutes (v2).txt": versions[1],
        "versions/Board/minutes (v1).txt": versions[0],
    }
    assert sorted(entry["path"] for entry in manifest["written"]) == sorted(expected)
    assert {path: (signed_in / path).read_bytes() for path in expected} == expected
    assert [e["path"] for e in vera.device.imegha("export", str(tmp_path / "current")).json["written"]] == [
        "files/Board/minutes.txt"
    ]
    assert json.loads((signed_in / "manifest.json").read_text()) == manifest


def test_export_from_aws_with_versions_needs_no_platform(vera, platform_gone, tmp_path):
    vera, _, versions = vera
    out = tmp_path / "from-aws"

    typed = vera.device.imegha(
        "export", str(out), "--from-aws", "--versions", "--password-stdin", stdin=vera.phrase + "\n"
    )

    assert typed.status == 0, typed.stderr
    assert (out / "files" / "Board" / "minutes.txt").read_bytes() == versions[2]
    assert (out / "versions" / "Board" / "minutes (v2).txt").read_bytes() == versions[1]
    assert (out / "versions" / "Board" / "minutes (v1).txt").read_bytes() == versions[0]
