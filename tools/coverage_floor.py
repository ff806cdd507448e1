"""Coverage per package, and a floor under each that only moves up.

Reads the JSON report `make test` writes (pytest-cov, Lambda workers and CLI
subprocesses included), prints each package's figure and fails when one falls
below its floor in pyproject.toml ([tool.imegha.coverage-floor]). A figure two
points above its floor is printed with the floor to raise it to: raise it in the
same commit, so the floor never stays behind what the tests reach.
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def figures(report: dict, packages: list[str]) -> dict[str, tuple[int, int]]:
    """Covered and total statements of each package, a file counted in the longest package path that holds it."""
    totals = {package: (0, 0) for package in packages}
    for path, file in report["files"].items():
        package = max((p for p in packages if path.startswith(p + "/")), key=len, default=None)
        if package is not None:
            covered, statements = totals[package]
            totals[package] = (
                covered + file["summary"]["covered_lines"],
                statements + file["summary"]["num_statements"],
            )
    return totals


def main(report_path: str) -> int:
    floors: dict[str, float] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["imegha"]["coverage-floor"]
    measured = figures(json.loads(Path(report_path).read_text()), list(floors))
    below = []
    print(f"{'package':34} {'covered':>9}  floor")
    for package, (covered, statements) in measured.items():
        percent = 100 * covered / statements if statements else 0.0
        note = ""
        if percent < floors[package]:
            below.append(package)
            note = "  BELOW THE FLOOR"
        elif percent >= floors[package] + 2:
            note = f"  raise the floor to {math.floor(percent) - 1}"
        print(f"{package:34} {percent:8.1f}%  {floors[package]:5.1f}{note}  ({covered}/{statements} statements)")
    if below:
        print(f"coverage fell below the floor in: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
