"""The e2e world: the platform on the local cloud, devices people type ``imegha`` on, and the platform's own view."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from imegha import accounts, cognito, platform_api
from imegha.endpoints import Endpoints
from tests.e2e.devices import Device, Person, agent_processes
from tests.e2e.platform_view import PlatformView
from tests.integration.polling import eventually

# The lowest the envelopes accept, so a test's sign-ups take milliseconds; the
# real 600,000 iterations are measured in bench/accounts_bench.py.
FAST_KDF_ITERATIONS = 100_000


@pytest.fixture(scope="module")
def new_device(platform, local_cloud, tmp_path_factory) -> Callable[[str], Device]:
    """Makes fresh devices that find this module's platform; every key agent they started is stopped afterwards."""
    scratch = tmp_path_factory.mktemp("devices")
    endpoints = scratch / "endpoints.json"
    local_cloud.state().save(endpoints)
    made: list[Device] = []

    def make(name: str) -> Device:
        made.append(Device(scratch / f"{len(made)}-{name}"))
        return made[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMEGHA_ENDPOINTS", str(endpoints))
        patch.setenv("IMEGHA_KDF_ITERATIONS", str(FAST_KDF_ITERATIONS))  # for imegha processes a test starts
        patch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "600")  # a backstop only: the teardown stops them
        patch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
        yield make
        for device in made:
            device.stop_agents()
    assert eventually(lambda: not agent_processes(scratch), timeout_s=5), (
        f"key agents left running: {agent_processes(scratch)}"
    )


@pytest.fixture(scope="module")
def person(new_device) -> Callable[[str], Person]:
    """Signs someone new up on a device of their own: ``person("Alice")`` is alice@example.org, iMTag Alice."""

    def sign_up(name: str) -> Person:
        return Person(name, f"{name.lower()}@example.org", f"{name}'s own long password", new_device(name)).sign_up()

    return sign_up


@pytest.fixture(scope="module")
def alice(person) -> Person:
    return person("Alice")


@pytest.fixture(scope="module")
def bob(person) -> Person:
    return person("Bob")


@pytest.fixture(scope="module")
def platform_view(local_cloud, platform) -> PlatformView:
    return PlatformView(local_cloud, platform)


@pytest.fixture
def platform_gone(monkeypatch, tmp_path):
    """The platform's API answers nothing (its URL points at a closed port) and any call to Cognito fails the test;
    the embedded AWS, playing the person's own account, still answers."""
    gone = tmp_path / "endpoints-without-a-platform.json"
    dataclasses.replace(Endpoints.discover(), platform_api_url="http://127.0.0.1:9/gone").save(gone)
    monkeypatch.setenv("IMEGHA_ENDPOINTS", str(gone))

    def no_platform(*args, **kwargs):
        raise AssertionError(f"the platform was asked: {args[:2]}")

    monkeypatch.setattr(platform_api, "call_json", no_platform)
    monkeypatch.setattr(cognito.CognitoAuth, "__init__", no_platform)
