"""Files in the web app, as two people use them in two browsers (headless Chromium) on the local cloud, beside
their terminals.

Alice drops files into her browser and picks a 50 MiB one: each is sealed in the tab and sent to her own bucket,
with a progress bar each. She makes a folder and an album, shares the large file with Bob; Bob opens it from
"Shared with me" in his browser and the bytes he saves are hers. She revokes the share: the very button Bob still
has is refused, and the share is gone from his list. She shares a file, revokes it and seals it again (version 2,
the old version listed as no longer kept), deletes a file after saying yes, shares a folder Bob opens both in the
browser and at his terminal, and a file she shares from her terminal opens in Bob's browser. The audit log shows
every upload, share, download and revoke, verified in the browser, which signs its head as a checkpoint the CLI
then holds the log to. Every table, queue, log and bucket of the platform and both clouds is read for the files'
contents and names: none is there. When her cloud's table is edited, her browser says the log does not verify.
axe-core finds nothing serious on any screen. Where the browser offers a save picker (a stand-in here), a download
goes into the picked file as it streams, and one whose bytes were altered in the bucket is aborted, never closed.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import pytest

from imegha.library import Library
from imegha.platform_api import ApiError
from imegha_local.people import everything_held
from tests.e2e.browser.conftest import Browser
from tests.e2e.devices import Person
from tests.integration.files_world import stored_everywhere
from tests.integration.polling import eventually

pytestmark = pytest.mark.xdist_group("browser")

MIB = 1024 * 1024
LARGE = 50 * MIB


def marked(label: str) -> bytes:
    """A few bytes only this file holds, to look for in everything the clouds store."""
    return f"{label} {uuid.uuid4().hex}".encode()


@pytest.fixture(scope="module")
def people(alice: Person, bob: Person) -> tuple[Person, Person]:
    alice.with_cloud()
    bob.with_cloud()
    alice.connected_with(bob)
    return alice, bob


@pytest.fixture(scope="module")
def browsers(chromium, app_url, screenshots, people):
    alice, bob = people
    at_alice = Browser(chromium, app_url, "Alice", screenshots)
    at_alice.sign_in(alice)
    at_bob = Browser(chromium, app_url, "Bob", screenshots)
    at_bob.sign_in(bob)
    yield at_alice, at_bob
    for browser in (at_alice, at_bob):
        browser.close()


def open_files(browser: Browser, view: str = "Your files") -> None:
    page = browser.page
    page.get_by_role("button", name="Files", exact=True).click()
    page.get_by_role("heading", name="Your files", exact=True).wait_for(timeout=30_000)
    if view != "Your files":
        page.get_by_role("button", name=view, exact=True).click()
        page.get_by_role("heading", name=view, exact=True).wait_for()


def listed(browser: Browser, name: str, test_id: str = "files", timeout_s: float = 60) -> None:
    browser.page.get_by_test_id(test_id).get_by_text(name, exact=True).wait_for(timeout=timeout_s * 1000)


def downloaded(browser: Browser, button: str) -> bytes:
    with browser.page.expect_download(timeout=120_000) as download:
        browser.page.get_by_role("button", name=button, exact=True).click()
    return Path(download.value.path()).read_bytes()


def share_with(browser: Browser, name: str, imtag: str) -> None:
    page = browser.page
    page.get_by_role("button", name=f"Share {name}", exact=True).click()
    page.get_by_role("heading", name=f"Share {name}", exact=True).wait_for()
    page.get_by_label("Share with", exact=True).select_option(imtag)
    page.get_by_role("button", name="Share", exact=True).click()
    page.get_by_text(f"{name} is shared with {imtag}.").wait_for(timeout=30_000)
    page.get_by_test_id("shares").get_by_text(f"{imtag}, since", exact=False).wait_for()


def test_two_people_share_a_50_mib_file_in_their_browsers_revoke_it_and_read_the_audit_log_and_nothing_is_held(
    browsers, people, tmp_path, local_cloud, screenshots
):
    alice, bob = people
    at_alice, at_bob = browsers
    page = at_alice.page
    contents: list[bytes] = []
    open_files(at_alice)

    # Two files dropped onto the page, each with its own progress bar.
    dropped = {"visit.txt": marked("Visit notes: blood pressure 128/82"), "plan.txt": marked("Care plan")}
    contents += dropped.values()
    transfer = page.evaluate_handle(
        """files => {
            const data = new DataTransfer();
            for (const [name, text] of files) data.items.add(new File([text], name, { type: "text/plain" }));
            return data;
        }""",
        [[name, text.decode()] for name, text in dropped.items()],
    )
    page.get_by_test_id("dropzone").dispatch_event("drop", {"dataTransfer": transfer})
    for name in dropped:
        listed(at_alice, name)
        assert page.get_by_label(f"Uploading {name}").evaluate("bar => bar.value") == 1

    # The large file, chosen: sealed as it streams from the File into her bucket (seven 8 MiB parts).
    large = tmp_path / "case.bin"
    large_marker = marked("Alice's case file")
    contents.append(large_marker)
    large.write_bytes(large_marker + os.urandom(LARGE - len(large_marker)))
    page.get_by_label("Choose files to upload (sealed in this browser first)").set_input_files(str(large))
    listed(at_alice, "case.bin", timeout_s=300)
    assert page.get_by_label("Uploading case.bin").evaluate("bar => bar.value") == 1

    # A folder, with a file uploaded into it; an album holding one of her files.
    page.get_by_label("New folder's name").fill("Referrals")
    page.get_by_role("button", name="Create folder").click()
    page.get_by_role("button", name="Open Referrals").click()
    page.get_by_role("heading", name="Folder Referrals").wait_for()
    referral = tmp_path / "referral.txt"
    referral_marker = marked("Referral to cardiology")
    contents.append(referral_marker)
    referral.write_bytes(referral_marker)
    page.get_by_label("Choose files to upload (sealed in this browser first)").set_input_files(str(referral))
    listed(at_alice, "referral.txt")
    page.get_by_role("button", name="Back to all your files").click()
    page.get_by_label("New album's name").fill("Holiday scans")
    page.get_by_role("button", name="Create album").click()
    page.get_by_role("button", name="Open Holiday scans").wait_for()
    page.get_by_role("button", name="Add plan.txt to the album").click()
    page.get_by_text("plan.txt is in Holiday scans.").wait_for()
    folders = alice.device.imegha("folders", "ls").json["folders"]
    assert [folder["name"] for folder in folders] == ["Referrals"]
    in_folder = alice.device.imegha("files", "ls", "--folder", "Referrals").json["files"]
    assert [file["name"] for file in in_folder] == ["referral.txt"]
    at_alice.screen("files")

    # Alice shares the large file with Bob; he opens it from "Shared with me", and the bytes are hers.
    share_with(at_alice, "case.bin", "Bob")
    at_alice.screen("share")
    open_files(at_bob, "Shared with me")
    listed(at_bob, "case.bin", test_id="shared")
    at_bob.screen("shared")
    assert downloaded(at_bob, "Download case.bin") == large.read_bytes()

    # She revokes it: the button Bob still has is refused, and his list no longer has it.
    page.get_by_role("button", name="Revoke Bob's access", exact=True).click()
    page.get_by_text("Bob can no longer open it.").wait_for()
    at_bob.page.get_by_role("button", name="Download case.bin", exact=True).click()
    at_bob.page.get_by_role("alert").filter(has_text="Something went wrong").wait_for(timeout=30_000)
    at_bob.page.get_by_role("button", name="Shared with me", exact=True).click()
    at_bob.page.get_by_text("Nothing is shared with you yet.").wait_for()

    # Revoke and seal again: the next version under a new key; the old one kept 30 days, for Alice alone.
    share_with(at_alice, "visit.txt", "Bob")
    page.get_by_role("button", name="Revoke Bob's access and seal the file again", exact=True).click()
    page.get_by_text("visit.txt is sealed under a new key as version 2").wait_for(timeout=60_000)
    page.get_by_role("button", name="Versions of visit.txt", exact=True).click()
    versions = page.get_by_test_id("versions")
    versions.get_by_text("Version 2, uploaded", exact=False).wait_for()
    assert versions.get_by_text("no longer kept").count() == 0
    assert downloaded(at_alice, "Download version 2") == dropped["visit.txt"]
    assert downloaded(at_alice, "Download version 1") == dropped["visit.txt"]  # under its own key
    at_alice.screen("versions")
    visit = next(file for file in alice.device.imegha("files", "ls").json["files"] if file["name"] == "visit.txt")
    assert visit["version"] == 2
    assert bob.device.imegha("shared").json["shares"] == []

    # Delete, after saying yes.
    page.get_by_role("button", name="Delete plan.txt", exact=True).click()
    page.get_by_role("heading", name="Delete plan.txt?").wait_for()
    at_alice.screen("delete")
    page.get_by_role("button", name="Yes, delete plan.txt", exact=True).click()
    page.get_by_text("plan.txt is deleted.").wait_for()
    assert "plan.txt" not in [file["name"] for file in alice.device.imegha("files", "ls").json["files"]]

    # A folder shared in the browser opens in Bob's browser and at his terminal.
    share_with(at_alice, "Referrals", "Bob")
    at_bob.page.get_by_role("button", name="Shared with me", exact=True).click()
    at_bob.page.get_by_role("button", name="Open Referrals", exact=True).click(timeout=30_000)
    listed(at_bob, "referral.txt", test_id="shared-files")
    assert downloaded(at_bob, "Download referral.txt") == referral_marker
    into = tmp_path / "at-bobs-terminal"
    into.mkdir()
    assert bob.device.imegha("shared", "get", "Referrals", "-o", str(into)).status == 0
    assert (into / "Referrals" / "referral.txt").read_bytes() == referral_marker

    # A file Alice shares from her terminal opens in Bob's browser.
    from_terminal = tmp_path / "results.txt"
    terminal_marker = marked("Lab results from the terminal")
    contents.append(terminal_marker)
    from_terminal.write_bytes(terminal_marker)
    assert alice.device.imegha("files", "put", str(from_terminal)).status == 0
    assert alice.device.imegha("share", "add", "results.txt", "--with", "Bob").status == 0
    at_bob.page.get_by_role("button", name="Shared with me", exact=True).click()
    listed(at_bob, "results.txt", test_id="shared")
    assert downloaded(at_bob, "Download results.txt") == terminal_marker

    # The audit log, verified in the browser, which signs its head; the CLI then holds the log to that checkpoint.
    page.get_by_role("button", name="Audit log", exact=True).click()
    result = page.get_by_test_id("audit-result")
    result.get_by_text("The audit log verifies up to entry", exact=False).wait_for(timeout=30_000)
    assert "This browser signed entry" in result.inner_text()
    table = page.get_by_test_id("audit").inner_text()
    for action in ("uploaded", "shared", "downloaded", "revoked", "deleted"):
        assert action in table
    assert "case.bin" in table and "Bob" in table
    at_alice.screen("audit")
    verified = alice.device.imegha("audit", "--verify").json
    assert verified["checkpoint"] is not None and verified["checkpoints"] >= 1

    # At a phone's width nothing overflows sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Your files", exact=True).click()
    listed(at_alice, "case.bin")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1100, "height": 760})

    accounts = [local_cloud.platform, alice.own_account(), bob.own_account()]
    held_text = everything_held(local_cloud, accounts)  # the queues too
    held_bytes = stored_everywhere(local_cloud, accounts)  # every object version of every bucket too
    assert len(held_bytes) > LARGE  # the sealed large file is there, and its plaintext is not
    for content in contents:
        assert content.decode() not in held_text
        assert content not in held_bytes
    for name in ("case.bin", "visit.txt", "referral.txt", "Referrals", "Holiday scans"):
        assert name not in held_text
        assert name.encode() not in held_bytes

    # Whoever can write her cloud's table edits the first entry: her browser says the log does not verify.
    dynamodb = local_cloud.client("dynamodb", alice.own_account())
    (table,) = [name for name in dynamodb.list_tables()["TableNames"] if "CloudTable" in name]
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "AUDIT"}, "sk": {"S": f"E#{1:016d}"}},
        UpdateExpression="SET actor = :someone",
        ExpressionAttributeValues={":someone": {"S": bob.user_id}},
    )
    page.get_by_role("button", name="Audit log", exact=True).click()
    result.get_by_text("The audit log does NOT verify: audit entry 1 was edited", exact=False).wait_for(timeout=30_000)
    at_alice.screen("audit-broken")


def test_an_upload_a_reload_cut_off_is_given_up_and_its_parts_removed(browsers, people, tmp_path):
    alice, _ = people
    at_alice, _ = browsers
    page = at_alice.page
    open_files(at_alice)
    # The bucket takes the first part; the others hang, so the reload comes with the upload surely under way.
    parts: list[str] = []

    def first_part_only(route) -> None:
        parts.append(route.request.url)
        if len(parts) == 1:
            route.continue_()

    page.route(lambda url: "partNumber=" in url, first_part_only)
    cut_off = tmp_path / "cut-off.bin"
    cut_off.write_bytes(os.urandom(40 * MIB))
    page.get_by_label("Choose files to upload (sealed in this browser first)").set_input_files(str(cut_off))
    record = f"imegha.uploads-under-way.{alice.user_id}"
    assert eventually(lambda: page.wait_for_timeout(50) or len(parts) > 1)  # (waiting lets Playwright route)
    (under_way,) = json.loads(page.evaluate("name => localStorage.getItem(name)", record))

    page.reload()  # with the parts still held back: unrouting would let them through
    page.get_by_text(f"Signed in as {alice.imtag}").wait_for(timeout=30_000)  # the session survives the reload
    open_files(at_alice)
    page.get_by_text("1 upload(s) cut off by a reload or a closed tab were given up").wait_for(timeout=30_000)
    assert page.evaluate("name => localStorage.getItem(name)", record) is None
    with pytest.raises(ApiError) as gone:
        Library(alice.device.account()).api.upload(under_way["fileId"], under_way["uploadId"])
    assert gone.value.status == 404
    assert "cut-off.bin" not in [file["name"] for file in alice.device.imegha("files", "ls").json["files"]]
    page.unroute_all(behavior="ignoreErrors")


def test_a_share_its_owners_cloud_points_at_another_file_is_refused_in_the_browser_and_nothing_of_it_shown(
    browsers, people, tmp_path, local_cloud
):
    alice, bob = people
    _, at_bob = browsers
    for name in ("shared-note.txt", "private-note.txt"):
        (tmp_path / name).write_text(f"{name}: {uuid.uuid4().hex}")
        assert alice.device.imegha("files", "put", str(tmp_path / name)).status == 0
    assert alice.device.imegha("share", "add", "shared-note.txt", "--with", "Bob").status == 0
    files = {file["name"]: file["fileId"] for file in alice.device.imegha("files", "ls").json["files"]}
    (share,) = [s for s in alice.device.imegha("share", "ls").json["shares"] if s["id"] == files["shared-note.txt"]]

    # Alice's cloud, taken over, points the share at her private file, keeping the record she signed.
    dynamodb = local_cloud.client("dynamodb", alice.own_account())
    (table,) = [name for name in dynamodb.list_tables()["TableNames"] if "CloudTable" in name]
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": f"SHARE#{share['shareId']}"}, "sk": {"S": "SHARE"}},
        UpdateExpression="SET targetId = :other",
        ExpressionAttributeValues={":other": {"S": files["private-note.txt"]}},
    )

    open_files(at_bob, "Shared with me")
    page = at_bob.page
    page.get_by_text(
        f"Warning: share {share['shareId']} from Alice does not check out (the record signed by Alice names another "
        "target); its key was not used."
    ).wait_for(timeout=30_000)
    shown = page.inner_text("main")
    assert "private-note.txt" not in shown and "shared-note.txt" not in shown
    assert page.get_by_role("button", name="Download private-note.txt").count() == 0
    at_bob.screen("shared-refused")


# Chromium's save picker cannot be driven headless: this stand-in (put in through the DevTools protocol, which the
# app's CSP does not govern) hands back a file whose writable records each chunk written, and whether it was closed,
# aborted or removed. With `window.cancelPicker` set it is cancelled, as a person closing the dialog.
SAVE_PICKER = """
performance.setResourceTimingBufferSize(100000);
window.savedFiles = [];
window.showSaveFilePicker = async ({ suggestedName }) => {
    if (window.cancelPicker) throw new DOMException("The user aborted a request.", "AbortError");
    const saved = { name: suggestedName, chunks: [], closed: false, aborted: null, removed: false, firstWriteAt: null };
    window.savedFiles.push(saved);
    return {
        createWritable: async () => new WritableStream({
            write(chunk) { saved.firstWriteAt ??= performance.now(); saved.chunks.push(new Uint8Array(chunk)); },
            close() { saved.closed = true; },
            abort(reason) { saved.aborted = String(reason); },
        }),
        remove: async () => { saved.removed = true; },
    };
};
"""

SAVED = """async index => {
    const saved = window.savedFiles.at(index);
    const whole = new Uint8Array(await new Blob(saved.chunks).arrayBuffer());
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
    return {
        name: saved.name, chunks: saved.chunks.length, size: whole.length, closed: saved.closed,
        aborted: saved.aborted, removed: saved.removed, firstWriteAt: saved.firstWriteAt,
        sha256: Array.from(digest, byte => byte.toString(16).padStart(2, "0")).join(""),
    };
}"""


def saved_to_disk(browser: Browser, button: str, name: str) -> dict:
    """Press ``button``; once the app says the file is saved, what the stand-in picker's file was given."""
    browser.page.get_by_role("button", name=button, exact=True).click()
    browser.page.get_by_text(f"{name} is saved where you chose.", exact=True).wait_for(timeout=120_000)
    return browser.page.evaluate(SAVED, -1)


