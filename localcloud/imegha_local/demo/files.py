"""A chapter of ``make demo``: files in Alice's own cloud, shared with Bob without a copy, then revoked.

It runs in a process of its own (``python -m imegha_local.demo.files``), with a local
cloud of its own: Alice deploys her cloud and uploads a file; she shares it
with Bob, who fetches it from her bucket with his own token; she revokes, and
Bob is refused; her audit log tells each step and verifies. Beside what each of
them sees is what the platform and AWS hold.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # the demo's first chapters show the real cost

from imegha import audit_log  # noqa: E402 - after the setting above, which the SDK reads at import
from imegha.chat_api import ChatPlatformApi
from imegha.cloud_tokens import cloud_tokens
from imegha.files_api import FilesApi
from imegha.library import Library
from imegha.platform_api import ApiError
from imegha.sharing import Sharing
from imegha_local.cloud import LocalCloud
from imegha_local.demo import eventually, heading, side_by_side
from imegha_local.people import everything_held, give_cloud, platform_of_its_own, sign_up

FILE_NAME = "Laborbefund Müller.txt"
FILE_TEXT = "Lab results, 12 March: HbA1c 6.1 %, LDL 2.9 mmol/L. Next check in three months.\n"


def main() -> None:
    started = time.perf_counter()
    with platform_of_its_own("imegha-files-demo-") as (cloud, endpoints, home):
        alice = give_cloud(cloud, sign_up(endpoints, "Alice", "Alice's long password"))
        bob = sign_up(endpoints, "Bob", "Bob's long password")
        alice.account.connect("Bob")
        bob.account.accept("Alice")
        try:
            story(cloud, alice, bob, home, started)
        finally:
            for person in (alice, bob):
                person.account.log_out()


def story(cloud: LocalCloud, alice, bob, home: Path, started: float) -> None:
    heading("8. Files: kept in Alice's own cloud, shared without a copy, revoked at once")
    print(f"  Alice's cloud is AWS account {alice.cloud.account.account_id}; Bob has no cloud, only his sign-in")
    print(f"  (a local cloud of its own, ready in {time.perf_counter() - started:.1f} s)\n")
    library = Library(alice.account)
    source = home / FILE_NAME
    source.write_text(FILE_TEXT)
    stored = library.put(source)
    s3 = cloud.client("s3", alice.cloud.account)
    bucket = alice.cloud.stack.outputs["BucketName"]
    key = s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"]
    sealed = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    print("  Alice's device made a new file key, sealed the file under it and sent the ciphertext straight to her")
    print("  bucket through presigned part URLs; her cloud keeps the key wrapped by her DEK and the name sealed.")
    side_by_side(
        "What Alice sees",
        f"{stored.name}: {FILE_TEXT.strip()}",
        f"What her bucket holds ({key})",
        sealed.hex()[:150] + "…",
    )
    head = library.api.files()[0]
    record = json.dumps({name: head[name] for name in ("fileId", "version", "ciphertextSize", "metadata")})
    print(f"  Her table's record of it: {record[:150]}…")

    sharing = Sharing(alice.account, library)
    share = sharing.share(stored, "Bob")
    print("\n  Alice shares it with Bob: the file key wrapped for Bob's RSA key (checked against the key she pinned")
    print(f"  for him), in a record she signed. Share {share['shareId']}; the platform rang Bob's doorbell.")
    bobs_platform = ChatPlatformApi(bob.account.endpoints.platform_api_url, bob.account.live_session().id_token)
    inbox = eventually(
        lambda: [e for e in bobs_platform.notifications()["notifications"] if e.get("shareId") == share["shareId"]]
    )
    bobs = Sharing(bob.account)
    received = bobs.find(share["shareId"])
    side_by_side(
        "What Bob sees ('imegha shared')",
        f"{received.name}, from {received.owner.imtag}",
        "What the platform holds (Bob's inbox)",
        json.dumps({name: inbox[0][name] for name in ("kind", "senderTag", "shareId")}),
    )
    copy = bobs.get(received, received.file, home / "bob.txt")
    print("\n  Bob fetched it from Alice's bucket with his own token and a one-minute URL for that one object.")
    print(f"  Bob's copy is byte for byte Alice's file: {copy.read_bytes() == source.read_bytes()}")
    platform_s3 = cloud.client("s3")
    copies = [
        obj
        for bucket_name in (b["Name"] for b in platform_s3.list_buckets()["Buckets"])
        for obj in platform_s3.list_objects_v2(Bucket=bucket_name).get("Contents", [])
        if platform_s3.get_object(Bucket=bucket_name, Key=obj["Key"])["Body"].read() in (sealed, copy.read_bytes())
    ]
    print(f"  Copies of it anywhere but Alice's bucket (Bob has no bucket; the platform's): {len(copies)}")

    sharing.revoke(share["shareId"])
    api = FilesApi(alice.cloud.stack.outputs["CloudApiUrl"], cloud_tokens(bob.account).for_cloud(alice.user_id))
    try:
        api.download_received(share["shareId"], stored.file_id)
        refusal = "served (this would be a bug)"
    except ApiError as error:
        refusal = f"refused (HTTP {error.status}: {error.message})"
    print(f"\n  Alice revokes: the share record is gone. Bob asks again: {refusal}")

    verification = audit_log.verify(library)
    entries = verification.entries
    names = {alice.user_id: "Alice", bob.user_id: "Bob"}
    print("\n  Alice's audit log, hash-chained in her own table:")
    for entry in entries:
        print(f"    {entry['seq']:>3}  {entry['action']:<9} by {names.get(entry['actor'], entry['actor'])}")
    print(f"  The audit chain verifies on her device: {verification.head.seq == len(entries)}")
    if verification.signed:
        print(f"  Her device signed entry {verification.head.seq} as a checkpoint: her other devices are held to it.")

    held = everything_held(cloud, [cloud.platform, alice.cloud.account]) + sealed.decode("latin-1")
    print(f"\n  Every table and log of the platform and Alice's cloud, and her bucket: {len(held):,} characters;")
    print(f"  the file's text and name appear in them {held.count(FILE_TEXT.strip()) + held.count(FILE_NAME)} times.")


if __name__ == "__main__":
    main()
