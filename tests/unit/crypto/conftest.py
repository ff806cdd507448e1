"""Accounts made once per session, and a way to alter one field of an envelope."""

from __future__ import annotations

import copy
import re

import pytest

from imegha_crypto import Context, FormatError, NewAccount, b64url_decode, b64url_encode, create_account

# The lowest count an envelope may carry. Deriving it takes milliseconds, where
# the 600,000 default takes a tenth of a second at every sign-up and sign-in.
TEST_ITERATIONS = 100_000

ALICE_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def iterations() -> int:
    return TEST_ITERATIONS


@pytest.fixture(scope="session")
def alice_password() -> str:
    return ALICE_PASSWORD


@pytest.fixture(scope="session")
def alice() -> NewAccount:
    return create_account("alice", ALICE_PASSWORD, iterations=TEST_ITERATIONS)


@pytest.fixture(scope="session")
def bob() -> NewAccount:
    return create_account("bob", "bob's own password", iterations=TEST_ITERATIONS)


@pytest.fixture(scope="session")
def carol() -> NewAccount:
    return create_account("carol", "carol's own password", iterations=TEST_ITERATIONS)


@pytest.fixture
def context() -> Context:
    return Context(owner="alice", object_id="file-7", version=3)


@pytest.fixture(
    params=[("mallory", "file-7", 3), ("alice", "file-8", 3), ("alice", "file-7", 2)],
    ids=["other owner", "other object", "other version"],
)
def elsewhere(request) -> Context:
    """The ``context`` fixture with one thing changed: where a moved ciphertext would be read."""
    owner, object_id, version = request.param
    return Context(owner=owner, object_id=object_id, version=version)


_OTHER_VALUES = {
    "kind": {"FEK": "CK", "CK": "FEK", "FK": "AK", "AK": "FK", "AIK": "CK", "GK": "CK"},
    "wrappedBy": {"DEK": "FK", "FK": "DEK", "AK": "DEK"},
}


def _tampered_value(field: str, value: object) -> object:
    if field == "v":
        return value + 1
    if field == "alg":
        return value + "-X"
    if field in _OTHER_VALUES:
        return _OTHER_VALUES[field][value]
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return ("1" if value[0] == "0" else "0") + value[1:]
    if isinstance(value, str):
        try:
            raw = bytearray(b64url_decode(value))
        except FormatError:
            return value + "x"  # text, such as a user id or URL
        raw[len(raw) // 2] ^= 0x01
        return b64url_encode(bytes(raw))
    raise AssertionError(f"no way to tamper with {field}={value!r}")


@pytest.fixture
def tamper():
    """``tamper(envelope, "a.b")``: a copy with that one field changed to another well-formed value."""

    def tampered(envelope: dict, path: str) -> dict:
        changed = copy.deepcopy(envelope)
        *parents, field = path.split(".")
        target = changed
        for parent in parents:
            target = target[parent]
        target[field] = _tampered_value(field, target[field])
        return changed

    return tampered
