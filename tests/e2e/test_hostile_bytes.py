"""Bytes meant to break the parser, sent to real routes of the platform on the local cloud with a valid token: each
is refused with a 4xx and a reason (never a 5xx), and nothing is written."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.devices import Person
from tests.e2e.wire import http

DEVICE_ID = "hostile-bytes-phone"


@pytest.fixture(scope="module")
def api(platform) -> str:
    return platform.outputs["PlatformApiUrl"]


@pytest.fixture(scope="module")
def nadia(person) -> Person:
    return person("Nadia")


def token(someone: Person) -> str:
    return someone.device.session()["id_token"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b'{"statement": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "nested deeper than"),
        (b"[" * 50 + b"{" * 50, 400, "nested deeper than"),
        (b'{"statement": ' + b"9" * 5000 + b"}", 400, "not valid JSON"),
        (b'{"statement": NaN}', 400, "not valid JSON"),
        (b'{"statement": 1.0}', 400, "1.0 has a fraction or an exponent"),
        (b'{"statement": "' + b"x" * (5 * 1024 * 1024) + b'"}', 413, "bytes"),
    ],
    ids=["100000 arrays deep", "unbalanced, 100 deep", "a 5000-digit number", "NaN", "a fraction", "5 MiB"],
)
def test_a_body_that_would_break_the_parser_is_refused_with_a_reason(api, nadia, platform_view, body, status, reason):
    before = platform_view.snapshot()

    answered, refusal = http("PUT", f"{api}/me/statement", token(nadia), body)

    assert (answered, refusal["field"]) == (status, "body"), refusal
    assert reason in refusal["reason"]
    assert platform_view.snapshot() == before


def test_a_refusal_quotes_a_few_hundred_characters_of_the_value_at_most(api, nadia):
    answered, refusal = http("PUT", f"{api}/me/statement", token(nadia), {"statement": "x" * 3_000_000})

    assert (answered, refusal["field"]) == (400, "statement")
    assert refusal["reason"].endswith("…") and len(refusal["reason"]) == 301


def test_a_record_whose_body_holds_a_million_values_is_refused_in_moments(api, nadia, platform_view):
    """jsonschema spends about 60 microseconds per value on a recursive $ref: checking a record body ("any JSON
    without fractions") of a million values kept the Lambda busy past the gateway's timeout."""
    before = platform_view.snapshot()
    record = {"v": 1, "alg": "Ed25519", "type": "key-statement", "signer": "0" * 64, "sig": "A" * 86}
    body = json.dumps({"statement": record | {"body": {"padding": [0] * 1_000_000}}}).encode()

    started = time.monotonic()
    answered, refusal = http("PUT", f"{api}/me/statement", token(nadia), body)

    assert (answered, refusal["field"]) == (400, "body"), refusal
    assert refusal["reason"].endswith("values, more than the 50000 allowed")
    assert time.monotonic() - started < 10
    assert platform_view.snapshot() == before


def test_a_value_with_a_trailing_newline_is_refused(api, nadia, platform_view):
    before = platform_view.snapshot()
    valid = {"platform": "fcm", "token": "fcm-token-of-nadias-phone"}

    answered, refusal = http(
        "PUT", f"{api}/devices/{DEVICE_ID}", token(nadia), valid | {"token": valid["token"] + "\n"}
    )

    assert (answered, refusal["field"]) == (400, "token"), refusal
    assert platform_view.snapshot() == before
    assert http("PUT", f"{api}/devices/{DEVICE_ID}", token(nadia), valid)[0] == 200
