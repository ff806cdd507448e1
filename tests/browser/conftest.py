"""The browser the browser tests run in: Debian's Chromium, headless, driven by Playwright, on a page that has loaded
the built module (web/dist/imegha-crypto.js) and can fetch the shared vectors (tests/vectors).

One browser and one page serve the whole session (make test installs chromium from apt; Playwright downloads no
browser). ``Page.run(body, **args)`` runs ``body`` as an async function of ``m`` (the module), ``args`` and
``state`` (an object that keeps CryptoKeys between calls) and returns its result, or raises ``BrowserError`` with
the name of the error the page threw (``DecryptionError``, ``FormatError``, …).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "web" / "dist" / "imegha-crypto.js"
VECTORS = ROOT / "tests" / "vectors"
CHROMIUM = Path(os.environ.get("IMEGHA_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium reaches out at start, which a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INDEX = """<!doctype html><meta charset="utf-8"><title>imegha-crypto</title>
<script type="module">
  window.imegha = await import("/imegha-crypto.js");
  window.state = {};
</script>"""

# An async function of the module, the arguments and the state; errors come back by name, not as exceptions.
_RUN = """async ([body, args]) => {
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  try {
    const result = await new AsyncFunction("m", "args", "state", body)(window.imegha, args, window.state);
    return { ok: result === undefined ? null : result };
  } catch (error) {
    return { error: String(error && error.name), message: String(error && error.message) };
  }
}"""


class BrowserError(Exception):
    """What the page threw: ``name`` is the error's name (``DecryptionError``, ``TypeError``, …)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class Page:
    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url

    def run(self, body: str, **args: Any) -> Any:
        outcome = self.page.evaluate(_RUN, [body, args])
        if "error" in outcome:
            raise BrowserError(outcome["error"], outcome["message"])
        return outcome["ok"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def launch_chromium(playwright: Any) -> Any:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs Debian's chromium (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local server for the page, the built module and the vectors (Web Crypto needs a secure context)."""
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE.relative_to(ROOT)} is not built: make web builds it (make test does)")
    served = tmp_path_factory.mktemp("site")
    (served / "index.html").write_text(INDEX)
    (served / "imegha-crypto.js").symlink_to(BUNDLE)
    (served / "vectors").symlink_to(VECTORS)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(site: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        page = chromium.new_page()
        page.goto(site)
        page.wait_for_function("window.imegha !== undefined")
        yield Page(page, site)
        chromium.close()
