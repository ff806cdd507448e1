"""iMChat on the local cloud: how fast a message reaches its reader, what each message costs, and group fan-out.

- ``send → read``: from Alice's device starting to send until Bob's device holds the decrypted text, reading it
  from Alice's cloud after his cursor (the path ``imegha chat watch`` takes once the doorbell rang), median and p99;
  and ``send → notified``: until Bob's inbox shows the message (the doorbell: EventBridge, the notifier, DynamoDB).
- ``token exchange``: what Bob's device pays the platform for a token valid at Alice's cloud alone, once per cloud
  and five minutes (``imegha.cloud_tokens``), and so what it adds to a read, amortised over a token's reads.
- requests per message: every AWS API call the clouds made (counted at the embedded AWS) and every API request
  (counted at the local gateway), per message sent and per message read, early in a conversation and after it has
  grown: the counts must not grow with the conversation.
- fan-out: one group message to 10, 100 and 1,000 members, with no phones (so the notifier is done at the last
  inbox) and with an iPhone each (done at the last push): the notifier's time and its AWS calls (inbox writes in
  batches of 25, the members' endpoints read a hundred members at a time, a publish per phone), and the AWS bill it
  implies at us-east-1 list prices.

``python bench/chat_bench.py [messages]`` (default 40). The local cloud's timings are those of moto and a local
Lambda runtime, not of AWS; the request counts are what AWS would see.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # sign-ups are not what is measured here

from moto.core.responses import BaseResponse

from imegha.chat import Chat
from imegha.cloud_tokens import RENEWAL_MARGIN_S, exchange
from imegha.group_chat import Groups
from imegha.inbox import Inbox, InboxCursor
from imegha_crypto import GroupKey
from imegha_local.cloud import LocalCloud
from imegha_local.people import connect_everyone, give_cloud, platform_of_its_own, sign_up

# USD per request at us-east-1 list prices (on-demand DynamoDB per 1 KB write / 4 KB read unit; Lambda per request,
# duration not included; EventBridge custom events; SNS publishes, and each one's delivery to a phone; API Gateway HTTP
# and REST APIs).
PRICES = {
    "dynamodb:write": 1.25e-6,
    "dynamodb:read": 0.25e-6,
    "events": 1.0e-6,
    "sns": 0.50e-6,
    "sns:mobile": 0.50e-6,
    "lambda": 0.20e-6,
    "api:http": 1.0e-6,
    "api:rest": 3.5e-6,
}
ROUNDS = 3  # group messages timed per group size
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

_calls: Counter = Counter()
_billed: Counter = Counter()  # what AWS bills by item, not by call: the items of batch writes and batch reads


def _count_calls() -> None:
    original = BaseResponse.call_action

    def counted(response):
        call = (response.service_name, response._get_action())
        _calls[call] += 1
        if call in (("dynamodb", "BatchWriteItem"), ("dynamodb", "BatchGetItem")):
            body = response.body if isinstance(response.body, dict) else json.loads(response.body)
            requests = body["RequestItems"].values()
            _billed[call] += sum(len(table["Keys"]) if "Keys" in table else len(table) for table in requests)
        else:
            _billed[call] += 1
        return original(response)

    BaseResponse.call_action = counted


@contextmanager
def counting(cloud: LocalCloud):
    """What happened inside the block: AWS calls by (service, action), API requests by route, Lambda invocations."""
    _calls.clear()
    _billed.clear()
    log_start = cloud.log_path.stat().st_size
    seen: dict = {}
    yield seen
    with open(cloud.log_path) as log:
        log.seek(log_start)
        records = [json.loads(line) for line in log]
    seen["aws"] = Counter(_calls)
    seen["billed"] = Counter(_billed)
    seen["api"] = Counter(record.get("route", "?") for record in records if record["type"] == "request")
    seen["lambda"] = [record for record in records if record["type"] == "invocation"]


def settle(cloud: LocalCloud, quiet_s: float = 0.3) -> None:
    """Wait until the local cloud has been quiet (no log line) for ``quiet_s``: asynchronous work is done."""
    size = -1
    while cloud.log_path.stat().st_size != size:
        size = cloud.log_path.stat().st_size
        time.sleep(quiet_s)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def per_message(seen: dict, messages: int) -> str:
    aws = sum(seen["aws"].values()) / messages
    api = sum(seen["api"].values()) / messages
    top = ", ".join(
        f"{service} {action} {count / messages:g}" for (service, action), count in seen["aws"].most_common(6)
    )
    return (
        f"{aws:5.1f} AWS calls + {api:3.1f} API requests + {len(seen['lambda']) / messages:3.1f} invocations  ({top})"
    )


def cost(seen: dict) -> float:
    total = 0.0
    for (service, action), count in seen["billed"].items():
        if service == "dynamodb":
            total += count * PRICES["dynamodb:write" if action in DYNAMODB_WRITES else "dynamodb:read"]
        elif service in ("events", "sns"):
            total += count * PRICES[service]
            if (service, action) == ("sns", "Publish"):  # every publish goes to a phone's endpoint
                total += count * PRICES["sns:mobile"]
    total += len(seen["lambda"]) * PRICES["lambda"]
    total += sum(
        count * PRICES["api:http" if route.startswith(("GET /conv", "POST /conv", "PUT /conv")) else "api:rest"]
        for route, count in seen["api"].items()
    )
    return total


def latency(cloud: LocalCloud, alice: Chat, bob: Chat, messages: int) -> None:
    cursor = InboxCursor(Inbox(bob, Groups(bob)))
    peer = bob.peer("Alice")
    to_read, to_notify = [], []
    for index in range(messages):
        started = time.perf_counter()
        sent = alice.send("Bob", f"message {index} {uuid.uuid4()}")
        page = bob.cloud_of(peer).messages(sent.conversation_id, after=sent.sequence - 1, limit=1, every_page=False)
        (line,) = bob.open_direct_page(page, alice.me, "Alice", peer.identity_key)
        assert line.text == sent.text
        to_read.append(time.perf_counter() - started)
        while not any(entry.get("messageId") == str(sent.sequence) for entry in cursor.fresh()):
            time.sleep(0.005)
        to_notify.append(time.perf_counter() - started)
    exchanges, lifetime = [], 0
    for _ in range(messages):
        started = time.perf_counter()
        issued = exchange(bob.account.endpoints.platform_api_url, bob.account.live_session().id_token, alice.me)
        exchanges.append(time.perf_counter() - started)
        lifetime = issued["expires_in"] - RENEWAL_MARGIN_S
    for name, values in (
        ("send → read (decrypted)", to_read),
        ("send → notified", to_notify),
        ("token exchange", exchanges),
    ):
        print(
            f"  {name:<26} median {statistics.median(values) * 1000:6.0f} ms   p99 {percentile(values, 0.99) * 1000:6.0f} ms"
            f"   ({len(values)} {'exchanges' if values is exchanges else 'messages'})"
        )
    once = statistics.median(exchanges) * 1000
    print(
        f"  {'':<26} a token serves every read of its cloud for {lifetime} s: +{once:.0f} ms on the"
        f" first, +{once / messages:.1f} ms a read over these {messages} reads"
    )


def requests_per_message(cloud: LocalCloud, alice: Chat, bob: Chat, batch: int) -> None:
    peer = bob.peer("Alice")
    for label in ("early", "grown"):
        settle(cloud)
        with counting(cloud) as sent:
            lines = [alice.send("Bob", f"{label} {index}") for index in range(batch)]
            settle(cloud)
        with counting(cloud) as read:
            for line in lines:
                page = bob.cloud_of(peer).messages(
                    line.conversation_id, after=line.sequence - 1, limit=1, every_page=False
                )
                bob.open_direct_page(page, alice.me, "Alice", peer.identity_key)
        print(f"  at message #{lines[-1].sequence:<5} send: {per_message(sent, batch)}")
        print(f"  {'':<18} read: {per_message(read, batch)}")
        print(
            f"  {'':<18} cost: ${cost(sent) / batch * 1e6:.2f} per million messages sent, "
            f"${cost(read) / batch * 1e6:.2f} per million read"
        )
        if label == "early":
            for index in range(150):  # the conversation grows by 150 messages
                alice.send("Bob", f"filler {index}")


def fan_out(cloud: LocalCloud, alice: Chat, sizes: tuple[int, ...], phones: bool) -> None:
    connections, devices = (
        cloud.client("cloudformation").describe_stack_resource(
            StackName=cloud.platform_stack.name, LogicalResourceId=table
        )["StackResourceDetail"]["PhysicalResourceId"]
        for table in ("ConnectionsTable", "DeviceTokensTable")
    )
    dynamodb = cloud.client("dynamodb")
    for size in sizes:
        group_id = "grp-" + uuid.uuid4().hex
        members = [alice.me] + [f"member-{index:04d}-{uuid.uuid4().hex[:8]}" for index in range(size)]
        dynamodb.put_item(
            TableName=connections,
            Item={
                "userId": {"S": f"GROUP#{group_id}"},
                "peerId": {"S": "GROUP"},
                "groupId": {"S": group_id},
                "admin": {"S": alice.me},
                "members": {"L": [{"S": member} for member in members]},
                "epoch": {"N": "0"},
                "needsNewKey": {"BOOL": False},
                "rosterVersion": {"N": "1"},
                "epochs": {"L": []},
            },
        )
        endpoints = give_phones(cloud, devices, members[1:]) if phones else []
        notifier_ms, elapsed_ms = [], []
        for sequence in range(1, ROUNDS + 1):  # the machine is shared: the median of a few rounds
            settle(cloud)
            offset = cloud.log_path.stat().st_size
            started = time.perf_counter()
            with counting(cloud) as seen:
                alice.post(group_id, GroupKey.generate(0), "to everyone", members[1:], sequence)
                while not notifier_runs(cloud, offset):
                    time.sleep(0.005)
                elapsed_ms.append((time.perf_counter() - started) * 1000)
                settle(cloud, 0.2)
            notifier_ms += [
                record["duration_ms"] for record in seen["lambda"] if "NotifyFunction" in record["function"]
            ]
        writes, reads = seen["aws"][("dynamodb", "BatchWriteItem")], seen["aws"][("dynamodb", "BatchGetItem")]
        pushes = seen["aws"][("sns", "Publish")]
        assert pushes == len(endpoints), f"{pushes} pushes for {len(endpoints)} phones"
        print(
            f"  {size:>5} members{' (a phone each)' if phones else ''}:"
            f" notifier {statistics.median(notifier_ms):5.0f} ms, post → {'every phone rung' if phones else 'last inbox'}"
            f" {statistics.median(elapsed_ms):5.0f} ms (median of {ROUNDS}; {min(elapsed_ms):.0f}–{max(elapsed_ms):.0f});"
            f" {writes} BatchWriteItem + {reads} BatchGetItem (memberships, devices) + {pushes} Publish;"
            f" {sum(seen['aws'].values())} AWS calls in all;"
            f" ${cost(seen):.6f} per message (${cost(seen) / size * 1e6:.2f} per million deliveries)"
        )


def give_phones(cloud: LocalCloud, table: str, members: list[str]) -> list[str]:
    """An iPhone for each member, recorded as registering leaves it: its SNS endpoint in the platform's APNs
    application, the device's record and its owner's index of endpoints (``functions/dal/devices.py``), written in
    batches (a thousand registrations through the API would be most of the bench's time). The endpoints' ARNs."""
    sns, dynamodb = cloud.client("sns"), cloud.client("dynamodb")
    (application,) = [
        found["PlatformApplicationArn"]
        for found in sns.list_platform_applications()["PlatformApplications"]
        if ":app/APNS/" in found["PlatformApplicationArn"]
    ]
    endpoints = [
        sns.create_platform_endpoint(PlatformApplicationArn=application, Token=f"{member}-iphone")["EndpointArn"]
        for member in members
    ]
    items = [
        item
        for member, endpoint in zip(members, endpoints, strict=True)
        for item in (
            {
                "userId": {"S": member},
                "deviceId": {"S": "iphone-0001"},
                "platform": {"S": "apns"},
                "endpointArn": {"S": endpoint},
            },
            {
                "userId": {"S": member},
                "deviceId": {"S": "#endpoints"},
                "endpoints": {"M": {"iphone-0001": {"S": endpoint}}},
            },
        )
    ]
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        )
    return endpoints


def notifier_runs(cloud: LocalCloud, offset: int) -> list[dict]:
    """The notifier's invocations logged after ``offset``."""
    with open(cloud.log_path) as log:
        log.seek(offset)
        return [
            record
            for record in map(json.loads, log)
            if record["type"] == "invocation" and "NotifyFunction" in record["function"]
        ]


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    _count_calls()
    # The bench sends in bursts no person would: the doorbell's per-sender rate limit would drop what it measures.
    with platform_of_its_own("imegha-chat-bench-", {"DoorbellRatePerMinute": "10000"}) as (cloud, endpoints, _):
        people = [give_cloud(cloud, sign_up(endpoints, name, f"{name}'s bench password")) for name in ("Alice", "Bob")]
        connect_everyone({person.imtag: person for person in people})  # a stranger's message would be a request
        alice, bob = (Chat(person.account) for person in people)
        alice.send("Bob", "hello")  # the conversation and its key exist before anything is timed
        print("iMChat on the local cloud")
        print("Latency, Alice's device to Bob's:")
        latency(cloud, alice, bob, messages)
        print("Requests per message (1:1), as the conversation grows:")
        requests_per_message(cloud, alice, bob, 10)
        print("Group fan-out (one message; the doorbell writes each member's inbox, then pushes to their phones):")
        fan_out(cloud, alice, (10, 100, 1000), phones=False)
        fan_out(cloud, alice, (10, 100, 1000), phones=True)
        for person in people:
            person.account.log_out()


if __name__ == "__main__":
    main()
