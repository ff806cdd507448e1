"""Sign-up and sign-in on the local cloud, split into key derivation and everything else.

The local cloud runs as a person runs it, ``imegha local up`` in a process of
its own (the platform deployed from ``template.yaml``). Each round signs a new
person up (``Account.sign_up``, what ``imegha signup`` runs) and then in again
on a fresh device (``Account.log_in``, what ``imegha login`` runs), at the real
600,000 PBKDF2 iterations. The time of each is split into:

- ``derivation``: PBKDF2-SHA256, deliberate (the authentication secret Cognito
  gets, and the KEK that wraps the DEK): two derivations each way, counted as
  the CPU time they take, so that whatever else runs meanwhile (the RSA key
  generation beside it, other processes) lands in ``rest``, not here;
- ``rest``: everything else on the clock: Cognito, the platform API through the
  local gateway and its Lambdas, making (sign-up) or opening the keys, and the
  key agent. Of it, ``agent`` is the wait for the key agent to take the keys
  (it was started at the beginning) and ``platform`` the requests.

Sign-up generates its RSA key pair in a thread beside the derivation and the
requests, so that key generation shows only where the requests came back first.
The target is a ``rest`` under 200 ms. Figures are medians over the rounds after
a first one (which pays the Lambdas' cold starts, shown apart), in milliseconds.

Then what the key agent costs each command: every use of the DEK or a private key is a request to the profile's
agent (which never hands a key out), timed against the same operation with the key in the process: opening a file's
key under the DEK, opening a group key sent for the RSA key, signing a message, and a command's first contact with the
agent (its public keys). Medians in microseconds.

Alone: ``python bench/accounts_bench.py [rounds]``; the agent's part only: ``python bench/accounts_bench.py agent``.
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
from functools import partial
from pathlib import Path

import botocore.client

import imegha.platform_api
import imegha_crypto.account
import imegha_crypto.authentication
from imegha import accounts, agent
from imegha.accounts import Account
from imegha.endpoints import Endpoints
from imegha.profile import Profile
from imegha_crypto import (
    DEFAULT_PASSWORD_ITERATIONS,
    Context,
    FileKey,
    GroupKey,
    create_account,
    seal_message,
    unwrap_key,
    wrap_key,
)
from imegha_local.cloud import running_cloud

PASSWORD = "correct horse battery staple"
TARGET_MS = 200


class Stopwatch:
    """Time spent in the wrapped functions, by part, since the last ``lap()``."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, owner: object, name: str, part: str, clock: Callable[[], float] = time.perf_counter) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = clock()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[part] += clock() - started

        setattr(owner, name, timed)

    def lap(self, operation: Callable[[], object]) -> dict[str, float]:
        self.spent.clear()
        started = time.perf_counter()
        operation()
        total = time.perf_counter() - started
        parts = {part: seconds * 1000 for part, seconds in self.spent.items()}
        parts["rest"] = total * 1000 - parts["derivation"]
        parts["total"] = total * 1000
        return parts


def measure(rounds: int = 6) -> dict[str, dict[str, float]]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    accounts.KDF_ITERATIONS = DEFAULT_PASSWORD_ITERATIONS  # whatever the environment says: this is the real figure
    watch = Stopwatch()
    watch.wrap(imegha_crypto.authentication, "pbkdf2_sha256", "derivation", time.thread_time)
    watch.wrap(imegha_crypto.account, "pbkdf2_sha256", "derivation", time.thread_time)
    watch.wrap(agent.StartingAgent, "hand_over", "agent")
    watch.wrap(imegha.platform_api, "call_json", "platform")
    watch.wrap(botocore.client.BaseClient, "_make_api_call", "platform")  # the device's calls: Cognito's only

    laps: dict[str, list[dict[str, float]]] = {"sign-up": [], "sign-in": []}
    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as scratch, _local_cloud(Path(scratch)) as endpoints:
        for index in range(rounds):
            email = f"person{index}@example.org"
            laptop, phone = (_device(Path(scratch) / f"{name}{index}", endpoints) for name in ("laptop", "phone"))
            try:
                no_code = lambda: "000000"  # noqa: E731 - the confirmation code the local cloud accepts
                laps["sign-up"].append(watch.lap(partial(laptop.sign_up, email, PASSWORD, f"Person{index}", no_code)))
                laps["sign-in"].append(watch.lap(partial(phone.log_in, email, PASSWORD)))
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
    cloud = subprocess.Popen(
        [sys.executable, "-m", "imegha.cli", "local", "up", "--port", "0"], env=environment, stdout=subprocess.DEVNULL
    )
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


