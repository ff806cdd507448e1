"""The fuzzer's profiles and its summary.

``make test`` runs every route with the ``fuzz-ci`` profile: a few examples each, derandomized, so that the run
is the same on every machine and fits its time. ``make fuzz`` sets ``IMEGHA_FUZZ_PROFILE=fuzz`` (hundreds of
examples a route, a new random run each time) and ``IMEGHA_FUZZ_STATS`` to a file where each example is recorded
as one JSON line, which the summary at the end counts: routes, examples, answers by status, failures.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, settings

from tests.fuzz.world import world  # noqa: F401 - the fixture, for the tests here

SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "fuzz-ci", max_examples=6, derandomize=True, deadline=None, database=None, suppress_health_check=SLOW_IS_FINE
)
settings.register_profile("fuzz", max_examples=500, deadline=None, suppress_health_check=SLOW_IS_FINE)
PROFILE = os.environ.get("IMEGHA_FUZZ_PROFILE", "fuzz-ci")
STATS = os.environ.get("IMEGHA_FUZZ_STATS")


def record(route: str, status: int | None, failure: str | None = None) -> None:
    """One example's outcome, for the summary (only when ``IMEGHA_FUZZ_STATS`` names a file)."""
    if STATS:
        with open(STATS, "a") as stats:
            stats.write(json.dumps({"route": route, "status": status, "failure": failure}) + "\n")


def pytest_terminal_summary(terminalreporter) -> None:
    if not STATS or not Path(STATS).exists():
        return
    lines = [json.loads(line) for line in Path(STATS).read_text().splitlines()]
    by_route: dict[str, Counter] = defaultdict(Counter)
    failures = Counter(line["failure"].split(":")[0] + f" ({line['route']})" for line in lines if line["failure"])
    for line in lines:
        by_route[line["route"]][str(line["status"] // 100) + "xx" if line["status"] else "no answer"] += 1
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzz summary (profile {PROFILE})")
    for route, statuses in sorted(by_route.items()):
        write(f"{sum(statuses.values()):6}  {route}  " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    write(f"{len(by_route)} routes, {len(lines)} examples, {sum(failures.values())} failing examples")
    for failure, count in failures.most_common():
        write(f"  {count} x {failure}")
