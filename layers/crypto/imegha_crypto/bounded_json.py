"""JSON from someone else (a request body, a cloud's answer, a peer's sealed metadata), parsed within limits that
are checked before the parser runs.

Python's ``json`` recurses once per nesting level, so a few kilobytes of ``[`` end in ``RecursionError``; it
turns a 5,000-digit number into an int only to refuse it with a bare ``ValueError``, and it takes ``NaN`` and
``Infinity``, which are not JSON. Here the size and the nesting depth are checked first, without recursion (the
depth on the brackets that are not inside strings), and every failure is a :class:`FormatError` with a reason.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

from .canonical import JSONObject
from .errors import FormatError, TooLargeError

# Deeper than any document iMegha makes (its envelopes nest a few levels), far below the interpreter's limit.
MAX_JSON_DEPTH = 64
# Far more than 2**53 - 1 (16 digits), the largest integer canonical JSON holds, far fewer than Python's limit.
MAX_INTEGER_DIGITS = 100
# Five times the values of the largest document iMegha makes (a 1,000-member group's key copies, about 20,000). What
# reads a document spends per value: jsonschema about 60 microseconds on a recursive $ref, so this bounds it too.
MAX_JSON_VALUES = 100_000

# A JSON string (its escapes skipped whole), or a run of characters that are not brackets, commas or a quote; what
# is left once both are removed is the structure: brackets, commas, and a quote that opens a string never closed.
_NOT_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\[\]{},"]+', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1, ",": 0, '"': 0}


def parse_json(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = MAX_JSON_DEPTH,
    max_values: int = MAX_JSON_VALUES,
    fractions: bool = True,
) -> object:
    """The value ``data`` holds, if it is JSON (UTF-8) of at most ``max_bytes`` bytes, nested at most ``max_depth``
    levels, with at most ``max_values`` values (each member, element and container counts); otherwise
    :class:`FormatError` (:class:`TooLargeError` for the size), saying which limit or where the JSON is broken. ``fractions=False`` refuses numbers with a fraction or an exponent, which iMegha's own documents
    never hold (canonical JSON refuses them) and which a schema's ``"integer"`` would take when whole (``1.0``)."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TooLargeError(f"{size} bytes, more than the {max_bytes} allowed")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FormatError(f"not UTF-8 text (byte {error.start})") from None
    structure = _NOT_STRUCTURE.sub("", data)
    if max(accumulate(map(_STEP.__getitem__, structure)), default=0) > max_depth:
        raise FormatError(f"nested deeper than {max_depth} levels")
    # Every value but the first follows a comma or opens a container's first member: at most this many.
    values = 1 + structure.count(",") + structure.count("[") + structure.count("{")
    if values > max_values:
        raise FormatError(f"about {values} values, more than the {max_values} allowed")
    try:
        return json.loads(
            data, parse_constant=_not_json, parse_int=_integer, parse_float=float if fractions else _whole
        )
    except json.JSONDecodeError as error:
        raise FormatError(f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except _NotJSON as error:
        raise FormatError(f"not valid JSON ({error})") from None


def parse_json_object(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = MAX_JSON_DEPTH,
    max_values: int = MAX_JSON_VALUES,
    fractions: bool = True,
) -> JSONObject:
    """Like :func:`parse_json`, for a document that must be a JSON object."""
    value = parse_json(data, max_bytes=max_bytes, max_depth=max_depth, max_values=max_values, fractions=fractions)
    if not isinstance(value, dict):
        raise FormatError(f"a JSON object was expected, not {type(value).__name__}")
    return value


class _NotJSON(ValueError):
    """What ``json`` would take but JSON, or iMegha, has no use for."""


def _not_json(constant: str) -> object:
    raise _NotJSON(f"{constant} is not a JSON number")


def _whole(number: str) -> object:
    raise _NotJSON(f"{number[:20]} has a fraction or an exponent; these numbers are whole")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NotJSON(f"a number of {len(digits.lstrip('-'))} digits, more than {MAX_INTEGER_DIGITS}")
    return int(digits)
