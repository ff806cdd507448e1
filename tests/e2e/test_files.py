"""Files through the imegha CLI on the local cloud, as the issue tells it: Alice deploys her cloud, uploads, shares
with Bob; Bob fetches the same bytes; Alice revokes and Bob is refused; the audit chain shows each step and verifies,
and stops verifying once an entry is edited. Nothing AWS or the platform holds has the text or the file's name."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.files_world import stored_everywhere


@pytest.fixture(scope="module")
def alice(person):
    return person("Alice").with_cloud()


@pytest.fixture(scope="module")
def bob(person, alice):
    return alice.connected_with(person("Bob"))


def test_alice_shares_bob_fetches_alice_revokes_and_the_audit_chain_tells_it(alice, bob, tmp_path, local_cloud):
    text = f"Patient 4711: blood pressure down to 130/85 [{uuid.uuid4().hex}]\n".encode()
    name = f"Befund für Bob – {uuid.uuid4().hex[:6]}.txt"
    (tmp_path / name).write_bytes(text)

    stored = alice.device.imegha("files", "put", str(tmp_path / name)).json
    assert (stored["name"], stored["size"], stored["version"]) == (name, len(text), 1)
    assert [f["name"] for f in alice.device.imegha("files", "ls").json["files"]] == [name]

    sharing = alice.device.imegha("share", "add", name, "--with", "Bob")
    shared = sharing.json
    assert shared["with"] == "Bob" and shared["notified"] is True
    # Bob's key was never verified on Alice's device: said before his key was used, and in the answer.
    assert shared["unverified"] == ["Bob"] and "Bob is not verified on this device" in sharing.stderr

    offered = bob.device.imegha("shared").json["shares"]
    assert [(s["from"], s["name"], s["shareId"]) for s in offered] == [("Alice", name, shared["shareId"])]
    fetched = bob.device.imegha("shared", "get", name, "-o", str(tmp_path / "bob.txt")).json
    assert (tmp_path / "bob.txt").read_bytes() == text and fetched["written"] == [str(tmp_path / "bob.txt")]

    revoked = alice.device.imegha("share", "revoke", name, "--with", "Bob").json
    assert revoked["revoked"] == [shared["shareId"]]

    refused = bob.device.imegha("shared", "get", shared["shareId"], "-o", str(tmp_path / "again.txt"))
    assert refused.status == 1 and "is shared with you" in refused.stderr
    assert not (tmp_path / "again.txt").exists()

    log = alice.device.imegha("audit").json["entries"]
    steps = [(entry["action"], entry["actor"]) for entry in log if entry["action"] != "create"]
    assert steps == [
        ("keep-keys", alice.user_id),  # her keys as her 24 words open them, kept when her cloud was deployed
        ("upload", alice.user_id),
        ("share", alice.user_id),
        ("download", bob.user_id),
        ("revoke", alice.user_id),
    ]
    verified = alice.device.imegha("audit", "--verify").json
    assert verified["verified"] is True and verified["head"]["seq"] == len(log)

    everything = stored_everywhere(local_cloud, [local_cloud.platform, alice.own_account()])
    assert text.strip() not in everything and name.encode() not in everything


def test_an_edited_audit_entry_fails_verification(alice, bob, tmp_path, local_cloud):
    (tmp_path / "note.txt").write_text("a note")
    alice.device.imegha("files", "put", str(tmp_path / "note.txt"))
    assert alice.device.imegha("audit", "--verify").status == 0
    dynamodb = local_cloud.client("dynamodb", alice.own_account())
    (table,) = [name for name in dynamodb.list_tables()["TableNames"] if "CloudTable" in name]
    first = {"pk": {"S": "AUDIT"}, "sk": {"S": f"E#{1:016d}"}}
    dynamodb.update_item(
        TableName=table,
        Key=first,
        UpdateExpression="SET actor = :someone",
        ExpressionAttributeValues={":someone": {"S": bob.user_id}},
    )

    refused = alice.device.imegha("audit", "--verify")

    assert refused.status == 1
    assert "the audit log does NOT verify: audit entry 1 was edited" in refused.stderr


def test_a_file_in_any_script_a_folder_and_a_refusal_read_plainly(alice, tmp_path):
    name = "日本語の報告 😀.md"
    (tmp_path / name).write_text("contenu")
    assert alice.device.imegha("folders", "create", "Travail").status == 0
    assert alice.device.imegha("files", "put", str(tmp_path / name), "--folder", "Travail").status == 0

    listed = alice.device.imegha("files", "ls", "--folder", "Travail").json["files"]
    assert [(f["name"], f["folder"]) for f in listed] == [(name, "Travail")]
    got = alice.device.imegha("files", "get", name, "-o", str(tmp_path / "back.md")).json
    assert (tmp_path / "back.md").read_text() == "contenu" and got["name"] == name

    again = alice.device.imegha("files", "put", str(tmp_path / name), "--folder", "Travail")
    assert again.status == 1 and "--replace" in again.stderr
    busy = alice.device.imegha("folders", "rm", "Travail")
    assert busy.status == 1 and "holds 1 files" in busy.stderr
    assert alice.device.imegha("files", "rm", name).json["deleted"] is True
    assert alice.device.imegha("folders", "rm", "Travail").status == 0
