"""Text from others made safe for this device: to show on its terminal, and to name a file in its directories.

A name, a message, an id or a refusal comes from someone else: a connection, their
cloud, the platform. Printed as it is, a line break in it draws a line that reads
as another sender's, an escape sequence (ESC, CSI, OSC, the C1 controls) moves the
cursor, retitles the window or hides text, and a bidi override shows "exe.png" as
"gnp.exe". Every human output of the CLI passes through here and shows each such
character as an escape a person can read (``\\x1b``, ``\\u202e``, ``\\n``);
``--json`` keeps every value exact, with these characters as JSON escapes. A name
written to disk becomes one plain file name: no path, no hidden file, no device name.

>>> shown("ok\\n10:02:11  Alice: \\x1b[31mwire it")
'ok\\\\n10:02:11  Alice: \\\\x1b[31mwire it'
>>> file_name("../.bashrc")
'_.bashrc'
"""

from __future__ import annotations

import os
import re

# Beyond C0: DEL and the C1 controls, lone surrogates, the line and paragraph separators, Unicode's bidi controls
# (ALM, LRM, RLM, LRE…RLO, LRI…PDI), and invisible characters that hide what stands between them. The joiners
# U+200C and U+200D stay: emoji and several scripts need them.
_BEYOND_C0 = (
    "\x7f-\x9f\ud800-\udfff\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u180e\u200b\u2060-\u2064\ufeff"
)
_UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
# In JSON text, json.dumps escaped the C0 controls in strings already; outside strings it writes only '\n' and ' '.
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Names Windows gives its devices, with any extension ("NUL.txt" is the device too).
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{port}{n}" for port in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3"}
)
_WINDOWS_FORBIDDEN = '<>:"|?*'  # ':' would write an alternate data stream of another file
NAME_BYTES = 200  # under the 255 bytes most file systems allow, with room for what a person or program adds
_KEPT_EXTENSION = 16  # an extension up to this long survives shortening: "….pdf" stays a PDF


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    return _NAMED.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def shown(text: str) -> str:
    """``text`` as one line a person can read: each control, escape, bidi control and line break as an escape."""
    return _UNSAFE.sub(_escaped, text)


def indented(text: str, indent: str) -> str:
    """``text`` over as many lines as it has, each :func:`shown`, every line after the first begun with ``indent``:
    a line of it can never stand where the output's own lines start."""
    return ("\n" + indent).join(shown(line) for line in text.split("\n"))


def screened(text: str) -> str:
    """A whole human output, its own line breaks kept: everything else unsafe is escaped, whatever a printer forgot."""
    return indented(text, "")


def json_shown(text: str) -> str:
    """JSON text whose every unsafe character is a ``\\u`` escape: the same values when parsed, nothing raw for a
    terminal to act on."""
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def file_name(name: str, *, windows: bool = os.name == "nt") -> str:
    """``name`` (sealed by someone else, perhaps hostile) as one plain file name for a directory of this device.

    Path separators and every character :func:`shown` escapes become ``_`` (on Windows, ``<>:"|?*`` too);
    leading dots and spaces go (no hidden file, no ``..``), trailing ones too (Windows drops them); a Windows
    device name (``CON``, ``nul.txt``) gets a ``_`` in front; at most ``NAME_BYTES`` bytes of UTF-8, the extension
    kept; and never empty.
    """
    forbidden = "/\\" + (_WINDOWS_FORBIDDEN if windows else "")
    cleaned = "".join("_" if character in forbidden else character for character in _UNSAFE.sub("_", name))
    cleaned = cleaned.strip(". ")
    if cleaned.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return _shortened(cleaned).rstrip(". ") or "unnamed"


def _shortened(name: str) -> str:
    if len(name.encode()) <= NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > _KEPT_EXTENSION:
        stem, dot, extension = name, "", ""
    room = NAME_BYTES - len((dot + extension).encode())
    return stem.encode()[:room].decode(errors="ignore") + dot + extension
