"""`make demo` (``python -m imegha_local.demo``): the chapters in order, from keys made on a device to chat and files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

from imegha_crypto import (
    Context,
    ExchangePrivateKey,
    FileKey,
    create_account,
    open_account,
    open_file,
    safety_code,
    seal_file,
    unwrap_key,
    wrap_key,
)
from imegha_local.demo import RULE, heading, side_by_side
from imegha_local.demo.local_cloud import run_local_demo

DEMO_ITERATIONS = 600_000


def crypto_chapter() -> None:
    heading("1. Keys are made on Alice's device")
    started = time.perf_counter()
    alice = create_account("alice-id", "correct horse battery staple", iterations=DEMO_ITERATIONS)
    print(f"  DEK, RSA-2048 and Ed25519 key pairs made and wrapped in {time.perf_counter() - started:.2f} s")
    print("  (PBKDF2-SHA256 at 600,000 iterations is deliberate: it is what a password guesser pays too.)")
    words = alice.recovery_phrase.split()
    print(f"  Recovery phrase shown once: {' '.join(words[:4])} … ({len(words)} words)")
    stored = json.dumps(alice.bundle["passwordWrappedDek"])
    side_by_side(
        "What Alice has", "her password, 24 words, and keys in memory", "What the platform stores", stored[:150] + "…"
    )

    heading("2. A new device opens everything from the password alone")
    reopened = open_account(alice.bundle, "alice-id", "correct horse battery staple")
    print(f"  Same DEK on the new device: {reopened.data_key == alice.keys.data_key}")

    heading("3. A file is sealed before it leaves the device")
    document = b"Patient 4711: blood pressure down to 130/85; discuss the dosage on Thursday."
    file_key = FileKey.generate()
    context = Context(owner="alice-id", object_id="file-0001", version=1)
    sealed = io.BytesIO()
    seal_file(file_key, io.BytesIO(document), sealed, context)
    wrapped_for_alice = wrap_key(file_key, wrapping_key=alice.keys.data_key, context=context)
    side_by_side(
        "What Alice sees", document.decode(), "What AWS holds (S3 object, hex)", sealed.getvalue().hex()[:160] + "…"
    )

    heading("4. Zero-copy sharing: only the file key travels, wrapped for Bob")
    bob = ExchangePrivateKey.generate()
    wrapped_for_bob = wrap_key(file_key, wrapping_key=bob.public_key, context=context)
    bobs_key = unwrap_key(wrapped_for_bob, FileKey, unwrapping_key=bob, context=context)
    opened = io.BytesIO()
    open_file(bobs_key, io.BytesIO(sealed.getvalue()), opened, context)
    print(f"  Bob opens the same bytes from Alice's bucket: {opened.getvalue() == document}")
    print(
        f"  Share record (RSA-OAEP-256, {len(wrapped_for_bob['ct'])} base64url chars) names Bob's key {wrapped_for_bob['recipient'][:16]}…"
    )
    moved = Context(owner="alice-id", object_id="file-0002", version=1)
    try:
        unwrap_key(wrapped_for_alice, FileKey, unwrapping_key=alice.keys.data_key, context=moved)
    except Exception as refused:  # noqa: BLE001 - shown to the reader, whatever its type
        print(f"  The same wrapped key moved to another file's record: refused ({type(refused).__name__})")

    heading("5. People check they hold each other's real keys")
    bob_account = create_account("bob-id", "another long password", iterations=100_000)
    code = safety_code(alice.keys.identity_key.public_key, bob_account.keys.identity_key.public_key)
    print(f"  Alice and Bob both read: {code}")


def main() -> None:
    print("iMegha: your files and conversations, sealed on your device, kept in your own cloud.")
    crypto_chapter()
    print(f"\n{RULE}\nThe platform and AWS held only what is on the right-hand side.")
    heading("6. The whole system on this machine: the local cloud")
    run_local_demo(lambda line: print(f"  {line}" if line else ""))
    sys.stdout.flush()
    # iMChat's chapter runs on a local cloud of its own, in a process of its own (moto's state is process-wide).
    subprocess.run([sys.executable, "-m", "imegha_local.demo.chat"], check=True)
    # So do files, Alice sharing with Bob and revoking.
    subprocess.run([sys.executable, "-m", "imegha_local.demo.files"], check=True)
    # And last, the web app, with the sign-in of a person whose conversation is already there.
    subprocess.run([sys.executable, "-m", "imegha_local.demo.web"], check=True)


if __name__ == "__main__":
    main()
