"""The keys each sign-in of this test process handed its profile's key agent, which never gives them back.

For the tests that need the raw keys a person's device holds: to scan what the platform or a cloud stored for them,
or to forge what only their holder could sign. ``tests/conftest.py`` records every hand-over.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from imegha.agent import StartingAgent
from imegha.profile import Profile
from imegha_crypto import AccountKeys

_HANDED: dict[Path, AccountKeys] = {}


def record_hand_overs(patch: pytest.MonkeyPatch) -> None:
    original = StartingAgent.hand_over

    def hand_over(agent: StartingAgent, keys: AccountKeys, user_id: str) -> None:
        original(agent, keys, user_id)
        _HANDED[agent.profile.agent_socket] = keys

    patch.setattr(StartingAgent, "hand_over", hand_over)


def handed_keys(profile: Profile) -> AccountKeys:
    """The keys the last sign-in of ``profile`` (in this process) handed its agent."""
    return _HANDED[profile.agent_socket]
