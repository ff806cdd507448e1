"""DynamoDB items as plain JSON values."""

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
