"""The export directory on its own: where each file goes (names made plain, two alike told apart by id, the same on
every run), what a second run skips, what does not open, and a transcript no message can draw a line of."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

from imegha.chat import Line
from imegha.export import ExportDirectory, ExportedFile, transcript
from imegha.library import StoredFile, file_context
from imegha_crypto import FileKey, seal_file

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
