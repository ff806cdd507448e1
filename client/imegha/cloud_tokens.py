"""Tokens for users' clouds: what this device shows a cloud is valid at that one cloud, for minutes.

The person's Cognito ID token goes to the platform and nowhere else. For each
cloud the device calls, its own included, it exchanges that token at the platform
(``POST /tokens``, OAuth 2.0 Token Exchange, RFC 8693) for one whose audience is
that cloud alone, and keeps it until shortly before it lapses: a cloud that logs
what it is shown holds nothing it can use at the platform or at any other cloud,
and a read of a 20-member group costs one exchange per cloud it reads, once per
token's life.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from .documents import JSONObject
from .platform_api import call_json

if TYPE_CHECKING:
    from .accounts import Account

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
# A token is exchanged again this long before it lapses, so that none lapses on its way to the cloud.
RENEWAL_MARGIN_S = 30

CloudToken = Callable[[], str]
"""A cloud's current token for this person: called before each request, exchanged again when about to lapse."""


@dataclass(frozen=True)
class _Held:
    token: str
    renew_at: float


class CloudTokens:
    """One person's tokens for users' clouds on this device, one per cloud, each exchanged when first needed.

    >>> tokens = cloud_tokens(alice)  # doctest: +SKIP
    >>> tokens.for_cloud(bob_user_id)()  # a token Bob's cloud accepts, and nothing else  # doctest: +SKIP
    """

    def __init__(self, account: Account):
        self.account = account
        self._held: dict[tuple[str, str], _Held] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def token(self, owner_id: str) -> str:
        """A token that the cloud of ``owner_id`` accepts from this person, and that nothing else accepts."""
        session = self.account.live_session()
        key = (session.user_id, owner_id)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # two readers of one cloud share one exchange; readers of others do not wait for it
            held = self._held.get(key)
            if held is None or time.monotonic() >= held.renew_at:
                held = self._held[key] = self._exchange(session.id_token, owner_id)
            return held.token

    def for_cloud(self, owner_id: str) -> CloudToken:
        return partial(self.token, owner_id)

    def _exchange(self, id_token: str, owner_id: str) -> _Held:
        asked = time.monotonic()
        issued = exchange(self.account.endpoints.platform_api_url, id_token, owner_id)
        return _Held(issued["access_token"], asked + float(issued["expires_in"]) - RENEWAL_MARGIN_S)


def exchange(platform_api_url: str, id_token: str, owner_id: str) -> JSONObject:
    """The platform's answer to one exchange (RFC 8693 §2.2): ``access_token``, valid at the cloud of ``owner_id``
    alone, for ``expires_in`` seconds. A refusal (no such cloud: ``invalid_target``) raises ``ApiError``."""
    issued = call_json(
        "POST",
        platform_api_url.rstrip("/") + "/tokens",
        id_token,
        urlencode({"grant_type": TOKEN_EXCHANGE, "audience": owner_id}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if not issued or not isinstance(issued.get("access_token"), str):
        raise ValueError("the platform's token exchange answered without a token")
    return issued


_keepers: WeakKeyDictionary[Account, CloudTokens] = WeakKeyDictionary()
_keepers_lock = threading.Lock()


def cloud_tokens(account: Account) -> CloudTokens:
    """The tokens of ``account``: one keeper per Account, so its library, sharing, chats and inbox share them."""
    with _keepers_lock:
        if account not in _keepers:
            _keepers[account] = CloudTokens(account)
        return _keepers[account]
