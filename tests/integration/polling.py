"""Waiting for what AWS does asynchronously (event deliveries, executions), without sleeping longer than needed."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually[T](check: Callable[[], T], timeout_s: float = 10.0) -> T:
    """The first truthy result of ``check``, polled until ``timeout_s``; the last (falsy) one after that."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)
