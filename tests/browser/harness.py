"""A page in Debian's headless Chromium with the built crypto module loaded, for the browser tests and the bench.

The page is served from 127.0.0.1 (Web Crypto needs a secure context) with the module at /imegha-crypto.js and the
shared vectors under /vectors/. Playwright drives the browser and downloads none: make test installs chromium.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def missing() -> str | None:
    """Why no page can be opened here, or None."""
    if not BUNDLE.exists():
        return f"{BUNDLE.relative_to(ROOT)} is not built: make web builds it (make test and make bench do)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: make test installs Debian's chromium (apt-get install chromium)"
    return None


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, under Playwright. Playwright's sync API runs one instance per thread at a time,
    so a test process launches it once (the ``chromium`` fixture) and every browser test opens its pages in it."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: make test installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def module_page(browser: Any = None) -> Iterator[Any]:
    """A Playwright page that has loaded the module (``window.imegha``), in ``browser`` or in a Chromium of its own."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    with tempfile.TemporaryDirectory(prefix="imegha-site-") as directory:
        served = Path(directory)
        (served / "index.html").write_text(INDEX)
        (served / "imegha-crypto.js").symlink_to(BUNDLE)
        (served / "vectors").symlink_to(VECTORS)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=directory))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with contextlib.nullcontext(browser) if browser else launched_chromium() as chromium:
                page = chromium.new_page()
                page.goto(f"http://127.0.0.1:{server.server_port}/")
                page.wait_for_function("window.imegha !== undefined")
                yield page
                page.close()
        finally:
            server.shutdown()
