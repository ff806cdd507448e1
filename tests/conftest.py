import os
from pathlib import Path

import pytest

from tests.browser.harness import launched_chromium
from tests.handed_keys import record_hand_overs

# The local cloud's fixtures: local_cloud, platform, invocations.
pytest_plugins = ["imegha_local.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Tests run outside Lambda; X-Ray has no daemon to talk to.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(scope="session", autouse=True)
def _handed_keys_recorded():
    """What each sign-in hands its key agent, for the tests that need the raw keys (``tests.handed_keys``)."""
    with pytest.MonkeyPatch.context() as patch:
        record_hand_overs(patch)
        yield


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def chromium():
    """The test process's one headless Chromium (tests/browser/harness.py); the browser tests share it."""
    try:
        with launched_chromium() as browser:
            yield browser
    except RuntimeError as missing:
        pytest.fail(str(missing))
