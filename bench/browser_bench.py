"""How fast the browser seals and opens a file with the streaming form, and how much memory the page holds.

In Debian's headless Chromium (the page tests/browser uses), for each size (64 MiB and 1 GiB by default):

- seal: a ``Blob`` of that size, ``blob.stream().pipeThrough(sealFileStream(fek, context))`` into a sink that counts
  the bytes (as a multipart upload would take them, part by part);
- open: the sealed form (kept as a Blob, untimed) through ``openFileStream`` into the same kind of sink;
- raw: ``crypto.subtle.encrypt`` AES-256-GCM over 16 KiB chunks of an in-memory buffer, as many bytes as the file,
  in the same page and run: awaited one at a time (the plain loop), and with as many in flight as the stream keeps.

The chunk size of the file scheme is 16 KiB (``imegha_crypto.chunked.CHUNK_SIZE``), so raw and stream use the same
chunks. Memory is sampled every 20 ms through the DevTools protocol: ``Performance.getMetrics``' JSHeapUsedSize (the
page's JavaScript heap; ArrayBuffers live outside it) and the resident set of the page's renderer process (which
holds them), after a garbage collection before each phase; each phase reports its peak over its start.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import imegha_crypto as ic  # noqa: E402
from tests.browser.harness import module_page  # noqa: E402

MIB = 1024 * 1024
TARGET_RAW_RATIO = 0.8
FEK = ic.FileKey.generate()
WHERE = ic.Context("alice", "file-7", 1)

PAGE = """
const m = window.imegha;
const CHUNK = 16 * 1024, WINDOW = 64;
const source = new Uint8Array(1024 * 1024);
for (let offset = 0; offset < source.length; offset += 65536) crypto.getRandomValues(source.subarray(offset, offset + 65536));
const fek = await m.SymmetricKey.fromBytes("FEK", m.fromHex(args.fek));
const aes = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), "AES-GCM", false, ["encrypt"]);
const where = new m.Context(args.where.owner, args.where.object, args.where.version);
for (const id of ["plain", "sealed"]) document.body.append(Object.assign(document.createElement("input"), { type: "file", id }));
const counted = () => { let bytes = 0; return [new WritableStream({ write(part) { bytes += part.length; } }), () => bytes]; };
const iv = (index) => { const nonce = new Uint8Array(12); new DataView(nonce.buffer).setUint32(8, index); return nonce; };
window.benchPhases = {
  async seal() {
    const [sink, bytes] = counted();
    await window.benchPlain.stream().pipeThrough(m.sealFileStream(fek, where)).pipeTo(sink);
    return bytes();
  },
  async open() {
    const [sink, bytes] = counted();
    await window.benchSealed.stream().pipeThrough(m.openFileStream(fek, where)).pipeTo(sink);
    return bytes();
  },
  async rawOneAtATime(mib) {
    let bytes = 0;
    for (let index = 0; index < mib * 64; index++) {
      const offset = (index % 64) * CHUNK;
      bytes += (await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv(index) }, aes, source.subarray(offset, offset + CHUNK))).byteLength;
    }
    return bytes;
  },
  async rawInFlight(mib) {
    let bytes = 0;
    const inFlight = [];
    for (let index = 0; index < mib * 64; index++) {
      const offset = (index % 64) * CHUNK;
      inFlight.push(crypto.subtle.encrypt({ name: "AES-GCM", iv: iv(index) }, aes, source.subarray(offset, offset + CHUNK)));
      if (inFlight.length > WINDOW) bytes += (await inFlight.shift()).byteLength;
    }
    for (const work of inFlight) bytes += (await work).byteLength;
    return bytes;
  },
};
"""


def chromium_processes() -> dict[int, tuple[bytes, str]]:
    """Each process started under this one (Playwright's driver, Chromium's processes): its command line and stat."""
    stats: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stats[int(entry)] = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
    parents = {pid: int(stat.rsplit(")", 1)[1].split()[1]) for pid, stat in stats.items()}
    found: dict[int, tuple[bytes, str]] = {}
    for pid, stat in stats.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            try:
                found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes(), stat)
            except OSError:
                continue
    return found


def renderer_rss_mib() -> float:
    """Resident memory of the renderer processes (the page's among them)."""
    total = 0.0
    for pid, (cmdline, _) in chromium_processes().items():
        if b"--type=renderer" in cmdline:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0) / 1024
    return total


