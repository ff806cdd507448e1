"""Sign-up and sign-in on the local cloud, split into key derivation and everything else.

The local cloud runs as a person runs it, ``imegha local up`` in a process of
its own (the platform deployed from ``template.yaml``). Each round signs a new
person up (``Account.sign_up``, what ``imegha signup`` runs) and then in again
on a fresh device (``Account.log_in``, what ``imegha login`` runs), at the real
600,000 PBKDF2 iterations. The time of each is split into:

- ``derivation``: PBKDF2-SHA256, deliberate (the authentication secret Cognito
  gets, and the KEK that wraps the DEK): two derivations each way;
- ``keygen``: making the DEK and the RSA-2048 and Ed25519 key pairs (sign-up only);
- ``agent``: starting the profile's key agent and handing it the keys;
- ``platform``: the rest (Cognito, the platform API through the local gateway
  and its Lambdas, wrapping and unwrapping, writing the session).

The target is everything but the derivation under 200 ms. Figures are medians
over the rounds after a first one (which pays the Lambdas' cold starts, shown
apart), in milliseconds.

Alone: ``python bench/accounts_bench.py [rounds]``.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import imegha_crypto.account
import imegha_crypto.authentication
import imegha_crypto.keys
from imegha import accounts
from imegha.accounts import Account
from imegha.endpoints import Endpoints
from imegha.local.cloud import running_cloud
from imegha.profile import Profile
from imegha_crypto import DEFAULT_PASSWORD_ITERATIONS

PASSWORD = "correct horse battery staple"
TARGET_MS = 200


class Stopwatch:
    """Time spent in the wrapped functions, by part, since the last ``lap()``."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, owner: object, name: str, part: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[part] += time.perf_counter() - started

        setattr(owner, name, timed)

    def lap(self, operation: Callable[[], object]) -> dict[str, float]:
        self.spent.clear()
        started = time.perf_counter()
        operation()
        total = time.perf_counter() - started
        parts = {part: seconds * 1000 for part, seconds in self.spent.items()}
        parts["platform"] = total * 1000 - sum(parts.values())
        parts["rest"] = total * 1000 - parts.get("derivation", 0.0)
        parts["total"] = total * 1000
        return parts


def measure(rounds: int = 6) -> dict[str, dict[str, float]]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    accounts.KDF_ITERATIONS = DEFAULT_PASSWORD_ITERATIONS  # whatever the environment says: this is the real figure
    watch = Stopwatch()
    watch.wrap(imegha_crypto.authentication, "pbkdf2_sha256", "derivation")
    watch.wrap(imegha_crypto.account, "pbkdf2_sha256", "derivation")
    watch.wrap(imegha_crypto.keys, "rsa_generate", "keygen")
    watch.wrap(imegha_crypto.keys, "ed25519_generate", "keygen")
    watch.wrap(imegha_crypto.keys, "random_bytes", "keygen")
    watch.wrap(accounts, "start_agent", "agent")

    laps: dict[str, list[dict[str, float]]] = {"sign-up": [], "sign-in": []}
    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as scratch, _local_cloud(Path(scratch)) as endpoints:
        for index in range(rounds):
            email = f"person{index}@example.org"
            laptop, phone = (_device(Path(scratch) / f"{name}{index}", endpoints) for name in ("laptop", "phone"))
            try:
                laps["sign-up"].append(watch.lap(lambda: laptop.sign_up(email, PASSWORD, f"Person{index}", lambda: "000000")))
                laps["sign-in"].append(watch.lap(lambda: phone.log_in(email, PASSWORD)))
            finally:
                laptop.log_out()
                phone.log_out()
    return {
        operation: {"cold_total": runs[0]["total"]}
        | {part: statistics.median(run.get(part, 0.0) for run in runs[1:]) for part in runs[1]}
        for operation, runs in laps.items()
    }


@contextmanager
def _local_cloud(scratch: Path):
    """``imegha local up`` on free ports, until the block ends; yields where its platform is."""
    state_file = scratch / "cloud" / "endpoints.json"
    environment = os.environ | {"IMEGHA_HOME": str(scratch / "cloud"), "IMEGHA_LOCAL_STATE": str(state_file)}
    cloud = subprocess.Popen([sys.executable, "-m", "imegha.cli", "local", "up", "--port", "0"], env=environment,
                             stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while (state := running_cloud(state_file)) is None or state.pid != cloud.pid:
            if cloud.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("'imegha local up' did not come up")
            time.sleep(0.1)
        yield Endpoints.from_file(state_file)
    finally:
        cloud.send_signal(signal.SIGTERM)
        cloud.wait(timeout=30)


def _device(home: Path, endpoints: Endpoints) -> Account:
    os.environ["IMEGHA_HOME"] = str(home)
    return Account(Profile.named("bench"), endpoints)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    figures = measure(rounds)
    print(f"accounts on the local cloud, PBKDF2 at {DEFAULT_PASSWORD_ITERATIONS:,} iterations, "
          f"median of {rounds - 1} warm rounds (ms)")
    print(f"{'':<9}{'derivation':>11}{'keygen':>9}{'agent':>8}{'platform':>10}{'rest':>8}{'total':>9}{'cold':>9}")
    for operation, parts in figures.items():
        rest = parts["rest"]
        print(f"{operation:<9}{parts['derivation']:>11.0f}{parts.get('keygen', 0):>9.0f}{parts['agent']:>8.0f}"
              f"{parts['platform']:>10.0f}{rest:>8.0f}{parts['total']:>9.0f}{parts['cold_total']:>9.0f}"
              f"   rest {'under' if rest < TARGET_MS else 'OVER'} the {TARGET_MS} ms target")


if __name__ == "__main__":
    main()
