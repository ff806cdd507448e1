"""The last chapter of ``make demo``: iMChat on the local cloud, what people see beside what the platform holds.

It runs in a process of its own (``python -m imegha_local.demo.chat``), with a local
cloud of its own: Alice, Bob and Carol each deploy their cloud; Alice and Bob
chat; the three share a group; Alice removes Carol, Bob writes again, and Carol
hears of nothing and reads nothing new.
"""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("IMEGHA_KDF_ITERATIONS", "100000")  # the demo's first chapters show the real cost

from imegha.chat import Chat  # noqa: E402 - after the setting above, which the SDK reads at import
from imegha.group_chat import Groups
from imegha_local.cloud import LocalCloud
from imegha_local.demo import eventually, heading, side_by_side
from imegha_local.people import connect_everyone, everything_held, give_cloud, platform_of_its_own, sign_up

SEED_MESSAGE = (
    "The client showed improvement this week. Blood pressure is down to 130/85 and responding well to "
    "the new medication. Can we discuss adjusting the dosage at Thursday's meeting?"
)
REPLY = "Yes. Thursday 10:00, and bring the lab results 🩺"
BEFORE = "Case team: the lab results are in."
AFTER = "Carol has moved to another ward; from now on it is the two of us."


def main() -> None:
    started = time.perf_counter()
    with platform_of_its_own("imegha-chat-demo-") as (cloud, endpoints, _):
        people = {
            name: give_cloud(cloud, sign_up(endpoints, name, f"{name}'s long password"))
            for name in ("Alice", "Bob", "Carol")
        }
        try:
            story(cloud, people, started)
        finally:
            for person in people.values():
                person.account.log_out()


def story(cloud: LocalCloud, people: dict, started: float) -> None:
    heading("7. iMChat: the platform rings the doorbell, it never opens the letter")
    for name, person in people.items():
        print(f"  {name} signed up; their own cloud is AWS account {person.cloud.account.account_id}")
    print(f"  (a local cloud of its own, ready in {time.perf_counter() - started:.1f} s)\n")
    connect_everyone(people)
    print("  They are each other's connections, so their messages ring; a stranger's would wait as a request.\n")
    alice, bob, carol = (Chat(people[name].account) for name in ("Alice", "Bob", "Carol"))

    sent = alice.send("Bob", SEED_MESSAGE)
    print("  Alice's device sealed the message under their conversation key, signed it, and stored it in her own")
    print("  cloud, which put 'Message Posted' (ids only) on the platform bus; the platform checked the event came")
    print("  from Alice's registered cloud account and told Bob.")
    entry = eventually(
        lambda: [
            e
            for e in bob.platform.notifications()["notifications"]
            if e.get("messageId") == str(sent.sequence) and e["conversationId"] == sent.conversation_id
        ]
    )
    (line,) = [line for line in bob.read("Alice") if line.sequence == sent.sequence and line.sender == "Alice"]
    stored = alice.my_cloud.messages(sent.conversation_id, after=sent.sequence - 1, limit=1, every_page=False)
    sealed = stored["messages"][0]["message"]["body"]["sealed"]["ct"]
    print()
    side_by_side(
        "What Bob sees",
        f"{line.sender}: {line.text}",
        "What the platform holds (Bob's inbox)",
        json.dumps({k: entry[0][k] for k in ("kind", "senderTag", "conversationId", "messageId")}),
    )
    print()
    side_by_side("What Alice sees", f"to Bob: {SEED_MESSAGE}", "What Alice's own cloud holds", sealed[:160] + "…")

    bob.send("Alice", REPLY)
    print("\n  Bob replies; each side reads both clouds and merges them in order:")
    for line in alice.read("Bob"):
        print(f"    {line.sender:>5}: {line.text}")

    alices_groups = Groups(alice)
    group = alices_groups.create("Case team", ["Bob", "Carol"])
    Groups(bob).send("Case team", BEFORE)
    print("\n  Alice makes 'Case team' with Bob and Carol: a group key made on her device, wrapped for each of them;")
    print(
        f"  the platform keeps the memberships, never the key. Carol reads: "
        f"{[line.text for line in Groups(carol).read('Case team')]}"
    )
    removed = alices_groups.remove(group.group_id, "Carol")
    after = Groups(bob).send("Case team", AFTER)
    print(f"  Alice removes Carol: her device made the key of epoch {removed.epoch} for Alice and Bob only, and the")
    print(f"  platform committed it with the roster that removes Carol. Bob writes under epoch {after.epoch}.")
    eventually(
        lambda: [
            e
            for e in alice.platform.notifications()["notifications"]
            if e.get("conversationId") == group.group_id and e.get("messageId") == str(after.sequence)
        ]
    )
    told = [
        e
        for e in carol.platform.notifications()["notifications"]
        if e.get("conversationId") == group.group_id and e.get("messageId") == str(after.sequence)
    ]
    print(
        f"  Carol is told of it {len(told)} times, and reads: {[line.text for line in Groups(carol).read(group.group_id)]}"
    )
    print(f"  Alice reads: {[line.text for line in Groups(alice).read('Case team')]}")

    held = everything_held(cloud, [cloud.platform, *(person.cloud.account for person in people.values())])
    said = (SEED_MESSAGE, REPLY, BEFORE, AFTER)
    print(f"\n  Every table, queue and log of the platform and the three clouds: {len(held):,} characters;")
    print(f"  the words people said appear in them {sum(held.count(text) for text in said)} times.")


if __name__ == "__main__":
    main()
