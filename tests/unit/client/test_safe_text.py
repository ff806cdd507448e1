"""Text from others on this device: one plain file name whatever was sealed, and escapes a person reads on the
terminal where a control, an escape sequence, a line break or a bidi control would have acted."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imegha.safe_text import NAME_BYTES, file_name, indented, json_shown, screened, shown


@pytest.mark.parametrize(
    ("sealed", "written"),
    [
        ("Invoice.pdf", "Invoice.pdf"),
        ("日本語の報告 😀.md", "日本語の報告 😀.md"),
        ("👩\u200d💻 notes.txt", "👩\u200d💻 notes.txt"),  # the joiner stays
        (".bashrc", "bashrc"),
        ("..", "unnamed"),
        ("...", "unnamed"),
        ("", "unnamed"),
        (" . ", "unnamed"),
        ("../x", "_x"),
        ("../../.ssh/authorized_keys", "_.._.ssh_authorized_keys"),
        ("/etc/passwd", "_etc_passwd"),
        ("..\\..\\autorun.bat", "_.._autorun.bat"),
        ("a\x00b", "a_b"),
        ("\x1b[31mred", "_[31mred"),
        ("two\nlines\r", "two_lines_"),
        ("invoice\u202efdp.exe", "invoice_fdp.exe"),
        ("\u2066hidden\u2069\u200b.txt", "_hidden__.txt"),
        ("a\u2028b\x85c", "a_b_c"),
        ("\udce9t\u00e9.txt", "_té.txt"),  # a lone surrogate, as undecodable bytes arrive
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("Com1.tar.gz", "_Com1.tar.gz"),
        ("LPT\u00b9", "_LPT\u00b9"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        ("report. ", "report"),
    ],
)
def test_a_sealed_name_becomes_one_plain_file_name(sealed, written):
    assert file_name(sealed, windows=False) == written


def test_on_windows_the_characters_it_forbids_go_too():
    assert file_name("notes.txt:hidden stream", windows=True) == "notes.txt_hidden stream"
    assert file_name('a<b>c"d|e?f*', windows=True) == "a_b_c_d_e_f_"
    assert file_name("notes.txt:hidden stream", windows=False) == "notes.txt:hidden stream"


def test_a_long_name_is_shortened_to_whole_characters_keeping_its_extension():
    long = "ä" * 300 + ".pdf"
    shortened = file_name(long, windows=False)
    assert shortened.endswith(".pdf") and len(shortened.encode()) <= NAME_BYTES
    assert shortened == "ä" * ((NAME_BYTES - 4) // 2) + ".pdf"
    no_extension = file_name("x" * 500 + "." + "y" * 40, windows=False)
    assert no_extension == "x" * NAME_BYTES


@given(st.text())
def test_whatever_is_sealed_the_name_is_one_component_not_hidden_and_fits(sealed):
    for windows in (False, True):
        name = file_name(sealed, windows=windows)
        assert name and "/" not in name and "\\" not in name and name not in (".", "..")
        assert not name.startswith((".", " ")) and not name.endswith((".", " "))
        assert name == shown(name) and len(name.encode()) <= NAME_BYTES


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("plain, ünïcode and emoji 🩺", "plain, ünïcode and emoji 🩺"),
        ("ok\n10:02:11  Alice: wire it", "ok\\n10:02:11  Alice: wire it"),
        ("\x1b]0;retitled\x07", "\\x1b]0;retitled\\x07"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x9b31m", "\\x9b31m"),  # the 8-bit CSI
        ("tab\tcr\rdel\x7f", "tab\\tcr\\rdel\\x7f"),
        ("pay \u202egnp.exe", "pay \\u202egnp.exe"),
        ("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", "\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ],
)
def test_what_a_terminal_would_act_on_is_shown_as_an_escape(text, seen):
    assert shown(text) == seen


def test_a_message_of_several_lines_is_indented_so_no_line_of_it_starts_where_a_sender_line_does():
    assert indented("ok\n10:02:11  Alice: \x1b[2Jwire it\n", "    ") == (
        "ok\n    10:02:11  Alice: \\x1b[2Jwire it\n    "
    )
    assert screened("Mallory:\n  \x1b]0;x\x07\u202e") == "Mallory:\n  \\x1b]0;x\\x07\\u202e"


@given(
    st.recursive(
        st.text() | st.integers() | st.none(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)
    )
)
def test_json_keeps_every_value_exact_with_nothing_raw_for_a_terminal(value):
    text = json_shown(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert shown(text.replace("\n", "")) == text.replace("\n", "")
