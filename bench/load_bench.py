"""The doorbell under load, and under faults: N users' clouds ring it with M messages and shares at a set rate, and
every event is accounted for.

``python bench/load_bench.py [--clouds N] [--events M] [--rate R] [--faults SPEC] [--seed S]`` (defaults: 1,000
clouds, 20,000 events, 10 a second, no faults). ``--faults`` takes what ``IMEGHA_LOCAL_FAULTS`` takes
(``all=0.1``, ``lambda_timeout=0.1,duplicate_events=0.2``; :mod:`imegha_local.faults`).

Each simulated cloud is an account of its own with the role a cloud's functions ring with; it rings the platform's
doorbell API signed with that role (``imegha_local.load`` says what a deployed cloud has that it does not). Printed:

- the accounting: each (event, recipient) in the recipient's inbox exactly once, or more than once, or in the
  dead-letter queue with its reason, or never rung (the device told), or lost; then the operator's redrive, and
  the accounting again (a replayed letter must be delivered once, never twice);
- throughput (events rung a second, deliveries a second), and p50/p95/p99 from the ring to the recipient's inbox
  (the first write of the entry, seen at the embedded DynamoDB);
- requests per event: AWS calls by service, API requests at the gateway, Lambda invocations.

The local cloud's timings are those of moto and a local Lambda runtime on this machine, not of AWS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from boto3.dynamodb.conditions import Key
from moto.core.responses import BaseResponse

from imegha_local.faults import FaultRates
from imegha_local.load import (
    Accounting,
    Event,
    LoadWorld,
    account,
    build_world,
    event_key,
    plan_events,
    redrive,
    ring,
    settle,
)
from imegha_local.people import platform_of_its_own

_calls: Counter = Counter()
_written: dict[tuple, float] = {}  # (recipient, event key) -> when its inbox entry was first written
_lock = threading.Lock()


def _watch_aws(notifications_table: list[str]) -> None:
    """Count every AWS call by service, and note when each inbox entry is first written."""
    original = BaseResponse.call_action

    def watched(response):
        action = response._get_action()
        with _lock:
            _calls[response.service_name] += 1
        if response.service_name == "dynamodb" and action == "BatchWriteItem" and notifications_table:
            now = time.time()
            body = response.body if isinstance(response.body, dict) else json.loads(response.body)
            for request in body.get("RequestItems", {}).get(notifications_table[0], []):
                item = {name: next(iter(value.values())) for name, value in request["PutRequest"]["Item"].items()}
                if item.get("kind") in ("message", "share"):
                    with _lock:
                        _written.setdefault((item["userId"], event_key(item)), now)
        return original(response)

    BaseResponse.call_action = watched


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def log_counts(log: Path, offset: int) -> tuple[Counter, dict[str, list[float]]]:
    """API requests and Lambda invocations logged since ``offset``; each function's invocation durations."""
    counts: Counter = Counter()
    durations: dict[str, list[float]] = {}
    with open(log) as lines:
        lines.seek(offset)
        for record in map(json.loads, lines):
            if record["type"] == "request":
                counts["API requests"] += 1
            elif record["type"] == "invocation":
                counts["Lambda invocations"] += 1
                name = record["function"].split("-")[-2] if "-" in record["function"] else record["function"]
                durations.setdefault(name, []).append(record["duration_ms"])
    return counts, durations


