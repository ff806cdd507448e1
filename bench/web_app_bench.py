"""The web app on the local cloud, measured in Chromium: how soon a message sent in one browser shows on the other
person's screen, and how large the built app is.

- ``send → screen``: from pressing Enter in Alice's browser until the text is on Bob's (and back), each browser
  following its inbox as the app does (a poll every 0.7 s, then the sender's new messages from their cloud),
  median and p95 over ``messages`` (default 40) sent alternately.
- the built app (``web/dist/app``, ``make web``): each file's size, raw and gzipped (level 9), and the total.

``python bench/web_app_bench.py [messages]``. The local cloud's timings are those of moto and a local Lambda
runtime, not of AWS.
"""

from __future__ import annotations

import gzip
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # sign-ins are not what is measured here
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imegha.chat import Chat  # noqa: E402 - after the setting above, which the SDK reads at import
from imegha_local.people import connect_everyone, give_cloud, platform_of_its_own, sign_up  # noqa: E402
from tests.browser.harness import launched_chromium  # noqa: E402

BUILD = Path(__file__).resolve().parents[1] / "web" / "dist" / "app"
PASSWORD = "a long password for the bench"


def app_size() -> None:
    total_raw = total_gz = 0
    for path in sorted(BUILD.iterdir()):
        raw = path.read_bytes()
        zipped = len(gzip.compress(raw, 9))
        total_raw, total_gz = total_raw + len(raw), total_gz + zipped
        print(f"  {path.name:<12} {len(raw) / 1024:7.1f} KiB   gzipped {zipped / 1024:6.1f} KiB")
    print(f"  {'the app':<12} {total_raw / 1024:7.1f} KiB   gzipped {total_gz / 1024:6.1f} KiB")


def signed_in(browser, url: str, imtag: str, peer: str):
    page = browser.new_context().new_page()
    page.goto(url)
    page.get_by_label("Email").fill(f"{imtag.lower()}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=peer, exact=True).click(timeout=60_000)
    page.get_by_role("heading", name=f"Conversation with {peer}").wait_for()
    return page


def send_to_screen(messages: int) -> list[float]:
    with platform_of_its_own("imegha-web-bench-", {"DoorbellRatePerMinute": "10000"}) as (cloud, endpoints, _):
        people = {name: give_cloud(cloud, sign_up(endpoints, name, PASSWORD)) for name in ("Alice", "Bob")}
        connect_everyone(people)
        Chat(people["Alice"].account).send("Bob", "hello")  # the conversation and its key exist before timing
        with launched_chromium() as browser:
            pages = {"Alice": signed_in(browser, cloud.web_app_url, "Alice", "Bob")}
            pages["Bob"] = signed_in(browser, cloud.web_app_url, "Bob", "Alice")
            latencies = []
            for turn in range(messages):
                sender, recipient = ("Alice", "Bob") if turn % 2 == 0 else ("Bob", "Alice")
                text = f"message {turn} [{uuid.uuid4().hex[:8]}]"
                box = pages[sender].get_by_role("textbox", name="Message")
                box.fill(text)
                started = time.perf_counter()
                box.press("Enter")
                pages[recipient].get_by_test_id("messages").get_by_text(text, exact=True).wait_for(timeout=10_000)
                latencies.append(time.perf_counter() - started)
        for person in people.values():
            person.account.log_out()
    return latencies


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    print("The built web app (web/dist/app):")
    app_size()
    latencies = sorted(send_to_screen(messages))
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(f"send → the other person's screen, {messages} messages in Chromium on the local cloud:")
    print(
        f"  median {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms"
        f"   min {latencies[0] * 1000:.0f} ms   max {latencies[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
