"""The web app in a real browser, on the local cloud: Debian's Chromium (tests/browser's launch), one context per
person, each a new browser with nothing stored; axe-core (web/node_modules, from the lock) checks each screen."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import missing
from tests.e2e.devices import Person

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


def said(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:6]}]"


# Chromium offers showSaveFilePicker, whose dialog a headless browser cannot show (the app's downloads would go
# nowhere): without it the app saves through the browser's downloads, which Playwright catches. A test that wants the
# picker puts in a stand-in of its own (``init_script``, run after this).
WITHOUT_SAVE_PICKER = "delete window.showSaveFilePicker;\n"


class Browser:
    """One person's browser: a context of its own (nothing stored from anyone else), the app open in one tab."""

    def __init__(self, chromium, url: str, name: str, screenshots: Path, init_script: str | None = None):
        self.screenshots = screenshots
        self.url = url
        self.context = chromium.new_context(viewport={"width": 1100, "height": 760}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.add_init_script(WITHOUT_SAVE_PICKER + (init_script or ""))
        self.name = name
        self.csp_reports: list[str] = []
        self.page.on("console", lambda message: self._console(message.text))
        self.page.goto(url)
        self.page.get_by_role("heading", name="Sign in").wait_for()

    def _console(self, text: str) -> None:
        if "Content Security Policy" in text:
            self.csp_reports.append(text)

    def screen(self, name: str) -> None:
        """Check the screen with axe, and keep a screenshot of it."""
        assert serious_violations(self.page) == [], f"{self.name}'s {name} screen"
        self.page.screenshot(path=str(self.screenshots / f"{name}.png"))

    def sign_in(self, person: Person, password: str | None = None) -> None:
        self.page.get_by_label("Email").fill(person.email)
        self.page.get_by_label("Password").fill(password or person.password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.get_by_text(f"Signed in as {person.imtag}").wait_for(timeout=30_000)

    def sign_up(self, person: Person, screens: str | None = None) -> list[str]:
        """Sign ``person`` up here: the 24 words shown once, three of them typed back; returns the words.
        ``screens``: check and keep the sign-up screens under that prefix."""
        page = self.page
        page.get_by_role("button", name="New here? Create an account").click()
        if screens is not None:
            self.screen(f"{screens}sign-up")
        page.get_by_label("Email").fill(person.email)
        page.get_by_label("iMTag (how people find you)").fill(person.imtag)
        page.get_by_label("Password (at least 12 characters)").fill(person.password)
        page.get_by_label("Password again").fill(person.password)
        page.get_by_role("button", name="Create account").click()
        page.get_by_label("The code we emailed you").fill("000000")  # the local cloud's Cognito takes any code
        page.get_by_role("button", name="Confirm").click()
        page.get_by_test_id("recovery-phrase").wait_for(timeout=60_000)
        phrase = page.get_by_test_id("recovery-phrase").locator("li").all_inner_texts()
        assert len(phrase) == 24
        if screens is not None:
            self.screen(f"{screens}recovery-phrase")
        page.get_by_label("I have written the 24 words down").check()
        page.get_by_role("button", name="Next").click()
        asked = page.get_by_label("Word number")
        assert asked.count() == 3
        if screens is not None:
            self.screen(f"{screens}recovery-phrase-check")
        for index in range(3):
            field = asked.nth(index)
            number = int(field.get_attribute("id").removeprefix("word-"))
            field.fill(phrase[number - 1])
        page.get_by_role("button", name="Finish").click()
        page.get_by_text(f"Signed in as {person.imtag}").wait_for()
        return phrase

    def open_screen(self, name: str) -> None:
        """One of the signed-in screens the header offers: "Conversations", "Your account", "Your cloud"."""
        self.page.get_by_role("navigation", name="Screens").get_by_role("button", name=name).click()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.get_by_role("heading", name="Sign in").wait_for()

    def conversation(self, imtag: str) -> None:
        self.page.get_by_role("button", name=imtag).first.click()
        self.page.get_by_role("heading", name=f"Conversation with {imtag}").wait_for()

    def type_and_send(self, text: str) -> float:
        box = self.page.get_by_role("textbox", name="Message")
        lines = text.split("\n")
        box.fill(lines[0])
        for line in lines[1:]:
            box.press("Shift+Enter")
            box.type(line)
        started = time.perf_counter()
        box.press("Enter")
        return started

    def shows(self, text: str, timeout_s: float = 10) -> None:
        self.page.get_by_test_id("messages").get_by_text(text, exact=True).wait_for(timeout=timeout_s * 1000)

    def close(self) -> None:
        assert self.csp_reports == [], f"{self.name}'s page broke its Content-Security-Policy"
        self.context.close()


@pytest.fixture(scope="module")
def app_url(local_cloud, platform) -> str:
    return local_cloud.web_app_url
