"""The export directory on its own: where each file goes (names made plain, two alike told apart by id, the same on
every run), what a second run skips, what does not open, and a transcript no message can draw a line of."""

from __future__ import annotations

import dataclasses
import io
import json
from contextlib import contextmanager

from imegha.chat import Line
from imegha.export import (
    ExportDirectory,
    ExportedFile,
    KeptConversation,
    own_audit,
    own_conversations,
    transcript,
)
from imegha.library import StoredFile, file_context
from imegha_crypto import (
    EMPTY_LOG,
    AccountKeys,
    AuditHead,
    Context,
    ConversationKey,
    DataKey,
    ExchangePrivateKey,
    FileKey,
    GroupKey,
    IdentityPrivateKey,
    audit_digest,
    direct_conversation_id,
    group_key_context,
    seal_file,
    seal_message,
    sign_audit_checkpoint,
    wrap_key,
)

OWNER = "0b7f2c1e-5a4d-4e8b-9c3f-2d1e6a7b8c90"


def exported(file_id: str, name: str, content: bytes, folder: str | None = None, problem: str | None = None):
    key = FileKey.generate()
    sealed = io.BytesIO()
    seal_file(key, io.BytesIO(content), sealed, file_context(OWNER, file_id, 1))
    stored = StoredFile(
        file_id, 1, name, len(content), "text/plain", None, len(sealed.getvalue()), None, OWNER, key, None, problem
    )

    @contextmanager
    def opened():
        yield io.BytesIO(sealed.getvalue())

    return ExportedFile(stored, folder, opened)


def test_names_are_plain_alike_ones_told_apart_by_id_and_a_second_run_skips_what_is_there(tmp_path):
    files = [
        exported("b" * 32, "notes.txt", b"second"),
        exported("a" * 32, "notes.txt", b"first"),
        exported("c" * 32, "../../etc/passwd", b"not out", folder="../Taxes"),
        exported("d" * 32, "broken.pdf", b"", problem="its key or metadata does not open"),
    ]

    first = ExportDirectory(tmp_path, "test")
    first.files(files)
    manifest = first.finish()

    assert (tmp_path / "files" / "notes.txt").read_bytes() == b"first"  # the lower id keeps the plain name
    assert (tmp_path / "files" / "notes [bbbbbbbb].txt").read_bytes() == b"second"
    assert (tmp_path / "files" / "_Taxes" / "_.._etc_passwd").read_bytes() == b"not out"
    assert [entry["fileId"] for entry in manifest["failed"]] == ["d" * 32]
    assert json.loads((tmp_path / "manifest.json").read_text())["written"] == manifest["written"]

    again = ExportDirectory(tmp_path, "test")
    again.files(files)
    assert (len(again.outcome["written"]), len(again.outcome["skipped"])) == (0, 3)


def test_a_message_can_neither_draw_a_line_of_the_transcript_nor_send_an_escape():
    lines = [
        Line("c", "u1", "Kim", 1, "2026-01-01T10:00:00+00:00", "hi\n**Ida**, 2026-01-01: fake\x1b]0;title\x07"),
        Line("c", "u2", "Ida", 1, "2026-01-01T10:01:00+00:00", None, refused="sealed under epoch 3"),
    ]

    text = transcript("Conversation with Kim", lines)

    assert "\x1b" not in text and "\x07" not in text
    headers = [line for line in text.splitlines() if line and not line.startswith("    ")]
    assert headers == [
        "# Conversation with Kim",
        "**Kim**, 2026-01-01T10:00:00+00:00",
        "**Ida**, 2026-01-01T10:01:00+00:00",
    ]
    assert "    (refused: sealed under epoch 3)" in text


def test_an_older_version_goes_under_versions_as_name_vn_beside_its_folder(tmp_path):
    current = exported("a" * 32, "minutes.txt", b"third", folder="Board")
    older = exported("a" * 32, "minutes.txt", b"first", folder="Board")
    kept = ExportedFile(dataclasses.replace(older.stored, kept_until=2_000_000_000), "Board", older.sealed)

    export = ExportDirectory(tmp_path, "test")
    export.files([kept, current])

    assert (tmp_path / "files" / "Board" / "minutes.txt").read_bytes() == b"third"
    assert (tmp_path / "versions" / "Board" / "minutes (v1).txt").read_bytes() == b"first"


class KeptOnly:
    """A person's own cloud read straight from their table: what it keeps of their conversations."""

    def __init__(self, kept: dict[str, KeptConversation]):
        self.kept = kept

    def conversations(self) -> dict[str, KeptConversation]:
        return self.kept


