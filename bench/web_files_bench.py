"""A 50 MiB file in the web app on the local cloud, measured in Chromium: upload and download MiB/s, sealed in the
browser as the app does it, against the very same bytes sent and fetched without sealing.

- ``sealed upload``: from choosing the file until the bucket took its last part (the app's progress bar at 1): read
  from the ``File``, sealed in the tab (Cobblestone-256, Web Crypto), cut into the upload's 8 MiB parts, four in
  flight through presigned part URLs. The commit that follows (one call to the cloud) is not counted.
- ``plain upload``: the same 50 MiB, already in the page's memory, PUT unsealed through presigned part URLs of an
  upload of the same plan (8 MiB parts, four in flight) from the same page; the upload is then given up.
- ``sealed download``: from clicking "Download" until the browser is handed the opened file: the presigned GET of the
  sealed object, opened chunk by chunk in the tab as it streams.
- ``plain download``: the same sealed object fetched through its presigned URL into the page's memory, not opened.

``python bench/web_files_bench.py [rounds]`` (default 3; the median of each is printed, with every round). The local
cloud's S3 is moto in this process's machine, not AWS: the figures compare sealing with not sealing on one machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # sign-ins are not what is measured here
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imegha.library import Library, new_id  # noqa: E402 - after the setting above, which the SDK reads at import
from imegha_crypto import sealed_file_size  # noqa: E402
from imegha_local.people import give_cloud, platform_of_its_own, sign_up  # noqa: E402
from tests.browser.harness import launched_chromium  # noqa: E402

MIB = 1024 * 1024
SIZE = 50 * MIB
PASSWORD = "a long password for the bench"

# The same multipart plan the app uses (four parts in flight), for bytes already in the page, not sealed.
PLAIN_UPLOAD = """async ([urls, size, partSize]) => {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  const started = performance.now();
  const numbers = Object.keys(urls).map(Number).sort((a, b) => a - b);
  let next = 0;
  const worker = async () => {
    while (next < numbers.length) {
      const number = numbers[next++];
      const part = bytes.subarray((number - 1) * partSize, Math.min(size, number * partSize));
      const response = await fetch(urls[number], { method: "PUT", body: part, credentials: "omit" });
      if (!response.ok) throw new Error(`part ${number}: ${response.status}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return (performance.now() - started) / 1000;
}"""
PLAIN_DOWNLOAD = """async (url) => {
  const started = performance.now();
  const response = await fetch(url, { credentials: "omit" });
  const got = (await response.arrayBuffer()).byteLength;
  return [(performance.now() - started) / 1000, got];
}"""


def signed_in(browser, url: str):
    page = browser.new_context(accept_downloads=True).new_page()
    # Without Chromium's save picker (whose dialog headless cannot show) the app saves through the downloads.
    page.add_init_script("delete window.showSaveFilePicker;")
    page.goto(url)
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as Alice").wait_for(timeout=60_000)
    page.get_by_role("button", name="Files", exact=True).click()
    page.get_by_role("heading", name="Your files", exact=True).wait_for(timeout=60_000)
    return page


def sealed_upload(page, path: Path) -> float:
    started = time.perf_counter()
    page.get_by_label("Choose files to upload (sealed in this browser first)").set_input_files(str(path))
    bar = page.get_by_label(f"Uploading {path.name}")
    while bar.evaluate("bar => bar.value") < 1:
        if page.get_by_role("alert").filter(has_text="went wrong").count():
            raise RuntimeError(page.get_by_role("alert").inner_text())
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    page.get_by_test_id("files").get_by_text(path.name, exact=True).wait_for(timeout=120_000)
    return elapsed


def sealed_download(page, name: str) -> float:
    started = time.perf_counter()
    with page.expect_download(timeout=300_000) as download:
        page.get_by_role("button", name=f"Download {name}", exact=True).click()
    elapsed = time.perf_counter() - started
    download.value.cancel()
    return elapsed


def measure(rounds: int) -> dict[str, list[float]]:
    seconds: dict[str, list[float]] = {
        "sealed upload": [],
        "plain upload": [],
        "sealed download": [],
        "plain download": [],
    }
    with (
        platform_of_its_own("imegha-web-files-bench-") as (cloud, endpoints, _),
        tempfile.TemporaryDirectory() as scratch,
    ):
        alice = give_cloud(cloud, sign_up(endpoints, "Alice", PASSWORD))
        library = Library(alice.account)
        with launched_chromium() as browser:
            page = signed_in(browser, cloud.web_app_url)
            for round_number in range(rounds):
                path = Path(scratch) / f"round-{round_number}.bin"
                path.write_bytes(os.urandom(SIZE))
                seconds["sealed upload"].append(sealed_upload(page, path))
                seconds["sealed download"].append(sealed_download(page, path.name))

                started = library.api.start_upload(new_id(), 1, sealed_file_size(SIZE))
                urls = started["partUrls"]
                seconds["plain upload"].append(page.evaluate(PLAIN_UPLOAD, [urls, SIZE, started["partSize"]]))
                library.api.abort_upload(started["fileId"], started["uploadId"])

                stored = library.find(path.name)
                fetched, size = page.evaluate(PLAIN_DOWNLOAD, library.api.download(stored.file_id)["url"])
                assert size == sealed_file_size(SIZE)
                seconds["plain download"].append(fetched)
                path.unlink()
        alice.account.log_out()
    return seconds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    seconds = measure(rounds)
    print(f"A {SIZE // MIB} MiB file in Chromium on the local cloud, {rounds} rounds (MiB/s, median; each round):")
    for what, taken in seconds.items():
        rates = [SIZE / MIB / elapsed for elapsed in taken]
        print(f"  {what:<16} {statistics.median(rates):7.1f} MiB/s   ({', '.join(f'{rate:.1f}' for rate in rates)})")


if __name__ == "__main__":
    main()
