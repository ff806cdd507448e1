"""The browser bench runs and prints its figures (at a size that takes seconds; make bench runs 64 MiB and 1 GiB)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.harness import ROOT

pytestmark = pytest.mark.xdist_group("browser")


def test_browser_bench_runs_and_prints_its_figures():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "browser_bench.py"), "--sizes-mib", "2", "--runs", "1"],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = completed.stdout.splitlines()
    for label in ("seal (stream)", "open (stream)", "raw, awaited one by one", "raw, 64 in flight"):
        assert any(line.strip().startswith(label) and "JS heap" in line and "renderer RSS" in line for line in lines)
    assert any(line.strip().startswith("stream / raw") and "target 0.8x" in line for line in lines)
