"""What every shim and provider shares: the local cloud active in this process, and how a shim patches moto.

A shim's patch acts only while a local cloud is active (:func:`activate`), so
that moto used directly (``mock_aws`` in unit tests) keeps its own behaviour;
:func:`active` gives the running cloud's runtime, gateway and endpoint, and
:class:`LocalCloudUnsupported` says what the local cloud cannot do.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imegha_local.runtime import LambdaRuntime

PARTITION = "aws"


class LocalCloudUnsupported(Exception):
    """A template or request asks for something the local cloud cannot do; the message says what and why."""


@dataclass
class Hooks:
    """What the shims and providers reach in the running local cloud."""

    endpoint_url: str
    runtime: LambdaRuntime
    gateway: Any  # imegha_local.gateway.LocalGateway
    code_cache: Path
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8, "imegha-async"))
    # Each API stage's AWS invoke URL -> the local gateway's base URL for it.
    api_urls: dict[str, str] = field(default_factory=dict)


_hooks: Hooks | None = None


def activate(hooks: Hooks) -> None:
    global _hooks
    _hooks = hooks


def deactivate() -> None:
    global _hooks
    if _hooks is not None:
        _hooks.executor.shutdown(wait=False, cancel_futures=True)
    _hooks = None


def is_active() -> bool:
    """Whether a local cloud is running in this process (else moto is plain moto)."""
    return _hooks is not None


def active() -> Hooks:
    if _hooks is None:
        raise LocalCloudUnsupported("no local cloud is running in this process")
    return _hooks


def patch(owner: Any, name: str) -> Callable[[Callable], Callable]:
    """Replace ``owner.name`` by the decorated function, which receives the original first.

    The replacement acts only while a local cloud is active in the process, so
    that moto used directly (``mock_aws`` in unit tests) keeps its own behaviour.
    """

    def decorate(replacement: Callable) -> Callable:
        original = getattr(owner, name)

        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            if _hooks is None:
                return original(*args, **kwargs)
            return replacement(original, *args, **kwargs)

        setattr(owner, name, patched)
        return patched

    return decorate


def now() -> dt.datetime:
    """The clock against which presigned URLs and cached role sessions lapse (tests move it forward)."""
    return dt.datetime.now(dt.UTC)
