"""The key agent: keys reach the profile's commands from memory, never from a file."""

import stat

import pytest

from imegha.agent import AgentUnavailable, StartingAgent, agent_keys, stop_agent
from imegha.profile import Profile
from imegha_crypto import b64url_encode, create_account


def start_agent(profile, keys):
    with StartingAgent(profile) as agent:
        agent.hand_over(keys)


@pytest.fixture
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("IMEGHA_HOME", str(tmp_path))
    profile = Profile.named("alice")
    yield profile
    stop_agent(profile)


def test_keys_handed_to_the_agent_come_back_and_touch_no_file(profile, tmp_path):
    keys = create_account("alice-id", "a password", iterations=100_000).keys

    start_agent(profile, keys)

    assert agent_keys(profile) == keys
    secrets = [keys.data_key.secret_bytes(), keys.exchange_key.secret_bytes(), keys.identity_key.secret_bytes()]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret in content or b64url_encode(secret).encode() in content for secret in secrets), path


def test_the_socket_is_private_to_its_owner(profile):
    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)

    assert stat.S_IMODE(profile.agent_socket.stat().st_mode) == 0o600
    assert stat.S_IMODE(profile.directory.stat().st_mode) == 0o700


def test_after_stop_the_keys_are_gone(profile):
    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)

    assert stop_agent(profile)
    with pytest.raises(AgentUnavailable, match="imegha login"):
        agent_keys(profile)


def test_an_idle_agent_exits_by_itself(profile, monkeypatch):
    import time

    monkeypatch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "0.3")
    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)
    time.sleep(1.0)

    with pytest.raises(AgentUnavailable):
        agent_keys(profile)


def test_an_agent_started_ahead_of_a_sign_in_that_fails_ends_holding_nothing(profile):
    with pytest.raises(RuntimeError), StartingAgent(profile):
        raise RuntimeError("wrong password")

    assert not profile.agent_socket.exists()
    with pytest.raises(AgentUnavailable):
        agent_keys(profile)


def test_an_agent_leaving_never_removes_the_socket_of_the_agent_that_replaced_it(profile, monkeypatch):
    import socket
    import time

    monkeypatch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "0.5")
    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)
    # The next agent of the profile binds the path while this one is still on its way out.
    profile.agent_socket.unlink()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as successor:
        successor.bind(str(profile.agent_socket))
        time.sleep(1.5)  # the first agent's idle time runs out and it leaves

        assert profile.agent_socket.exists()
    profile.agent_socket.unlink()