def chromium_cpu_seconds() -> float:
    """CPU time (user and system) Chromium's processes have used: what a phase costs, however busy the machine."""
    ticks = 0
    for cmdline, stat in chromium_processes().values():
        if b"chrom" in cmdline:
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Phase:
    """One phase run in the page while its memory is sampled; seconds, bytes, and peaks over the start."""

    def __init__(self, page, cdp, name: str, mib: int) -> None:
        cdp.send("HeapProfiler.collectGarbage")
        self.heap_start, self.rss_start, cpu_start = self.heap(cdp), renderer_rss_mib(), chromium_cpu_seconds()
        self.heap_peak, self.rss_peak = self.heap_start, self.rss_start
        page.evaluate(
            "([name, mib]) => { window.benchDone = null; const started = performance.now();"
            " window.benchPhases[name](mib).then((bytes) => { window.benchDone = [bytes, (performance.now() - started) / 1000]; },"
            " (error) => { window.benchDone = [String(error), 0]; }); }",
            [name, mib],
        )
        while True:
            self.heap_peak = max(self.heap_peak, self.heap(cdp))
            self.rss_peak = max(self.rss_peak, renderer_rss_mib())
            done = page.evaluate("window.benchDone")
            if done:
                break
            time.sleep(0.02)
        self.bytes, self.seconds = done
        self.cpu_seconds = chromium_cpu_seconds() - cpu_start
        if not isinstance(self.bytes, int):
            raise RuntimeError(f"{name} failed in the page: {self.bytes}")

    @staticmethod
    def heap(cdp) -> float:
        metrics = {metric["name"]: metric["value"] for metric in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["JSHeapUsedSize"] / MIB

    def rate(self, mib: int) -> float:
        return mib / self.seconds

    def cpu_rate(self, mib: int) -> float:
        """MiB per second of CPU time: the speed on an idle machine's core, roughly, whatever the load now."""
        return mib / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")

    def memory(self) -> str:
        return (
            f"JS heap +{self.heap_peak - self.heap_start:5.1f} MiB (peak {self.heap_peak:5.1f}), "
            f"renderer RSS +{self.rss_peak - self.rss_start:6.1f} MiB (peak {self.rss_peak:6.1f})"
        )


PHASES = (
    ("seal", "seal (stream)"),
    ("open", "open (stream)"),
    ("rawOneAtATime", "raw, awaited one by one"),
    ("rawInFlight", "raw, 64 in flight"),
)


def write_files(workdir: Path, mib: int) -> tuple[Path, Path]:
    """A file of random bytes and its sealed form, sealed by the Python layer under the page's key and context."""
    plain, sealed = workdir / f"plain-{mib}.bin", workdir / f"sealed-{mib}.bin"
    with plain.open("wb") as out:
        for _ in range(mib):
            out.write(os.urandom(MIB))
    with plain.open("rb") as src, sealed.open("wb") as dst:
        ic.seal_file(FEK, src, dst, WHERE)
    return plain, sealed


def measure(page, cdp, mib: int, runs: int, workdir: Path) -> dict[str, Phase]:
    """The best of ``runs`` of each phase, interleaved so that a slow spell on the machine hits every one.

    The Blobs are Files the page picked (through Playwright, which hands Chromium the paths): a file of that size
    and its sealed form, as a person picks a file to upload or a download lands.
    """
    plain, sealed = write_files(workdir, mib)
    page.set_input_files("#plain", plain)
    page.set_input_files("#sealed", sealed)
    page.evaluate(
        "() => { [window.benchPlain, window.benchSealed] = ['plain', 'sealed'].map((id) => document.getElementById(id).files[0]); }"
    )
    best: dict[str, Phase] = {}
    for _ in range(runs):
        for name, _label in PHASES:
            phase = Phase(page, cdp, name, mib)
            if name not in best or phase.seconds < best[name].seconds:
                best[name] = phase
    page.evaluate("() => { window.benchPlain = window.benchSealed = null; }")
    plain.unlink()
    sealed.unlink()
    assert best["seal"].bytes == ic.sealed_file_size(mib * MIB) and best["open"].bytes == mib * MIB
    return best


def run(sizes: list[int], runs: int) -> None:
    with module_page() as page, tempfile.TemporaryDirectory(prefix="imegha-browser-bench-") as workdir:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate(f"async (args) => {{ {PAGE} }}", {"fek": FEK.secret_bytes().hex(), "where": WHERE.as_json()})
        print(
            f"Chromium {page.context.browser.version}, headless; best of {runs} runs; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. Cobblestone-256 (AES-256-GCM, 16 KiB chunks)"
        )
        for mib in sizes:
            best = measure(page, cdp, mib, runs, Path(workdir))
            print(f"{mib} MiB File           wall MiB/s  CPU MiB/s   memory: peak over the start of the phase")
            for name, label in PHASES:
                phase = best[name]
                print(f"  {label:24} {phase.rate(mib):6.0f}    {phase.cpu_rate(mib):6.0f}     {phase.memory()}")
            seal, opened = best["seal"], best["open"]
            for name, label in PHASES[2:]:
                raw = best[name]
                print(
                    f"  stream / {label}: seal {seal.rate(mib) / raw.rate(mib):.2f}x, open "
                    f"{opened.rate(mib) / raw.rate(mib):.2f}x (target {TARGET_RAW_RATIO}x; in CPU time "
                    f"{seal.cpu_rate(mib) / raw.cpu_rate(mib):.2f}x and {opened.cpu_rate(mib) / raw.cpu_rate(mib):.2f}x)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes-mib", type=int, nargs="+", default=[64, 1024], help="Blob sizes, in MiB (default 64 1024)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each phase; the best is reported (default 3)")
    args = parser.parse_args()
    run(args.sizes_mib, args.runs)


if __name__ == "__main__":
    main()
