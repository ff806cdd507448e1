"""How fast the local cloud is: ready with the platform deployed, one user cloud, and the gateway's per-request cost.

- ``up``: from starting ``imegha local up`` (a new process, as a person runs it) until it prints that it is ready,
  with the platform deployed from template.yaml, the first time in a home and again (the SAM transform's output is
  kept in the home); target under 5 s.
- ``user cloud``: deploying one user's cloud (a fresh account, the bootstrap stack, then user-cloud.yaml and its
  nested stacks through the deployment role), median of a few; target under 3 s.
- the local gateway against a direct handler call (see ``gateway_overhead.py``).

``python bench/local_bench.py [user clouds] [requests]``
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gateway_overhead import measure as measure_gateway

from imegha_local.cloud import LocalCloud


def time_ups(count: int) -> list[float]:
    """``imegha local up`` ``count`` times in one home: the first translates the templates, the rest reuse that."""
    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as home:
        return [time_up(home) for _ in range(count)]


def time_up(home: str) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "imegha.cli", "local", "up", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "IMEGHA_HOME": home},
    )
    try:
        ready = _first_document(process.stdout)
        elapsed = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    if "platform_api_url" not in ready:
        raise RuntimeError(f"imegha local up did not say it was ready: {ready}")
    return elapsed


def _first_document(lines) -> dict:
    text = ""
    for line in lines:
        text += line
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    raise RuntimeError(f"imegha local up stopped before it was ready: {text!r}")


def time_user_clouds(count: int) -> list[float]:
    timings = []
    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as home, LocalCloud(0, home=Path(home)) as cloud:
        cloud.deploy_platform()
        for index in range(count):
            started = time.perf_counter()
            cloud.deploy_user_cloud(owner=f"bench-user-{index}")
            timings.append(time.perf_counter() - started)
    return timings


if __name__ == "__main__":
    user_clouds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    first, *again = time_ups(3)
    print(
        f"imegha local up, ready with the platform: {first:6.2f} s the first time, {statistics.median(again):.2f} s "
        "after (templates already translated)   (target < 5 s)"
    )
    timings = time_user_clouds(user_clouds)
    print(
        f"one user cloud, median of {user_clouds}:     {statistics.median(timings):6.2f} s   (target < 3 s; "
        f"first {timings[0]:.2f} s, slowest {max(timings):.2f} s)"
    )
    gateway = measure_gateway(requests)
    print(
        f"local gateway, median of {requests} requests: direct handler {gateway['direct']:.3f} ms, "
        f"through the gateway {gateway['gateway']:.3f} ms, overhead {gateway['overhead']:.3f} ms"
    )
