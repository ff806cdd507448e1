"""A place that does not answer, as every adapter of the SDK reports it: one ``Unreachable`` naming the scheme, host
and port (never a path or a presigned query) and why, in place of urllib's or botocore's own errors."""

from __future__ import annotations

import socket

import pytest

from imegha.cognito import CognitoAuth
from imegha.endpoints import Endpoints, Unreachable
from imegha.platform_api import call_json


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_an_api_with_nothing_listening_is_unreachable_by_its_origin(closed_port):
    with pytest.raises(Unreachable) as raised:
        call_json("GET", f"http://127.0.0.1:{closed_port}/prod/me?X-Amz-Signature=secret", "token")

    assert (raised.value.url, raised.value.reason) == (f"http://127.0.0.1:{closed_port}", "connection refused")
    assert str(raised.value) == f"cannot reach http://127.0.0.1:{closed_port} (connection refused)"
    assert isinstance(raised.value, OSError)  # a peer's silent cloud stays a gap in what is read, not a failure


def test_an_api_that_never_answers_times_out(silent_port):
    with pytest.raises(Unreachable) as raised:
        call_json("GET", f"http://127.0.0.1:{silent_port}/me", "token", timeout=0.2)

    assert raised.value.reason == "timed out"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://no-such-host.invalid/prod/me", "no such host"),
        ("127.0.0.1:4747/prod/me", "unknown url type: 127.0.0.1"),  # no scheme
    ],
)
def test_a_mistyped_endpoint_is_unreachable_with_the_reason(url, reason):
    with pytest.raises(Unreachable) as raised:
        call_json("GET", url, "token", timeout=5)

    assert raised.value.reason == reason


def test_cognito_with_nothing_listening_is_unreachable(closed_port):
    cognito = CognitoAuth(
        Endpoints(
            platform_api_url="http://127.0.0.1:9/prod",
            region="us-east-1",
            user_pool_id="pool",
            user_pool_client_id="app",
            aws_endpoint_url=f"http://127.0.0.1:{closed_port}",
        )
    )

    with pytest.raises(Unreachable) as raised:
        cognito.sign_in("emile@example.org", "a secret")

    assert (raised.value.url, raised.value.reason) == (f"http://127.0.0.1:{closed_port}", "connection refused")
