"""The web app in a real browser, on the local cloud: Debian's Chromium (tests/browser's launch), one context per
person, each a new browser with nothing stored; axe-core (web/node_modules, from the lock) checks each screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import missing

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "web" / "dist" / "app" / "app.js"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module", autouse=True)
def _app_built() -> None:
    """The tests use the session's Chromium (tests/conftest.py's ``chromium``) on the built app."""
    reason = missing() or (None if APP.exists() else f"{APP.relative_to(ROOT)} is not built: make web builds it")
    if reason:
        pytest.fail(reason)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where each screen's screenshot goes: a temporary directory, or $IMEGHA_SCREENSHOTS (docs/screenshots to
    refresh the README's)."""
    chosen = os.environ.get("IMEGHA_SCREENSHOTS")
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def serious_violations(page: Any) -> list[str]:
    """What axe-core finds serious or critical on the page as it is now. The test brings axe itself, through the
    DevTools protocol: a script tag would be refused by the app's own CSP (script-src 'self'), which the tests keep."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {[node['target'] for node in violation['nodes']]}"
        for violation in found
        if violation["impact"] in ("serious", "critical")
    ]