def report(label: str, accounting: Accounting, world: LoadWorld, events: list[Event]) -> None:
    """The accounting, and the first few losses and duplicates by name (a duplicate with its entries' ids)."""
    print(f"  {label}: {accounting.summary()}")
    for index, recipient in accounting.lost[:5]:
        print(f"    LOST: event {index} ({events[index].key}) for {recipient}")
    for index, recipient, times in accounting.duplicated[:5]:
        entries = world.table("NotificationsTable").query(KeyConditionExpression=Key("userId").eq(recipient))["Items"]
        named = [entry["notificationId"] for entry in entries if event_key(entry) == events[index].key]
        print(f"    DUPLICATED: event {index} reached {recipient} {times} times: {named}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clouds", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=10.0, help="events rung a second")
    parser.add_argument("--faults", type=FaultRates.parse, default=FaultRates(), help="e.g. all=0.1")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    table: list[str] = []
    _watch_aws(table)
    started = time.perf_counter()
    with platform_of_its_own("imegha-load-bench-", {"DoorbellRatePerMinute": "10000"}) as (cloud, _, _home):
        cloud.faults.seed(args.seed)
        world = build_world(cloud, args.clouds, seed=args.seed)
        table.append(world.tables["NotificationsTable"])
        events = plan_events(world, args.events, seed=args.seed)
        kinds = Counter(event.kind for event in events)
        print(
            f"The doorbell under load: {args.clouds} users' clouds (accounts of their own), {len(world.groups)} groups;"
            f" set up in {time.perf_counter() - started:.0f} s"
        )
        print(
            f"  {len(events)} events ({', '.join(f'{n} {kind}s' for kind, n in kinds.items())}),"
            f" {sum(len(e.recipients) for e in events)} deliveries, rung at {args.rate:g} a second;"
            f" faults: {args.faults}"
        )
        offset = cloud.log_path.stat().st_size
        with _lock:
            _calls.clear()
        cloud.faults.inject(args.faults)
        ringing = ring(world, events, args.rate)
        settle(world)
        cloud.faults.inject(FaultRates())
        with _lock:  # until the last inbox entry of the run was written (before any redrive)
            done_s = max(_written.values(), default=time.time()) - min(ringing.posted_at.values())
        with _lock:
            calls = Counter(_calls)
        counts, durations = log_counts(cloud.log_path, offset)
        first = account(world, events, ringing)
        report("accounted", first, world, events)
        if cloud.faults.injected:
            print(f"  faults injected: {', '.join(f'{n} {f}' for f, n in sorted(cloud.faults.injected.items()))}")
        device_retries = sum(ringing.attempts.values()) - len(events)
        print(f"  rings posted again by the device after the doorbell's own retries failed: {device_retries}")
        final = first
        if first.letters:
            replayed = redrive(world, lapse_s=world.notifier_timeout())
            final = account(world, events, ringing)
            report(f"after the operator's redrive replayed {replayed} dead letters", final, world, events)

        with _lock:
            latencies = [
                _written[recipient, event.key] - ringing.posted_at[index]
                for index, event in enumerate(events)
                for recipient in event.recipients
                if (recipient, event.key) in _written
            ]
        deliveries = sum(len(e.recipients) for e in events)
        print(
            f"  throughput: {len(events) / ringing.elapsed_s:.1f} events a second rung over {ringing.elapsed_s:.0f} s;"
            f" all settled {done_s:.0f} s after the first ring: {len(events) / done_s:.1f} events,"
            f" {deliveries / done_s:.1f} deliveries a second"
        )
        if latencies:
            print(
                "  ring → inbox: "
                + ", ".join(f"p{p} {percentile(latencies, p / 100) * 1000:.0f} ms" for p in (50, 95, 99))
                + f" (median {statistics.median(latencies) * 1000:.0f} ms, {len(latencies)} deliveries)"
            )
        print(
            f"  requests per event: {sum(calls.values()) / len(events):.1f} AWS calls ("
            + ", ".join(f"{service} {n / len(events):.2f}" for service, n in calls.most_common())
            + f"), {counts['API requests'] / len(events):.2f} API requests, "
            f"{counts['Lambda invocations'] / len(events):.2f} Lambda invocations"
        )
        print(
            "  Lambda: "
            + "; ".join(
                f"{name} {len(runs)} runs, median {statistics.median(runs):.0f} ms"
                for name, runs in sorted(durations.items())
            )
        )
        ok = not (final.lost or final.duplicated or final.letters_without_reason or first.duplicated)
        print(
            f"  {'OK' if ok else 'FAILED'}: {len(final.lost)} lost, {len(first.duplicated)} duplicated during the run,"
            f" {len(final.duplicated)} after the redrive, {len(final.letters_without_reason)} dead letters without a reason"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
