"""`make demo`: iMegha's story, told with the real code on the embedded local cloud.

Each chapter shows what a person sees beside what the platform and AWS hold:
``python -m imegha_local.demo`` tells them all; these helpers tell them alike.
"""

from __future__ import annotations

import textwrap
import time

RULE = "─" * 78


def heading(title: str) -> None:
    print(f"\n{RULE}\n{title}\n{RULE}")


def side_by_side(left_title: str, left: str, right_title: str, right: str, width: int = 38) -> None:
    left_lines = textwrap.wrap(left, width) or [""]
    right_lines = textwrap.wrap(right, width) or [""]
    print(f"  {left_title:<{width}}  │ {right_title}")
    print(f"  {'':─<{width}}  │ {'':─<{width}}")
    for index in range(max(len(left_lines), len(right_lines))):
        a = left_lines[index] if index < len(left_lines) else ""
        b = right_lines[index] if index < len(right_lines) else ""
        print(f"  {a:<{width}}  │ {b}")


def eventually(read, timeout_s: float = 10):
    """The first truthy result of ``read``, polled until ``timeout_s``: what the platform does by events takes a moment."""
    deadline = time.monotonic() + timeout_s
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found
