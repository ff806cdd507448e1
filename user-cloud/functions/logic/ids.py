"""Ids of files, folders, albums and shares: made on the owner's device (the ciphertext is bound to them before
anything is sent), random, and checked here before they reach a key or a URL."""

from __future__ import annotations

import re

from imegha_service.errors import InvalidRequest

ID_PATTERN = "^[A-Za-z0-9_-]{16,64}$"
_ID = re.compile(ID_PATTERN)


def check_id(field: str, value: str) -> str:
    if not _ID.fullmatch(value):
        raise InvalidRequest(field, "16 to 64 letters, digits, '_' or '-'")
    return value
