"""iMegha's Python SDK (and the `imegha` CLI): all crypto happens here, on the device.

A program that embeds iMegha needs these names, and imports them from here::

    from imegha import Account, Endpoints, Library, Profile, Sharing

An :class:`Account` is one person signed in, in a :class:`Profile` of this
machine, on the platform :class:`Endpoints` name. Around it: their
:class:`Library` of files and its :class:`Sharing`, their :class:`Chat` and
:class:`Groups` (and :class:`Inbox`), the :class:`Peer` each lookup checked
against its pin, and the :class:`PersonalCloud` that keeps it all in their own
AWS account; :class:`SecondFactor` turns their two-step sign-in on and off.
What a caller catches: :class:`AccountError`, :class:`FilesError`,
:class:`ChatError` and :class:`UntrustedPeer` (a refusal to show the person),
:class:`ApiError` (a server said no), :class:`Unreachable` (no server answered)
and :class:`EndpointsNotFound` (no platform configured).

Importing ``imegha`` alone loads nothing more: each name is imported when first
used. The key agent starts from this package on every sign-in and needs the
standard library only; it must not wait for the crypto layer and boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .accounts import Account, AccountError
    from .chat import Chat, ChatError, Line
    from .endpoints import Endpoints, EndpointsNotFound, Unreachable
    from .group_chat import Groups
    from .inbox import Inbox
    from .library import Collection, FilesError, Library, StoredFile
    from .mfa import SecondFactor
    from .personal_cloud import PersonalCloud
    from .platform_api import ApiError
    from .profile import Profile
    from .sharing import ReceivedShare, Sharing
    from .trust import Peer, UntrustedPeer

__all__ = [
    "Account",
    "SecondFactor",
    "Endpoints",
    "Profile",
    "PersonalCloud",
    "Library",
    "StoredFile",
    "Collection",
    "Sharing",
    "ReceivedShare",
    "Chat",
    "Line",
    "Groups",
    "Inbox",
    "Peer",
    "AccountError",
    "FilesError",
    "ChatError",
    "UntrustedPeer",
    "ApiError",
    "Unreachable",
    "EndpointsNotFound",
]

# The module each name of __all__ comes from (a test checks the two agree).
_HOMES = {
    "Account": "accounts",
    "AccountError": "accounts",
    "SecondFactor": "mfa",
    "Endpoints": "endpoints",
    "EndpointsNotFound": "endpoints",
    "Unreachable": "endpoints",
    "Profile": "profile",
    "PersonalCloud": "personal_cloud",
    "Library": "library",
    "StoredFile": "library",
    "Collection": "library",
    "FilesError": "library",
    "Sharing": "sharing",
    "ReceivedShare": "sharing",
    "Chat": "chat",
    "Line": "chat",
    "ChatError": "chat",
    "Groups": "group_chat",
    "Inbox": "inbox",
    "Peer": "trust",
    "UntrustedPeer": "trust",
    "ApiError": "platform_api",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