def agent_operations(repeats: int = 300) -> dict[str, tuple[float | None, float]]:
    """Median microseconds of each operation with the key in this process, and through the profile's key agent."""
    with tempfile.TemporaryDirectory(prefix="imegha-bench-agent-") as home:
        os.environ["IMEGHA_HOME"] = home
        profile = Profile.named("bench")
        keys = create_account("bench-id", PASSWORD, iterations=100_000).keys
        with agent.StartingAgent(profile) as starting:
            starting.hand_over(keys, "bench-id")
        try:
            held = agent.agent_keys(profile)
            where = Context("bench-id", "file-1", 1)
            wrapped = wrap_key(FileKey.generate(), wrapping_key=keys.data_key, context=where)
            sent = wrap_key(GroupKey.generate(3), wrapping_key=keys.exchange_key.public_key, context=where)

            def each(key_of: Callable[[object], object]) -> dict[str, Callable[[], object]]:
                return {
                    "open an FEK (DEK)": lambda: unwrap_key(
                        wrapped, FileKey, unwrapping_key=key_of("data_key"), context=where
                    ),
                    "open a GK (RSA)": lambda: unwrap_key(
                        sent, GroupKey, unwrapping_key=key_of("exchange_key"), context=where
                    ),
                    "sign a message": lambda: seal_message(
                        GroupKey.generate(3),
                        key_of("identity_key"),
                        conversation_id="grp-1",
                        sender="bench-id",
                        sequence=1,
                        text="The hearing moved to Monday",
                        sent_at="2026-01-01T00:00:00Z",
                    ),
                }

            in_process, through_agent = each(partial(getattr, keys)), each(partial(getattr, held))
            through_agent["first contact"] = partial(agent.agent_keys, profile)
            figures: dict[str, tuple[float | None, float]] = {}
            for name, operation in through_agent.items():
                here = _median_us(in_process[name], repeats) if name in in_process else None
                figures[name] = (here, _median_us(operation, repeats))
            return figures
        finally:
            agent.stop_agent(profile)


def _median_us(operation: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        operation()
        runs.append((time.perf_counter() - started) * 1e6)
    return statistics.median(runs)


def print_agent_operations() -> None:
    print("the key agent: each operation, median (µs)")
    print(f"{'':<20}{'in process':>12}{'via agent':>11}")
    for name, (here, there) in agent_operations().items():
        print(f"{name:<20}{'' if here is None else f'{here:.0f}':>12}{there:>11.0f}")


def main() -> None:
    if sys.argv[1:] == ["agent"]:
        print_agent_operations()
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    figures = measure(rounds)
    print(
        f"accounts on the local cloud, PBKDF2 at {DEFAULT_PASSWORD_ITERATIONS:,} iterations, "
        f"median of {rounds - 1} warm rounds (ms)"
    )
    print(f"{'':<9}{'derivation':>11}{'rest':>7}{'(agent':>9}{'platform)':>11}{'total':>8}{'cold':>8}")
    for operation, parts in figures.items():
        rest = parts["rest"]
        print(
            f"{operation:<9}{parts['derivation']:>11.0f}{rest:>7.0f}{parts['agent']:>9.0f}{parts['platform']:>10.0f}"
            f"{parts['total']:>9.0f}{parts['cold_total']:>8.0f}   rest {'under' if rest < TARGET_MS else 'OVER'} "
            f"the {TARGET_MS} ms target"
        )
    print_agent_operations()


if __name__ == "__main__":
    main()
