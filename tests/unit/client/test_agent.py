"""The key agent: keys reach the profile's commands from memory, never from a file."""

import stat

import pytest

from imegha.agent import AgentUnavailable, StartingAgent, agent_keys, stop_agent
from imegha.profile import Profile
from imegha_crypto import (
    Context,
    FileKey,
    b64url_encode,
    create_account,
    sign_record,
    unwrap_key,
    verify_record,
    wrap_key,
)


def start_agent(profile, keys):
    with StartingAgent(profile) as agent:
        agent.hand_over(keys, "alice-id")


@pytest.fixture
def profile(tmp_path, monkeypatch):
    monkeypatch.setenv("IMEGHA_HOME", str(tmp_path))
    profile = Profile.named("alice")
    yield profile
    stop_agent(profile)


def test_the_agent_uses_the_keys_handed_to_it_and_they_touch_no_file(profile, tmp_path):
    keys = create_account("alice-id", "a password", iterations=100_000).keys

    start_agent(profile, keys)

    held = agent_keys(profile)
    where = Context(owner="alice-id", object_id="file-1", version=3)
    file_key = FileKey.generate()
    for wrapping, opening in [(held.data_key, keys.data_key), (keys.data_key, held.data_key)]:
        wrapped = wrap_key(file_key, wrapping_key=wrapping, context=where)
        assert unwrap_key(wrapped, FileKey, unwrapping_key=opening, context=where) == file_key
    shared = wrap_key(file_key, wrapping_key=keys.exchange_key.public_key, context=where)
    assert unwrap_key(shared, FileKey, unwrapping_key=held.exchange_key, context=where) == file_key
    record = sign_record(
        held.identity_key, "key-grant", {"conversationId": "dm-1", "version": 0, "member": "bob-id", "copy": "0" * 64}
    )
    assert verify_record(record, "key-grant", keys.identity_key.public_key)["member"] == "bob-id"
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


# --- what a process of the same user can get out of the agent: operations, never a key -------------------------


