"""Your data without iMegha: ``imegha export --from-aws`` opens a person's files from their own AWS account with their
own credentials and the 24 words alone, with the platform's API unreachable and Cognito never asked.

Their cloud keeps a copy of the keys as the recovery phrase opens them (the recovery-wrapped DEK, the private keys
wrapped by the DEK), put there when it was deployed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def ida(person, tmp_path_factory):
    """Ida, with a cloud, a file at the top, two in a folder (one named as a dotfile)."""
    ida = person("Ida").with_cloud()
    made = tmp_path_factory.mktemp("ida-files")
    contents = {"notes.txt": b"top-level notes\n", "return.pdf": b"%PDF-1.7 " + bytes(range(256)) * 300}
    for name, content in contents.items():
        (made / name).write_bytes(content)
    assert ida.device.imegha("folders", "create", "Taxes").status == 0
    assert ida.device.imegha("files", "put", str(made / "notes.txt")).status == 0
    assert ida.device.imegha("files", "put", str(made / "return.pdf"), "--folder", "Taxes").status == 0
    assert (
        ida.device.imegha("files", "put", str(made / "notes.txt"), "--folder", "Taxes", "--name", ".bashrc").status == 0
    )
    return ida, contents


def test_with_the_platform_gone_her_files_open_from_her_own_aws_account_with_her_words(ida, platform_gone, tmp_path):
    ida, contents = ida
    out = tmp_path / "export"

    typed = ida.device.imegha("export", str(out), "--from-aws", "--password-stdin", stdin=ida.phrase + "\n")

    manifest = typed.json
    assert (out / "files" / "notes.txt").read_bytes() == contents["notes.txt"]
    assert (out / "files" / "Taxes" / "return.pdf").read_bytes() == contents["return.pdf"]
    assert (out / "files" / "Taxes" / "bashrc").read_bytes() == contents["notes.txt"]  # no dotfile
    assert sorted(entry["path"] for entry in manifest["written"]) == [
        "files/Taxes/bashrc",
        "files/Taxes/return.pdf",
        "files/notes.txt",
    ]
    assert manifest["failed"] == [] and manifest["userId"] == ida.user_id
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert all(Path(p).resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))

    again = ida.device.imegha("export", str(out), "--from-aws", "--password-stdin", stdin=ida.phrase + "\n").json
    assert (len(again["written"]), len(again["skipped"])) == (0, 3)


@pytest.fixture(scope="module")
def jon(person):
    return person("Jon")


def test_other_words_open_nothing_and_write_nothing(ida, jon, platform_gone, tmp_path):
    ida, _ = ida
    out = tmp_path / "export"
    someone_elses = jon.phrase

    refused = ida.device.imegha("export", str(out), "--from-aws", "--password-stdin", stdin=someone_elses + "\n")

    assert refused.status == 1 and "these 24 words do not open the keys this cloud keeps" in refused.error["message"]
    assert not list(out.rglob("*.*"))


@pytest.fixture(scope="module")
def kim(person, ida):
    """Kim, connected with Ida, with a cloud: they talked, and share a group; Kim's reply tries to pass a line of
    its own for one of Ida's in a transcript."""
    ida, _ = ida
    kim = person("Kim").with_cloud()
    ida.connected_with(kim)
    assert ida.device.imegha("chat", "send", "Kim", "Lunch on Friday?").status == 0
    assert kim.device.imegha("chat", "send", "Ida", "Yes\n**Ida**, 2026-01-01: <b>cancel it</b>\x1b[2J").status == 0
    group = ida.device.imegha("group", "create", "Book club", "--members", "Kim").json["groupId"]
    assert kim.device.imegha("group", "accept", group).status == 0
    assert kim.device.imegha("group", "send", group, "Chapter 3 by Monday").status == 0
    assert ida.device.imegha("group", "send", group, "Done with chapter 2").status == 0
    return kim, group


def test_signed_in_everything_comes_out_files_conversations_groups_and_the_audit_log_verified(ida, kim, tmp_path):
    (ida, contents), (kim, group) = ida, kim
    out = tmp_path / "everything"

    manifest = ida.device.imegha("export", str(out)).json

    assert (out / "files" / "Taxes" / "return.pdf").read_bytes() == contents["return.pdf"]
    assert len(manifest["written"]) == 3 and manifest["failed"] == []
    assert manifest["conversations"] == ["conversations/Kim.json"]
    talk = json.loads((out / "conversations" / "Kim.json").read_text())
    assert [m["text"] for m in talk["messages"]] == [
        "Lunch on Friday?",
        "Yes\n**Ida**, 2026-01-01: <b>cancel it</b>\x1b[2J",
    ]
    transcript = (out / "conversations" / "Kim.md").read_text()
    assert "\x1b" not in transcript
    assert [line for line in transcript.splitlines() if line.startswith("**")] == [
        line for line in transcript.splitlines() if line.startswith(("**Ida**", "**Kim**")) and ", 20" in line
    ]
    assert "    **Ida**, 2026-01-01: <b>cancel it</b>\\x1b[2J" in transcript  # inside Kim's block, indented
    (group_file,) = manifest["groups"]
    assert group[4:12] in group_file
    assert [m["text"] for m in json.loads((out / group_file).read_text())["messages"]] == [
        "Chapter 3 by Monday",
        "Done with chapter 2",
    ]
    verification = json.loads((out / "audit" / "verification.json").read_text())
    assert verification["verified"] is True and verification == manifest["audit"]
    assert json.loads((out / "audit" / "log.json").read_text())["head"]["seq"] == verification["head"]["seq"] > 0

    again = ida.device.imegha("export", str(out)).json
    assert (len(again["written"]), len(again["skipped"])) == (0, 3)


def test_with_the_platform_gone_her_own_messages_come_out_of_her_own_cloud(ida, kim, platform_gone, tmp_path):
    (ida, _), (_, group) = ida, kim
    out = tmp_path / "from-aws"

    manifest = ida.device.imegha("export", str(out), "--from-aws", "--password-stdin", stdin=ida.phrase + "\n").json

    assert manifest["conversations"] == ["conversations/Kim.json"]
    talk = json.loads((out / "conversations" / "Kim.json").read_text())
    assert (talk["with"], talk["withUserId"]) == ("Kim", kim[0].user_id)
    # Hers, from her cloud; Kim's reply is kept in Kim's cloud, which only the platform's tokens open.
    assert [(m["sender"], m["text"]) for m in talk["messages"]] == [("Ida", "Lunch on Friday?")]
    assert "only your own messages" in talk["only"] == manifest["notRecovered"]
    (group_file,) = manifest["groups"]
    kept = json.loads((out / group_file).read_text())
    assert (kept["groupId"], kept["members"], kept["admin"], kept["rosterChecked"]) == (
        group,
        ["Ida", "Kim"],
        "Ida",
        True,
    )
    assert [m["text"] for m in kept["messages"]] == ["Done with chapter 2"]
    assert "Done with chapter 2" in (out / group_file.replace(".json", ".md")).read_text()
    # Her audit log, read from her table and verified against every checkpoint her devices signed.
    verification = json.loads((out / "audit" / "verification.json").read_text())
    assert verification == manifest["audit"] and verification["verified"] is True and verification["head"]["seq"] > 0
