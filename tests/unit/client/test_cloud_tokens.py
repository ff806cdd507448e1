"""The device's tokens for users' clouds: the Cognito token goes to the platform's token exchange only; each cloud's
token is exchanged once and reused until 30 seconds before it lapses, per person signed in; readers of one cloud at
once share one exchange."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from imegha import cloud_tokens as module
from imegha.cloud_tokens import TOKEN_EXCHANGE, cloud_tokens

PLATFORM = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"


class Device:
    """An Account as the token keeper sees it: who is signed in, and where the platform is."""

    def __init__(self, user_id: str):
        self.user_id = user_id
        self.endpoints = SimpleNamespace(platform_api_url=PLATFORM)

    def live_session(self):
        return SimpleNamespace(user_id=self.user_id, id_token=f"cognito-token-of-{self.user_id}")


@pytest.fixture
def platform(monkeypatch):
    """The platform's token exchange, recording each request; each token says who asked, for whom, and which one."""
    asked: list[dict] = []
    clock = {"now": 1000.0}

    def exchange(method, url, authorization, body, headers=None):
        form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
        asked.append({"method": method, "url": url, "authorization": authorization, "form": form, "headers": headers})
        time.sleep(0.01)  # long enough for readers who ask at once to overlap
        return {"access_token": f"{authorization}->{form['audience']}#{len(asked)}", "expires_in": 300}

    monkeypatch.setattr(module, "call_json", exchange)
    monkeypatch.setattr(module.time, "monotonic", lambda: clock["now"])
    return SimpleNamespace(asked=asked, clock=clock)


def test_each_cloud_costs_one_exchange_at_the_platform_however_often_it_is_read(platform):
    tokens = cloud_tokens(Device("alice"))

    read = [tokens.token(owner) for owner in ("bob", "carol", "bob", "alice", "bob", "carol")]

    assert read == [
        "cognito-token-of-alice->bob#1",
        "cognito-token-of-alice->carol#2",
        "cognito-token-of-alice->bob#1",
        "cognito-token-of-alice->alice#3",
        "cognito-token-of-alice->bob#1",
        "cognito-token-of-alice->carol#2",
    ]
    assert {(request["method"], request["url"]) for request in platform.asked} == {("POST", f"{PLATFORM}/tokens")}
    assert [request["form"] for request in platform.asked] == [
        {"grant_type": TOKEN_EXCHANGE, "audience": owner} for owner in ("bob", "carol", "alice")
    ]
    assert platform.asked[0]["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_token_is_exchanged_again_thirty_seconds_before_it_lapses(platform):
    token = cloud_tokens(Device("alice")).for_cloud("bob")

    first = token()
    platform.clock["now"] += 269
    kept = token()
    platform.clock["now"] += 1
    renewed = token()

    assert first == kept != renewed and len(platform.asked) == 2


def test_the_same_account_with_another_person_signed_in_gets_tokens_of_their_own(platform):
    device = Device("alice")
    tokens = cloud_tokens(device)

    alices = tokens.token("carol")
    device.user_id = "bob"  # Alice logged out, Bob logged in on the same Account object

    assert tokens.token("carol") == "cognito-token-of-bob->carol#2" != alices
    assert cloud_tokens(device) is tokens


def test_readers_of_one_cloud_at_once_share_one_exchange(platform):
    tokens = cloud_tokens(Device("alice"))
    read: list[str] = []
    readers = [threading.Thread(target=lambda: read.append(tokens.token("bob"))) for _ in range(8)]

    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()

    assert read == ["cognito-token-of-alice->bob#1"] * 8 and len(platform.asked) == 1
