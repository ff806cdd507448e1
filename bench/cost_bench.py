"""What the platform's AWS bill is per 1,000 active users, from the requests each operation makes on the local cloud.

Three operations, each repeated and counted whole, from the person's device to the last thing AWS does for it:

- ``message``: Alice sends Bob a 1:1 message; the doorbell rings (the doorbell API, EventBridge, the notifier, his
  inbox entry, a push to his phone); Bob's device fetches its inbox and reads the message from Alice's cloud (with
  the tokens for her cloud it exchanges at the platform when its last ones lapse).
- ``share``: Alice shares a file she had uploaded with Bob; the doorbell rings him; his device fetches its inbox,
  finds the share in her cloud and downloads the file from her bucket.
- ``token``: Bob's device exchanges its sign-in token for one valid at Alice's cloud alone (a device does so for
  each cloud it reads, every five minutes while it reads; the message and share rounds reuse one).
- ``sign-in``: Bob signs in on a new device (``imegha login``): Cognito, then his keys from the platform.

Every AWS API call is counted where the embedded AWS receives it, with the account it was made in; every API
request where the local gateway answers it; every Lambda invocation where the local runtime runs it. Only the
platform's account is priced: what a user's own cloud does (their HTTP API, functions, table and bucket) is billed
to its owner (README, "What an idle user cloud costs its owner each month").

The prices are us-east-1 list prices (``PRICES``); the usage is an assumption (``USAGE``); both are printed. Lambda
duration is priced at the durations measured here, which moto and a shared machine make longer than AWS's, and
CloudWatch Logs at an assumed kilobyte per invocation. What grows with users but not with requests (Cognito's
monthly active users) is priced apart, and what does not grow at all (alarms, the dashboard, KMS keys) is listed.

``python bench/cost_bench.py [rounds]`` (default 5 of each operation).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # sign-ins are counted here, not timed

from chat_bench import settle
from moto.core.responses import BaseResponse

from imegha.accounts import Account
from imegha.chat import Chat
from imegha.cloud_tokens import exchange
from imegha.endpoints import Endpoints
from imegha.group_chat import Groups
from imegha.inbox import Inbox, InboxCursor
from imegha.library import Library
from imegha.profile import Profile
from imegha.sharing import Sharing
from imegha_local.cloud import LocalCloud
from imegha_local.people import connect_everyone, give_cloud, platform_of_its_own, sign_up

# USD, us-east-1 list prices (DynamoDB on demand as cut in November 2024): per request or unit unless named.
PRICES = {
    "api:rest": 3.50e-6,  # API Gateway REST API, first 333 million a month (the platform API and the doorbell API)
    "lambda:request": 0.20e-6,
    "lambda:gb-second": 0.0000133334,  # arm64, as the template's functions run
    "dynamodb:write": 0.625e-6,  # on-demand, per write request unit (1 KB; two for an item in a transaction)
    "dynamodb:read": 0.125e-6,  # on-demand, per read request unit (4 KB strongly consistent)
    "events": 1.00e-6,  # EventBridge, per custom event put on a bus
    "sns:publish": 0.50e-6,
    "sns:mobile-push": 0.50e-6,  # each publish to a device endpoint is also a mobile push delivery
    "kms:asymmetric": 0.15e-4,  # RSA Sign, $0.15 per 10,000 (the tokens the platform signs for users' clouds)
    "kms:symmetric": 0.03e-4,
    "logs:gb": 0.50,  # CloudWatch Logs ingestion
    "cognito:mau": 0.015,  # Essentials tier (a new pool's default), per monthly active user after 10,000 free
}
LAMBDA_MEMORY_GB = 0.25  # the template's MemorySize for every platform function
LOG_KB_PER_INVOCATION = 1.0  # START/END/REPORT lines and the Powertools lines a call writes (an assumption)
# Operations per active user per day (an assumption: a messaging app used every day, files shared now and then, an
# hour of reading a day spread over a few peers' clouds, a new device every few days).
USAGE = {"message": 40, "share": 1, "token": 12, "sign-in": 0.2}
DAYS_A_MONTH = 30
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
FREE_ACTIONS = {"sts", "iam", "cloudformation"}  # no charge per request
COGNITO = "cognito"  # the platform's user pool: billed by monthly active user, not by request


@dataclass
class Seen:
    """What one stretch of work made AWS do, by account."""

    calls: Counter = field(default_factory=Counter)  # (account, service, action) -> requests
    units: Counter = field(default_factory=Counter)  # (account, service, action) -> billed units (items in batches)
    api: Counter = field(default_factory=Counter)  # account -> API requests answered
    invocations: list[dict] = field(default_factory=list)


_seen = Seen()


def _count_calls() -> None:
    """Count every call the embedded AWS answers, with the account it acts in and the units AWS bills for it."""
    original = BaseResponse.call_action

    def counted(response: BaseResponse):
        # Cognito's sign-in calls are unsigned (no account of the caller's): the user pool is the platform's.
        account = COGNITO if response.service_name == "cognito-idp" else response.current_account
        key = (account, response.service_name, response._get_action())
        _seen.calls[key] += 1
        _seen.units[key] += _units(key[1], key[2], response)
        return original(response)

    BaseResponse.call_action = counted


def _units(service: str, action: str, response: BaseResponse) -> int:
    if service != "dynamodb" or action not in ("BatchWriteItem", "BatchGetItem", "TransactWriteItems"):
        return 1
    body = response.body if isinstance(response.body, dict) else json.loads(response.body)
    if action == "TransactWriteItems":
        return 2 * len(body["TransactItems"])
    return sum(len(table["Keys"]) if "Keys" in table else len(table) for table in body["RequestItems"].values())


@contextmanager
def counting(cloud: LocalCloud):
    global _seen
    settle(cloud)
    _seen = Seen()
    start = cloud.log_path.stat().st_size
    seen = _seen
    yield seen
    settle(cloud)
    with open(cloud.log_path) as log:
        log.seek(start)
        records = [json.loads(line) for line in log]
    seen.api.update(record.get("account", "?") for record in records if record["type"] == "request")
    seen.invocations += [record for record in records if record["type"] == "invocation"]


def platform_cost(seen: Seen, platform: str) -> dict[str, float]:
    """USD by what AWS bills, for the platform's account only."""
    bill: Counter = Counter()
    for (account, service, action), units in seen.units.items():
        if account != platform or service in FREE_ACTIONS:
            continue
        if service == "dynamodb":
            writes = action in DYNAMODB_WRITES or action == "TransactWriteItems"
            bill["DynamoDB"] += units * PRICES["dynamodb:write" if writes else "dynamodb:read"]
        elif (service, action) == ("events", "PutEvents"):
            bill["EventBridge"] += units * PRICES["events"]
        elif (service, action) == ("sns", "Publish"):
            bill["SNS"] += units * (PRICES["sns:publish"] + PRICES["sns:mobile-push"])
        elif service == "kms":
            bill["KMS"] += units * PRICES["kms:asymmetric" if action == "Sign" else "kms:symmetric"]
        else:
            bill[f"{service} {action}"] += 0.0  # listed, so that nothing billed goes unseen
    bill["API Gateway"] += seen.api[platform] * PRICES["api:rest"]
    ours = [record for record in seen.invocations if record.get("account") == platform]
    seconds = sum(record.get("duration_ms", 0) for record in ours) / 1000
    bill["Lambda"] += len(ours) * PRICES["lambda:request"] + seconds * LAMBDA_MEMORY_GB * PRICES["lambda:gb-second"]
    bill["CloudWatch Logs"] += len(ours) * LOG_KB_PER_INVOCATION / 1024**2 * PRICES["logs:gb"]
    return dict(bill)


