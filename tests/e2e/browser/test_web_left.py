"""A connection who deletes their account, as the browser shows it: Gus, in his browser, sees that Hal (at a
terminal) left, on the day he did, and Hal is no longer among the people he can write to."""

from __future__ import annotations

import time

import pytest

from tests.e2e.browser.conftest import Browser

pytestmark = pytest.mark.xdist_group("browser")


def test_a_connection_who_deleted_their_account_is_shown_as_gone(chromium, app_url, screenshots, person):
    gus, hal = person("Gus").with_cloud(), person("Hal")
    gus.connected_with(hal)
    at_gus = Browser(chromium, app_url, "Gus", screenshots)
    at_gus.sign_in(gus)
    at_gus.page.get_by_role("button", name="Hal", exact=True).wait_for(timeout=20_000)

    assert hal.device.imegha("account", "delete", "--confirm", "Hal").status == 0
    at_gus.page.reload()

    today = time.strftime("%Y-%m-%d", time.gmtime())
    at_gus.page.get_by_text(f"Hal deleted their account on {today}").wait_for(timeout=30_000)
    assert at_gus.page.get_by_role("button", name="Hal", exact=True).count() == 0
    at_gus.screen("a-connection-left")
    at_gus.close()
