"""How fast the file scheme seals and opens, and how much memory it holds.

Writes a file of random bytes (1 GiB by default) to a temporary directory,
then, in separate child processes so that each peak is its own, times
``chunked_encrypt_stream`` sealing it to /dev/null and
``chunked_decrypt_stream`` opening its sealed form to /dev/null. When ``age``
is installed it encrypts the same file to /dev/null in the same run, as the
yardstick. Every measurement is repeated and the best run is reported, since
other work on the machine only ever makes a run slower.

Peak memory is the child's ``ru_maxrss`` (resident set, from getrusage): the
interpreter and imports included, plus that of any helper process it started.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
TARGET_AGE_RATIO = 2.0
TARGET_PEAK_MIB = 64


def write_random_file(path: Path, size_mib: int) -> None:
    with path.open("wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(MIB))
        # Written back now, so the kernel's flushing does not run during a measurement.
        os.fsync(out.fileno())


def read_into_page_cache(path: Path) -> None:
    """Read ``path`` once, untimed, so that the measurement after it reads memory, not the disk.

    Every contender gets this just before its timed run: the machine may page
    out a file left alone for a few seconds.
    """
    with path.open("rb", buffering=0) as src:
        buffer = bytearray(MIB)
        while src.readinto(buffer):
            pass


def measure_in_this_process(direction: str, source: Path) -> dict:
    """Run one direction to /dev/null; report seconds and peak memory as JSON."""
    from imegha_crypto.chunked import chunked_decrypt_stream, chunked_encrypt_stream

    stream = {"seal": chunked_encrypt_stream, "open": chunked_decrypt_stream}[direction]
    key = bytes(range(32))
    read_into_page_cache(source)
    rss_before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with source.open("rb") as src, open(os.devnull, "wb") as dst:
        started = time.perf_counter()
        stream(key, src, dst, b"bench")
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rss_before_mib": rss_before_mib,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "helper_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure_in_child(direction: str, source: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", direction, str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout)


def time_age(recipient: str, source: Path) -> float:
    read_into_page_cache(source)
    started = time.perf_counter()
    subprocess.run(["age", "--encrypt", "-r", recipient, "-o", os.devnull, str(source)], check=True)
    return time.perf_counter() - started


def age_recipient(workdir: Path) -> str | None:
    if not (shutil.which("age") and shutil.which("age-keygen")):
        return None
    identity = workdir / "age-identity.txt"
    completed = subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True, text=True)
    return completed.stderr.split("Public key:")[1].strip()


def run(size_mib: int, runs: int) -> None:
    from imegha_crypto.chunked import chunked_encrypt_stream

    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as tmp:
        workdir = Path(tmp)
        plain, sealed = workdir / "plain.bin", workdir / "sealed.bin"
        write_random_file(plain, size_mib)
        with plain.open("rb") as src, sealed.open("wb") as dst:
            chunked_encrypt_stream(bytes(range(32)), src, dst, b"bench")
            dst.flush()
            os.fsync(dst.fileno())
        recipient = age_recipient(workdir)

        best: dict[str, dict] = {}
        age_seconds = float("inf")
        for _ in range(runs):
            # Interleaved, so that a slow spell on the machine hits every contender.
            for direction, source in (("seal", plain), ("open", sealed)):
                figures = measure_in_child(direction, source)
                if direction not in best or figures["seconds"] < best[direction]["seconds"]:
                    best[direction] = figures
            if recipient:
                age_seconds = min(age_seconds, time_age(recipient, plain))

    print(f"{size_mib} MiB, best of {runs} runs, to /dev/null (Cobblestone-256: AES-256-GCM, 16 KiB chunks)")
    for direction, figures in best.items():
        peak = figures["peak_rss_mib"]
        helper = figures["helper_peak_rss_mib"]
        helper_note = f", helper process {helper:.1f} MiB" if helper > 1 else ""
        print(
            f"  {direction:4}  {size_mib / figures['seconds']:8.0f} MiB/s   peak RSS {peak:.1f} MiB"
            f" (of which {figures['rss_before_mib']:.1f} MiB before starting{helper_note})"
        )
    if recipient:
        age_rate = size_mib / age_seconds
        print(
            f"  age   {age_rate:8.0f} MiB/s   (age {subprocess.check_output(['age', '--version'], text=True).strip()})"
        )
        for direction, figures in best.items():
            ratio = size_mib / figures["seconds"] / age_rate
            print(f"  {direction} / age = {ratio:.2f}x (target {TARGET_AGE_RATIO:.0f}x)")
    else:
        print("  age is not installed: no ratio")
    print(f"  memory target: peak RSS under {TARGET_PEAK_MIB} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the test file (default 1024)")
    parser.add_argument("--runs", type=int, default=3, help="runs per contender; the best is reported (default 3)")
    parser.add_argument("--measure", nargs=2, metavar=("DIRECTION", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        direction, source = args.measure
        print(json.dumps(measure_in_this_process(direction, Path(source))))
    else:
        run(args.size_mib, args.runs)


if __name__ == "__main__":
    main()
