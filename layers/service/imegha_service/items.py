"""DynamoDB items as plain JSON values, and the numbered sort keys they are filed under."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def integers(value: Any) -> Any:
    """``value`` with every Decimal DynamoDB handed back turned into the integer it holds.

    iMegha stores integers only (envelope versions, sequences, epochs); a Decimal
    would leave an API as a string, which no envelope schema or signature accepts.
    """
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integers(item) for item in value]
    return value


NUMBER_DIGITS = 16  # every integer iMegha counts (sequences, versions, epochs) is at most 2**53 - 1


def numbered(prefix: str, number: int) -> str:
    """A sort key for ``number`` after ``prefix``, zero-padded so that keys sort as their numbers do."""
    return f"{prefix}{number:0{NUMBER_DIGITS}d}"