def describe(seen: Seen, platform: str, rounds: int) -> str:
    """The requests of one operation, per operation: the platform's by action, the users' clouds' in all."""

    def per(count: float) -> str:
        return f"{count / rounds:.3g}"

    mine = Counter({k[1:]: v for k, v in seen.calls.items() if k[0] == platform})
    sign_ins = sum(v for k, v in seen.calls.items() if k[0] == COGNITO)
    theirs = sum(v for k, v in seen.calls.items() if k[0] not in (platform, COGNITO))
    ours = sum(1 for record in seen.invocations if record.get("account") == platform)
    top = ", ".join(f"{action} {per(count)}" for (_, action), count in mine.most_common())
    return (
        f"platform: {per(seen.api[platform])} API requests, {per(ours)} invocations, {per(sum(mine.values()))} AWS"
        f" calls ({top}){f', {per(sign_ins)} Cognito' if sign_ins else ''};"
        f" users' clouds: {per(sum(v for k, v in seen.api.items() if k != platform))} API requests,"
        f" {per(theirs)} AWS calls"
    )


def measure(cloud: LocalCloud, endpoints: Endpoints, home: Path, rounds: int) -> dict[str, Seen]:
    alice, bob = (give_cloud(cloud, sign_up(endpoints, name, password(name))) for name in ("Alice", "Bob"))
    connect_everyone({person.imtag: person for person in (alice, bob)})
    bob.account.platform().register_device("bobs-iphone", "apns", "a1" * 32)  # his phone is rung
    chat_a, chat_b = Chat(alice.account), Chat(bob.account)
    cursor = InboxCursor(Inbox(chat_b, Groups(chat_b)))
    library, sharing, receiving = Library(alice.account), Sharing(alice.account), Sharing(bob.account)
    files = [
        library.put(written(home / f"notes-{n}.txt", f"notes {n} {uuid.uuid4()}\n" * 100)) for n in range(rounds + 1)
    ]
    chat_a.send("Bob", "warming up")  # the conversation, its key and the functions' first starts are not counted
    peer = chat_b.peer("Alice")
    cursor.fresh()
    receiving.find(sharing.share(files[-1], "Bob")["shareId"])
    measured: dict[str, Seen] = {}

    with counting(cloud) as measured["message"]:
        for n in range(rounds):
            sent = chat_a.send("Bob", f"message {n}")
            settle(cloud, 0.1)
            cursor.fresh()  # the push rang his phone: his device fetches its inbox, then the message
            page = chat_b.cloud_of(peer).messages(
                sent.conversation_id, after=sent.sequence - 1, limit=1, every_page=False
            )
            chat_b.open_direct_page(page, alice.user_id, "Alice", peer.identity_key)

    with counting(cloud) as measured["share"]:
        for n in range(rounds):
            share = sharing.share(files[n], "Bob")
            settle(cloud, 0.1)
            cursor.fresh()
            received = receiving.find(share["shareId"])
            receiving.get(received, received.file, home / f"received-{n}.txt")

    with counting(cloud) as measured["token"]:
        for _ in range(rounds):
            exchange(bob.account.endpoints.platform_api_url, bob.account.live_session().id_token, alice.user_id)

    with counting(cloud) as measured["sign-in"]:
        for n in range(rounds):
            Account(Profile.named(f"bobs-new-device-{n}"), endpoints).log_in("bob@example.org", password("Bob"))
    return measured