def fetched_until(browser: Browser, object_key: str) -> float:
    """When the browser had the last byte of the bucket's answer for ``object_key`` (Resource Timing)."""
    ends = browser.page.evaluate(
        "key => performance.getEntriesByType('resource').filter(e => e.name.includes(key)).map(e => e.responseEnd)",
        object_key,
    )
    assert ends, f"no fetch of {object_key} recorded"
    return ends[-1]


def test_downloads_stream_to_the_file_picked_where_the_browser_offers_it_and_an_altered_one_is_aborted(
    browsers, people, tmp_path, local_cloud, chromium, app_url, screenshots
):
    alice, bob = people
    at_alice, _ = browsers
    contents = {
        "to-disk.bin": os.urandom(12 * MIB),
        "altered.bin": os.urandom(3 * MIB),
        "minutes.txt": marked("Minutes, first draft"),
    }
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
        assert alice.device.imegha("files", "put", str(tmp_path / name)).status == 0
    second_draft = marked("Minutes, second draft")
    (tmp_path / "minutes.txt").write_bytes(second_draft)
    assert alice.device.imegha("files", "put", "--replace", str(tmp_path / "minutes.txt")).status == 0
    assert alice.device.imegha("share", "add", "to-disk.bin", "--with", "Bob").status == 0
    file_ids = {file["name"]: file["fileId"] for file in alice.device.imegha("files", "ls").json["files"]}
    s3 = local_cloud.client("s3", alice.own_account())
    objects = {
        name: (bucket["Name"], listed["Key"])
        for bucket in s3.list_buckets()["Buckets"]
        for listed in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
        for name, file_id in file_ids.items()
        if file_id in listed["Key"]
    }

    def sha256(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()

    saving = Browser(chromium, app_url, "Alice, saving to disk", screenshots, init_script=SAVE_PICKER)
    bobs = Browser(chromium, app_url, "Bob, saving to disk", screenshots, init_script=SAVE_PICKER)
    try:
        saving.sign_in(alice)
        open_files(saving)
        listed(saving, "to-disk.bin")

        # 12 MiB written into the picked file chunk by chunk, the first before the bucket had sent the last byte.
        saved = saved_to_disk(saving, "Download to-disk.bin", "to-disk.bin")
        assert saved["name"] == "to-disk.bin" and saved["closed"] and saved["aborted"] is None
        assert saved["size"] == 12 * MIB and saved["sha256"] == sha256(contents["to-disk.bin"])
        assert saved["chunks"] > 1
        assert saved["firstWriteAt"] < fetched_until(saving, objects["to-disk.bin"][1])

        # An older version goes the same way, under its versioned name.
        saving.page.get_by_role("button", name="Versions of minutes.txt", exact=True).click()
        saving.page.get_by_test_id("versions").get_by_text("Version 2, uploaded", exact=False).wait_for()
        saved = saved_to_disk(saving, "Download version 1", "minutes (v1).txt")
        assert saved["closed"] and saved["sha256"] == sha256(contents["minutes.txt"])

        # Cancelling the picker does nothing: no error, nothing fetched, nothing saved.
        saving.page.evaluate("window.cancelPicker = true")
        picked = saving.page.evaluate("window.savedFiles.length")
        saving.page.get_by_role("button", name="Download altered.bin", exact=True).click()
        saving.page.wait_for_timeout(1000)
        assert saving.page.evaluate("window.savedFiles.length") == picked
        assert saving.page.get_by_role("alert").filter(has_text="Something went wrong").count() == 0
        assert not saving.page.evaluate(
            "key => performance.getEntriesByType('resource').some(e => e.name.includes(key))", objects["altered.bin"][1]
        )
        saving.page.evaluate("window.cancelPicker = false")

        # Whoever can write her bucket alters a byte in the middle of a file: the chunks before it were written,
        # then the file is refused, the writable aborted (never closed) and the picked file removed.
        bucket, key = objects["altered.bin"]
        sealed = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        sealed[len(sealed) // 2] ^= 1
        s3.put_object(Bucket=bucket, Key=key, Body=bytes(sealed))
        saving.page.get_by_role("button", name="Download altered.bin", exact=True).click()
        saving.page.get_by_role("alert").filter(
            has_text="altered.bin was refused and nothing of it is saved: its bytes do not open as the file"
        ).wait_for(timeout=60_000)
        refused = saving.page.evaluate(SAVED, -1)
        assert refused["name"] == "altered.bin"
        assert refused["aborted"] is not None and not refused["closed"] and refused["removed"]
        assert 0 < refused["size"] < len(contents["altered.bin"])  # a prefix reached the writable: abort matters
        saving.screen("download-refused")

        # A file shared with Bob, from "Shared with me".
        bobs.sign_in(bob)
        open_files(bobs, "Shared with me")
        listed(bobs, "to-disk.bin", test_id="shared")
        saved = saved_to_disk(bobs, "Download to-disk.bin", "to-disk.bin")
        assert saved["closed"] and saved["sha256"] == sha256(contents["to-disk.bin"]) and saved["chunks"] > 1
    finally:
        saving.close()
        bobs.close()

    # Where the browser offers no picker, the opened file is saved through the browser's downloads, and the
    # altered one is refused there too, with no download.
    open_files(at_alice)
    listed(at_alice, "to-disk.bin")
    assert at_alice.page.evaluate("'showSaveFilePicker' in window") is False
    assert downloaded(at_alice, "Download to-disk.bin") == contents["to-disk.bin"]
    at_alice.page.get_by_role("button", name="Download altered.bin", exact=True).click()
    at_alice.page.get_by_role("alert").filter(has_text="altered.bin was refused").wait_for(timeout=60_000)
    assert alice.device.imegha("share", "revoke", "to-disk.bin", "--with", "Bob").status == 0
