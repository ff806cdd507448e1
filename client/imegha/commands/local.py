"""``imegha local``: the embedded local cloud's commands, which the local cloud's own package adds.

The SDK and CLI never import that package (it needs moto and the SAM translator, a
development tool's weight). It is found as the ``imegha.local_cloud`` entry point,
a module with ``register(subparsers)`` for ``imegha local`` and ``bootstrap_account``
for ``imegha cloud connect --local``; where it is not installed, both say in one
line how to install it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
from types import ModuleType

from . import BadInput, Subparsers

ENTRY_POINT_GROUP = "imegha.local_cloud"
NOT_INSTALLED = "the local cloud is not installed: pip install 'imegha[local]' (in iMegha's source tree: make demo)"


def local_cloud() -> ModuleType | None:
    """The installed local cloud's CLI module, or None when it (or what it needs) is not installed."""
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin: ModuleType = entry_point.load()
        except ImportError:
            return None
        return plugin
    return None


def installed_local_cloud() -> ModuleType:
    plugin = local_cloud()
    if plugin is None:
        raise BadInput(NOT_INSTALLED)
    return plugin


def register(subparsers: Subparsers) -> None:
    plugin = local_cloud()
    if plugin is not None:
        plugin.register(subparsers)
        return
    local = subparsers.add_parser("local", help="the local cloud (not installed: pip install 'imegha[local]')")
    local.add_argument("words", nargs=argparse.REMAINDER, help="what the local cloud would have been asked")
    local.set_defaults(handler=lambda args: installed_local_cloud())