def answer_to(profile, request: bytes, timeout_s: float = 10.0) -> bytes:
    """Everything the agent sends back to ``request`` (raw bytes) before it closes the connection."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout_s)
        connection.connect(str(profile.agent_socket))
        try:
            connection.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before it was all sent: what it answered is still there to read
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def secrets_of(keys) -> list[bytes]:
    raw = [keys.data_key.secret_bytes(), keys.exchange_key.secret_bytes(), keys.identity_key.secret_bytes()]
    return raw + [b64url_encode(secret).encode() for secret in raw]


def asking_for_a_key(account) -> dict[str, dict]:
    """Requests a hostile process of the same user could send the agent, each after a key it must never give."""
    import json

    from imegha_crypto import ExchangePrivateKey

    keys, bundle = account.keys, account.bundle
    private_key_context = {"owner": "alice-id", "object": keys.identity_key.public_key.fingerprint.hex, "version": 0}
    other = ExchangePrivateKey.generate().public_key
    statement = json.loads(json.dumps(account_statement(keys)))
    return {
        "the keys": {"op": "keys"},
        "the identity key, unwrapped from the account's bundle": {
            "op": "unwrap",
            "by": "DEK",
            "kind": "ED25519-PRIVATE",
            "envelope": bundle["wrappedIdentityKey"],
            "context": private_key_context,
        },
        "the identity key, as if a file's key": {
            "op": "unwrap",
            "by": "DEK",
            "kind": "FEK",
            "envelope": bundle["wrappedIdentityKey"],
            "context": private_key_context,
        },
        "the DEK, wrapped under itself": {
            "op": "wrap",
            "key": {"kind": "DEK", "secret": "A" * 43},
            "context": {"owner": "alice-id", "object": "account", "version": 0},
        },
        "a signature on a record of no kind the client makes": {
            "op": "sign",
            "type": "anything at all",
            "body": {"bytes": "chosen by the caller"},
        },
        "a key statement naming someone else's exchange key": {
            "op": "sign",
            "type": "key-statement",
            "body": statement["body"] | {"exchangeKey": b64url_encode(other.der)},
        },
        "a checkpoint of another user's audit log": {
            "op": "sign",
            "type": "audit-checkpoint",
            "body": {"userId": "mallory-id", "seq": 9, "hash": "0" * 64, "signedAt": "2026-12-05T03:00:00+00:00"},
        },
        "a request signed in another user's name": {
            "op": "sign",
            "type": "request",
            "body": {
                "method": "DELETE",
                "path": "/cloud",
                "bodySha256": "A" * 43,
                "userId": "mallory-id",
                "nonce": "n" * 16,
            },
        },
    }


def account_statement(keys):
    from imegha_crypto import sign_key_statement

    return sign_key_statement(
        keys.identity_key, user_id="alice-id", exchange_key=keys.exchange_key.public_key, cloud_url=None, sequence=1
    )


def test_the_agent_refuses_every_request_for_a_key_and_no_answer_holds_one(profile):
    import json

    account = create_account("alice-id", "a password", iterations=100_000)
    start_agent(profile, account.keys)

    for attempt, request in asking_for_a_key(account).items():
        answer = answer_to(profile, json.dumps(request).encode() + b"\n")

        assert not any(secret in answer for secret in secrets_of(account.keys)), attempt
        assert "error" in json.loads(answer or b"{}"), f"{attempt}: {answer[:200]!r}"


@pytest.mark.parametrize("sent", [b"", b'{"op": "ke'], ids=["nothing", "half a line"])
def test_a_connection_that_does_not_finish_its_request_is_closed_within_seconds(profile, sent):
    import time

    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)
    started = time.monotonic()

    assert answer_to(profile, sent, timeout_s=10.0) == b""
    assert time.monotonic() - started < 5.0


def test_a_wedged_connection_does_not_keep_an_idle_agent_alive(profile, monkeypatch, tmp_path):
    import socket
    import time

    from tests.e2e.devices import agent_processes

    monkeypatch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "1")
    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as wedged:
        wedged.connect(str(profile.agent_socket))
        wedged.sendall(b'{"op": ')  # and nothing more, while the agent's idle time runs out
        deadline = time.monotonic() + 4.0
        while agent_processes(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.1)

        assert agent_processes(tmp_path) == []
        assert not profile.agent_socket.exists()


def test_an_oversize_request_is_refused(profile):
    import json

    start_agent(profile, create_account("alice-id", "a password", iterations=100_000).keys)
    oversize = {"op": "sign", "type": "message", "body": {"padding": "x" * 2_000_000}}

    answer = answer_to(profile, json.dumps(oversize).encode() + b"\n")

    assert "at most" in json.loads(answer or b"{}").get("error", "")


# --- the agent's policy, in this process: what each operation performs and refuses ------------------------------


@pytest.fixture(scope="module")
def account():
    return create_account("alice-id", "a password", iterations=100_000)


@pytest.fixture
def holder(account):
    from imegha.agent_server import KeyHolder

    keys = account.keys
    return KeyHolder(
        {
            "userId": "alice-id",
            "dataKey": b64url_encode(keys.data_key.secret_bytes()),
            "exchangeKey": b64url_encode(keys.exchange_key.secret_bytes()),
            "identityKey": b64url_encode(keys.identity_key.secret_bytes()),
        }
    )


def test_the_holder_refuses_each_request_for_a_key(account, holder):
    import json

    for attempt, request in asking_for_a_key(account).items():
        answer = holder.answer(request)

        assert answer.get("refusal"), attempt
        assert not any(secret in json.dumps(answer).encode() for secret in secrets_of(account.keys)), attempt


def test_the_holder_opens_a_members_copy_of_a_group_key_only_as_its_own(account, holder):
    from imegha_crypto import GroupKey, group_key_context

    key = GroupKey.generate(4)
    mine, bobs = group_key_context("grp-1", "alice-id", 4), group_key_context("grp-1", "bob-id", 4)
    copy = wrap_key(key, wrapping_key=account.keys.exchange_key.public_key, context=mine)
    misdirected = wrap_key(key, wrapping_key=account.keys.exchange_key.public_key, context=bobs)

    opened = holder.answer({"op": "unwrap", "by": "RSA", "kind": "GK", "envelope": copy, "context": mine.as_json()})
    refused = holder.answer(
        {"op": "unwrap", "by": "RSA", "kind": "GK", "envelope": misdirected, "context": bobs.as_json()}
    )

    assert opened == {"secret": b64url_encode(key.secret_bytes())}
    assert "own contexts" in refused["error"]


MINE = {"owner": "alice-id", "object": "file-1", "version": 1}


@pytest.mark.parametrize(
    "request_, refusal",
    [
        ({"op": "unwrap", "by": "AK", "kind": "FEK", "envelope": {}, "context": MINE}, "Refused"),
        ({"op": "unwrap", "by": "DEK", "kind": "FEK", "envelope": [], "context": MINE}, "Refused"),
        ({"op": "sign", "type": "message", "body": {"sender": "alice-id"}}, "Refused"),
        ({"op": "sign", "type": "share", "body": "a string"}, "Refused"),
        ({"op": "wrap", "key": {"kind": "FEK", "secret": "not base64url!"}, "context": {}}, "FormatError"),
        ({"op": "wrap", "key": {"kind": "FEK", "secret": "A" * 43}, "context": {"owner": ""}}, "FormatError"),
        ({"op": "unwrap"}, "Refused"),
    ],
)
def test_the_holder_answers_a_malformed_request_with_a_reason(holder, request_, refusal):
    answer = holder.answer(request_)

    assert answer["refusal"] == refusal and answer["error"]


def test_a_refusal_reaches_the_command_as_the_crypto_layers_error(profile, account):
    from imegha.agent import AgentRefused
    from imegha_crypto import DecryptionError

    start_agent(profile, account.keys)
    held = agent_keys(profile)
    where = Context(owner="alice-id", object_id="file-1", version=3)
    wrapped = wrap_key(FileKey.generate(), wrapping_key=account.keys.data_key, context=where)

    with pytest.raises(DecryptionError):
        unwrap_key(wrapped, FileKey, unwrapping_key=held.data_key, context=Context("alice-id", "file-2", 3))
    with pytest.raises(AgentRefused, match="records the client makes"):
        sign_record(held.identity_key, "anything at all", {})