def test_from_her_own_cloud_each_of_her_messages_opens_or_is_refused_with_the_reason(tmp_path):
    keys = AccountKeys(DataKey.generate(), ExchangePrivateKey.generate(), IdentityPrivateKey.generate())
    peer = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
    direct, group = direct_conversation_id(OWNER, peer), "grp-" + "ab" * 16
    ck, gk = ConversationKey.generate(), GroupKey.generate(0)

    def posted(key, conversation: str, sequence: int, text: str, epoch: int | None = None) -> dict:
        record = seal_message(
            key,
            keys.identity_key,
            conversation_id=conversation,
            sender=OWNER,
            sequence=sequence,
            text=text,
            sent_at=f"2026-12-05T06:0{sequence}:00+00:00",
        )
        return {"sequence": sequence, "message": record} | ({"epoch": epoch} if epoch is not None else {})

    altered = posted(ck, direct, 2, "the original")
    altered["message"]["body"]["sentAt"] = "2026-12-05T09:00:00+00:00"
    kept = {
        direct: KeptConversation(
            {"peerId": peer},
            {0: {"wrappedKey": wrap_key(ck, wrapping_key=keys.data_key, context=Context(OWNER, direct, 0))}},
            [posted(ck, direct, 1, "Lunch on Friday?"), altered],
        ),
        group: KeptConversation(
            {},
            {0: {"wrappedKey": wrap_key(gk, wrapping_key=keys.data_key, context=group_key_context(group, OWNER, 0))}},
            [posted(gk, group, 1, "hello all", epoch=0), posted(GroupKey.generate(1), group, 2, "later", epoch=1)],
        ),
    }
    export = ExportDirectory(tmp_path, "test")

    written = own_conversations(export, KeptOnly(kept), OWNER, keys)

    talk = json.loads((tmp_path / written["conversations"][0]).read_text())
    assert talk["withUserId"] == peer and talk["with"] is None  # no roster kept names them
    assert [(m["text"], "refused" in m) for m in talk["messages"]] == [("Lunch on Friday?", False), (None, True)]
    circle = json.loads((tmp_path / written["groups"][0]).read_text())
    assert [m["text"] for m in circle["messages"]] == ["hello all", None]
    assert "whose key your cloud does not keep" in circle["messages"][1]["refused"]
    assert circle["rosterChecked"] is False and written["notRecovered"].startswith("only your own messages")


class AuditKept:
    """A person's own cloud read straight from their table: its audit log and checkpoints."""

    def __init__(self, entries: list[dict], head: AuditHead, checkpoints: list[dict]):
        self.kept = entries, head, checkpoints

    def audit(self) -> tuple[list[dict], AuditHead, list[dict]]:
        return self.kept


def chained(count: int) -> tuple[list[dict], AuditHead]:
    entries, head = [], EMPTY_LOG
    for seq in range(1, count + 1):
        entry = {"seq": seq, "prev": head.hash, "at": "2026-12-05T06:00:00Z", "action": "upload", "actor": OWNER}
        entry |= {"subject": {"fileId": "f" * 32, "version": seq}}
        entry["hash"] = audit_digest(entry)
        entries.append(entry)
        head = AuditHead(seq, entry["hash"])
    return entries, head


def test_from_her_own_cloud_the_audit_log_is_verified_against_her_signed_checkpoints(tmp_path):
    keys = AccountKeys(DataKey.generate(), ExchangePrivateKey.generate(), IdentityPrivateKey.generate())
    entries, head = chained(3)
    signed = sign_audit_checkpoint(
        keys.identity_key, user_id=OWNER, head=AuditHead(2, entries[1]["hash"]), signed_at="2026-12-05T06:00:00Z"
    )
    forged = sign_audit_checkpoint(
        IdentityPrivateKey.generate(), user_id=OWNER, head=head, signed_at="2026-12-05T06:00:00Z"
    )
    rewritten = [entry | {"actor": "someone else"} if entry["seq"] == 2 else entry for entry in entries]

    def verified(cloud: AuditKept) -> dict:
        return own_audit(ExportDirectory(tmp_path, "test"), cloud, OWNER, keys)["audit"]

    assert verified(AuditKept(entries, head, [signed])) == {
        "verified": True,
        "head": {"seq": 3, "hash": head.hash},
        "checkpoints": 1,
    }
    assert json.loads((tmp_path / "audit" / "log.json").read_text())["entries"] == entries
    assert "entry 2" in verified(AuditKept(rewritten, head, [signed]))["problem"]
    assert "not signed by your identity key" in verified(AuditKept(entries, head, [signed, forged]))["problem"]