def password(name: str) -> str:
    return f"{name}'s bench password"


def written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    _count_calls()
    # Messages in bursts no person would send: the doorbell's per-sender rate limit would drop what is counted.
    with platform_of_its_own("imegha-cost-bench-", {"DoorbellRatePerMinute": "10000"}) as (cloud, endpoints, home):
        platform = cloud.platform.account_id
        measured = measure(cloud, endpoints, home, rounds)
    print(f"Requests per operation on the local cloud (mean of {rounds}):")
    per_operation = {}
    for operation, seen in measured.items():
        bill = platform_cost(seen, platform)
        per_operation[operation] = {item: usd / rounds for item, usd in bill.items()}
        print(f"  {operation:<8} {describe(seen, platform, rounds)}")
        print(f"  {'':<8} platform cost ${sum(bill.values()) / rounds * 1e6:.2f} per million")
    print("Prices (USD, us-east-1):", ", ".join(f"{name} {price:g}" for name, price in PRICES.items()))
    print(f"Usage per active user per day: {USAGE}, {DAYS_A_MONTH} days a month")
    monthly: Counter = Counter()
    for operation, bill in per_operation.items():
        for item, usd in bill.items():
            monthly[item] += usd * USAGE[operation] * DAYS_A_MONTH * 1000
    print("The platform's monthly cost per 1,000 active users, by service:")
    for item, usd in sorted(monthly.items(), key=lambda entry: -entry[1]):
        if usd:
            print(f"  {item:<16} ${usd:8.2f}")
    print(f"  {'requests, all':<16} ${sum(monthly.values()):8.2f}")
    print(
        f"  {'Cognito MAU':<16} ${1000 * PRICES['cognito:mau']:8.2f} beyond the 10,000 free"
        " (Essentials; $5.50 at Lite), $0 within them"
    )
    print("| Operation | a day per user | platform cost per million | a month per 1,000 users |")
    for operation, bill in per_operation.items():
        each = sum(bill.values())
        month = each * USAGE[operation] * DAYS_A_MONTH * 1000
        print(f"| {operation} | {USAGE[operation]:g} | ${each * 1e6:.2f} | ${month:.2f} |")


if __name__ == "__main__":
    main()
