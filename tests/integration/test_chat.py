"""iMChat on the local cloud: 1:1 and group chats between people with clouds of their own, the doorbell, and rekeying.

Each test starts what it needs (a conversation, a group) from the module's
people, so the tests hold in any order and on any worker. Attacks are made as
the attacker could: with their own token, their own cloud's AWS account, or
the platform's own access to its tables.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from imegha import accounts
from imegha.chat import Chat, ChatError, now
from imegha.group_chat import Groups
from imegha.platform_api import ApiError
from imegha_crypto import (
    MESSAGE_MAX_BYTES,
    CryptoError,
    GroupKey,
    direct_conversation_id,
    group_name_context,
    message_context,
    new_group_id,
    open_message,
    seal_data,
    seal_message,
    sign_history_grant,
    sign_record,
    sign_roster,
)
from imegha_local.people import endpoints_of, everything_held, give_cloud, link_user_cloud, sign_up
from tests.integration.chat_world import World, build_world, replay_message
from tests.integration.polling import eventually

FAST_KDF_ITERATIONS = 100_000


@pytest.fixture(scope="module")
def world(local_cloud, platform, tmp_path_factory) -> World:
    home = tmp_path_factory.mktemp("chat")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMEGHA_HOME", str(home))
        patch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "600")
        patch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
        built = build_world(local_cloud, home, ("Alice", "Bob", "Carol", "Mallory"))
        yield built
        for person in built.people.values():
            person.account.log_out()


def unique(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:8]}]"


def inbox_entries(world: World, name: str, conversation_id: str, message_id: str) -> list[dict]:
    return [
        entry
        for entry in world.inbox(name)
        if entry.get("conversationId") == conversation_id and entry.get("messageId") == message_id
    ]


def notified(world: World, name: str, conversation_id: str, message_id: str) -> list[dict]:
    return eventually(lambda: inbox_entries(world, name, conversation_id, message_id))


def logged(world: World, function: str, *words: str) -> bool:
    """Whether ``function`` has logged a line holding every one of ``words``."""
    for line in world.cloud.log_path.read_text().splitlines():
        record = json.loads(line)
        if record["type"] == "output" and function in record["function"] and all(w in record["message"] for w in words):
            return True
    return False


# --- 1:1 conversations --------------------------------------------------------------------------


def test_alice_and_bob_chat_both_ways_and_both_see_the_whole_conversation_in_order(world):
    first, reply = world.said(unique("The client showed improvement")), world.said(unique("Thursday works"))

    world.chat("Alice").send("Bob", first)
    world.chat("Bob").send("Alice", reply)

    for reader, other in (("Alice", "Bob"), ("Bob", "Alice")):
        lines = world.chat(reader).read(other)
        assert [(line.sender, line.text) for line in lines][-2:] == [("Alice", first), ("Bob", reply)]
        assert all(line.refused is None for line in lines)


def test_a_message_is_kept_once_in_the_senders_cloud_only(world):
    text = world.said(unique("kept once"))
    sent = world.chat("Alice").send("Bob", text)

    def messages_from_alice(name: str) -> list[dict]:
        items = world.cloud.client("dynamodb", world.own_account(name)).scan(TableName=world.table_of(name))["Items"]
        return [
            item
            for item in items
            if item["pk"]["S"] == f"CONV#{sent.conversation_id}"
            and "message" in item
            and item["message"]["M"]["body"]["M"]["sender"]["S"] == world.people["Alice"].user_id
        ]

    at_alice, at_bob = messages_from_alice("Alice"), messages_from_alice("Bob")
    at_alice = [item for item in at_alice if int(item["sequence"]["N"]) == sent.sequence]
    assert len(at_alice) == 1 and at_bob == []


def test_someone_outside_the_conversation_reading_it_gets_403(world):
    sent = world.chat("Alice").send("Bob", world.said(unique("not for Mallory")))

    for request in (lambda api: api.messages(sent.conversation_id), lambda api: api.conversation(sent.conversation_id)):
        with pytest.raises(ApiError) as refusal:
            request(world.cloud_api("Alice", as_whom="Mallory"))
        assert refusal.value.status == 403
        assert refusal.value.message == "you do not take part in this conversation"


def test_only_the_owner_posts_to_their_cloud(world):
    alice = world.chat("Alice")
    sent = alice.send("Bob", world.said(unique("mine")))
    record = seal_message(
        GroupKey.generate(0),
        alice.keys.identity_key,
        conversation_id=sent.conversation_id,
        sender=alice.me,
        sequence=999,
        text="x",
        sent_at=sent.sent_at,
    )

    with pytest.raises(ApiError) as refusal:
        world.cloud_api("Alice", as_whom="Bob").post(sent.conversation_id, record, [alice.me])
    assert (refusal.value.status, refusal.value.message) == (403, "only the owner of this cloud may do this")


@pytest.mark.parametrize(
    "text", ["", "🩺 130/85 ✔️ — naïve 日本語 👩🏽‍⚕️", "x" * MESSAGE_MAX_BYTES], ids=["empty", "emoji", "64 KiB"]
)
def test_empty_emoji_and_64_kib_messages_round_trip(world, text):
    sent = world.chat("Bob").send("Carol", text)

    read = {(line.sender, line.sequence): line for line in world.chat("Carol").read("Bob")}
    assert read[("Bob", sent.sequence)].text == text


def test_an_oversized_message_is_refused_with_a_clear_error_by_the_device_and_by_the_cloud(world):
    bob = world.chat("Bob")
    with pytest.raises(ChatError, match=r"not sent: the message is 65,537 bytes; a message holds at most 65,536"):
        bob.send("Carol", "x" * (MESSAGE_MAX_BYTES + 1))

    # A device that skips the check: the cloud refuses the sealed text by its size.
    sent = bob.send("Carol", "a small one first")
    key = bob.direct_key(
        world.cloud_api("Bob", "Bob").conversation(sent.conversation_id)["keys"]["0"],
        sent.conversation_id,
        bob.me,
        bob.keys.identity_key.public_key,
    )
    sequence = sent.sequence + 1
    body = {
        "conversationId": sent.conversation_id,
        "sender": bob.me,
        "sequence": sequence,
        "sentAt": sent.sent_at,
        "sealed": seal_data(
            key, b"x" * (MESSAGE_MAX_BYTES + 1), message_context(sent.conversation_id, bob.me, sequence)
        ),
    }
    with pytest.raises(ApiError) as refusal:
        bob.my_cloud.post(
            sent.conversation_id, sign_record(bob.keys.identity_key, "message", body), [world.people["Carol"].user_id]
        )
    assert refusal.value.status == 400
    assert (
        refusal.value.message == "message/body/sealed: the sealed text is 65,537 bytes; a message holds at most 65,536"
    )


def test_a_message_replayed_into_another_conversation_fails_to_open(world):
    """Alice's cloud, taken over, copies her message to Bob into her conversation with Carol."""
    to_bob = world.chat("Alice").send("Bob", world.said(unique("for Bob's eyes")))
    to_carol = world.chat("Alice").send("Carol", world.said(unique("hello Carol")))
    replay_at = to_carol.sequence + 1
    replay_message(
        world.cloud.client("dynamodb", world.own_account("Alice")),
        world.table_of("Alice"),
        to_bob.conversation_id,
        to_bob.sequence,
        into=to_carol.conversation_id,
        at=replay_at,
        recipient=world.people["Carol"].user_id,
    )

    lines = {line.sequence: line for line in world.chat("Carol").read("Alice") if line.sender == "Alice"}
    assert lines[to_carol.sequence].text == to_carol.text
    assert lines[replay_at].text is None
    assert "belongs to conversation" in lines[replay_at].refused


# --- The doorbell ----------------------------------------------------------------------------------


def pushes_for(world: World, conversation_id: str, message_id: str) -> list[dict]:
    return [
        push
        for push in world.pushes()
        if push.get("conversationId") == conversation_id and push.get("messageId") == message_id
    ]


def test_the_recipient_is_notified_once_and_the_push_says_who_not_what(world):
    text = world.said(unique("Blood pressure is down"))
    sent = world.chat("Alice").send("Bob", text)

    (entry,) = notified(world, "Bob", sent.conversation_id, str(sent.sequence))
    assert (entry["kind"], entry["senderTag"]) == ("message", "Alice")
    (push,) = eventually(lambda: pushes_for(world, sent.conversation_id, str(sent.sequence)))
    assert push["alert"] == "Alice sent a message"
    assert push["recipient"] == world.people["Bob"].user_id
    assert text not in json.dumps(push)


def test_the_same_message_posted_again_notifies_once(world, invocations):
    def doorbell_runs() -> int:
        return len([record for record in invocations() if "NotifyFunction" in record["function"]])

    alice = world.chat("Alice")
    before = doorbell_runs()
    sent = alice.send("Bob", world.said(unique("posted twice")))
    stored = world.cloud_api("Alice", "Alice").messages(
        sent.conversation_id, after=sent.sequence - 1, limit=1, every_page=False
    )["messages"][0]["message"]

    # The device lost the answer and posts again: the cloud stores nothing more and rings again, with the same ids.
    again = alice.my_cloud.post(sent.conversation_id, stored, [world.people["Bob"].user_id])

    assert again["sequence"] == sent.sequence
    assert eventually(lambda: doorbell_runs() >= before + 2)
    assert len(notified(world, "Bob", sent.conversation_id, str(sent.sequence))) == 1
    assert len(eventually(lambda: pushes_for(world, sent.conversation_id, str(sent.sequence)))) == 1


def test_a_ring_from_another_account_speaking_for_alice_is_refused_and_notifies_no_one(world):
    import boto3

    from imegha_service.events import PublishFailed, SignedDoorbell

    conversation_id = direct_conversation_id(world.people["Alice"].user_id, world.people["Bob"].user_id)
    forged = {
        "conversationId": conversation_id,
        "senderId": world.people["Alice"].user_id,
        "recipients": [world.people["Bob"].user_id],
        "messageId": "424242",
    }
    mallory = world.own_account("Mallory")
    as_mallory = boto3.Session(
        aws_access_key_id=mallory.access_key_id,
        aws_secret_access_key=mallory.secret_access_key,
        region_name=world.cloud.region,
    )
    doorbell = SignedDoorbell(world.cloud.platform_stack.outputs["DoorbellUrl"], as_mallory)

    with pytest.raises(PublishFailed, match=f"HTTP 403: account {mallory.account_id} does not run"):
        doorbell.publish("Message Posted", forged)  # signed as Mallory's account, for Alice
    with pytest.raises(PublishFailed, match="HTTP 403"):
        SignedDoorbell(
            doorbell.url,
            boto3.Session(
                aws_access_key_id="AKIA" + "X" * 16, aws_secret_access_key="x", region_name=world.cloud.region
            ),
        ).publish("Message Posted", forged)  # a key nobody has
    with pytest.raises(ClientError, match="AccessDenied"):  # nor may any cloud put events on the bus itself
        world.cloud.client("events", mallory).put_events(
            Entries=[
                {
                    "EventBusName": world.cloud.platform_stack.outputs["PlatformEventBusArn"],
                    "Source": "imegha.user-cloud",
                    "DetailType": "Message Posted",
                    "Detail": json.dumps(forged | {"cloudAccountId": world.own_account("Alice").account_id}),
                }
            ]
        )
    assert inbox_entries(world, "Bob", conversation_id, "424242") == []
    assert pushes_for(world, conversation_id, "424242") == []


# --- Groups -----------------------------------------------------------------------------------------


def test_a_removed_member_is_notified_of_nothing_new_and_cannot_read_it_even_with_all_they_kept(world):
    group = world.groups("Alice").create("Case 4711", ["Bob", "Carol"])
    before = world.groups("Bob").send(group.group_id, world.said(unique("before Carol left")))
    assert [line.text for line in world.groups("Carol").read("Case 4711")] == [before.text]

    after_removal = world.groups("Alice").remove(group.group_id, "Carol")
    assert (after_removal.epoch, after_removal.needs_new_key) == (1, False)
    after = world.groups("Bob").send("Case 4711", world.said(unique("after Carol left")))
    assert after.epoch == 1

    notified(world, "Alice", group.group_id, str(after.sequence))
    assert inbox_entries(world, "Carol", group.group_id, str(after.sequence)) == []
    carol = world.groups("Carol")
    assert [line.text for line in carol.read(group.group_id)] == [before.text]
    for reader in ("Alice", "Bob"):
        assert [line.text for line in world.groups(reader).read("Case 4711")] == [before.text, after.text]
    # Bob's stored message, leaked to Carol, against every key she ever had: her cloud's and the platform's.
    kept = carol.view(group.group_id)
    assert not kept.member and set(kept.keys) == {0}
    with pytest.raises(ApiError):
        carol.chat.platform.group(group.group_id)
    leaked = world.cloud_api("Bob", "Bob").messages(group.group_id, after=after.sequence - 1)["messages"][0]
    for key in kept.keys.values():
        line = carol.open_group_line(kept, leaked, world.people["Bob"].user_id, "Bob")
        assert line.text is None
        with pytest.raises(CryptoError):
            open_message(
                leaked["message"],
                key,
                sender_identity=carol.chat.identity_of(world.people["Bob"].user_id, "Bob"),
                conversation_id=group.group_id,
                sender=world.people["Bob"].user_id,
            )


def test_a_message_sealed_under_the_old_epoch_after_a_removal_is_refused(world):
    group = world.groups("Alice").create(unique("Old epoch"), ["Bob", "Carol"])
    bob = world.groups("Bob")
    old_key = bob.view(group.group_id).keys[0]
    world.groups("Alice").remove(group.group_id, "Carol")

    # Bob's device, out of date (or Carol's old key in other hands), seals under epoch 0 anyway.
    view = bob.view(group.group_id)
    assert view.epoch == 1
    stale = bob.chat.post(
        group.group_id,
        old_key,
        world.said(unique("sealed under epoch 0")),
        [world.people["Alice"].user_id],
        view.next_sequence,
    )
    fresh = bob.send(group.group_id, world.said(unique("sealed under epoch 1")))

    notified(world, "Alice", group.group_id, str(fresh.sequence))
    assert inbox_entries(world, "Alice", group.group_id, str(stale.sequence)) == []
    lines = {line.sequence: line for line in world.groups("Alice").read(group.group_id)}
    assert lines[stale.sequence].text is None
    assert lines[stale.sequence].refused == "sealed under epoch 0 after the group moved to epoch 1"
    assert lines[fresh.sequence].text == fresh.text


def test_people_with_no_cloud_yet_are_read_as_having_said_nothing(world, tmp_path):
    newcomer = f"Nadia{uuid.uuid4().hex[:6]}"
    sign_up(endpoints_of(world.cloud, tmp_path / "endpoints.json"), newcomer, f"{newcomer}'s own long password")
    group = world.groups("Alice").create(unique("With a newcomer"), ["Bob", newcomer])
    sent = world.groups("Bob").send(group.group_id, world.said(unique("welcome")))
    to_her = world.chat("Alice").send(newcomer, world.said(unique("deploy your cloud when you can")))

    assert [line.text for line in world.groups("Alice").read(group.group_id)] == [sent.text]
    assert [line.text for line in world.chat("Alice").read(newcomer)] == [to_her.text]


def test_a_cloud_that_does_not_answer_leaves_its_messages_out_named_instead_of_failing_the_read(world, tmp_path):
    name = f"Olu{uuid.uuid4().hex[:6]}"
    olu = give_cloud(
        world.cloud,
        sign_up(endpoints_of(world.cloud, tmp_path / "endpoints.json"), name, f"{name}'s own long password"),
    )
    group = world.groups("Alice").create(unique("A cloud goes down"), ["Bob", name])
    bobs = world.groups("Bob").send(group.group_id, world.said(unique("from Bob")))
    Groups(Chat(olu.account)).send(group.group_id, world.said(unique("from Olu")))

    # Olu's cloud goes away: the directory and his own signed statement name an address nothing answers at.
    gone = replace(olu.cloud, stack=replace(olu.cloud.stack, outputs={"CloudApiUrl": "http://127.0.0.1:9/gone"}))
    link_user_cloud(world.cloud, olu.user_id, gone)
    olu.account.publish_cloud_url("http://127.0.0.1:9/gone")

    unanswered: list[str] = []
    lines = world.groups("Alice").read(group.group_id, unanswered)

    assert [line.text for line in lines] == [bobs.text]
    assert len(unanswered) == 1 and unanswered[0].startswith(f"{name}'s cloud did not answer")
    with pytest.raises(OSError):
        world.groups("Alice").read(group.group_id)


def carol_backdates(world: World, group_id: str, old_key, said, text: str) -> dict:
    """Carol owns her cloud: she stores there a message under the group key she kept, numbered after and dated as
    ``said``, her last while a member. What Bob's device then reads of hers, by sequence."""
    carol = world.chat("Carol")
    backdated = seal_message(
        old_key,
        carol.keys.identity_key,
        conversation_id=group_id,
        sender=carol.me,
        sequence=said.sequence + 1,
        text=world.said(unique(text)),
        sent_at=said.sent_at,
    )
    carol.my_cloud.post(group_id, backdated, [world.people["Alice"].user_id, world.people["Bob"].user_id])
    return {line.sequence: line for line in world.groups("Bob").read(group_id) if line.sender_id == carol.me}


def test_a_removed_members_cloud_cannot_slip_a_backdated_message_into_the_history(world):
    group = world.groups("Alice").create(unique("Backdated"), ["Bob", "Carol"])
    carols = world.groups("Carol")
    said = carols.send(group.group_id, world.said(unique("Carol, while a member")))
    old_key = carols.view(group.group_id).keys[0]
    world.groups("Alice").remove(group.group_id, "Carol")

    lines = carol_backdates(world, group.group_id, old_key, said, "Carol, backdated")
    assert lines[said.sequence].text == said.text
    assert (lines[said.sequence + 1].text, lines[said.sequence + 1].refused) == (
        None,
        "kept in Carol's cloud after they left the group",
    )


@contextlib.contextmanager
def cloud_answering_errors(world: World, name: str):
    """``name`` points their directory entry and signed statement at a path of their cloud where nothing is served,
    so every read of their messages is answered with an error; their real cloud again afterwards."""
    person = world.people[name]
    real = person.cloud.stack.outputs["CloudApiUrl"]
    stalled = replace(person.cloud, stack=replace(person.cloud.stack, outputs={"CloudApiUrl": real + "/stalled"}))
    link_user_cloud(world.cloud, person.user_id, stalled)
    person.account.publish_cloud_url(real + "/stalled")
    try:
        yield
    finally:
        link_user_cloud(world.cloud, person.user_id, person.cloud)
        person.account.publish_cloud_url(real)


@contextlib.contextmanager
def member_removed_events_dropped(world: World):
    """Every 'Member Removed' event lost on its way (no rule delivers it): whatever a function would do after a
    removal never happens."""
    events = world.cloud.client("events")
    bus = world.cloud.platform_stack.outputs["PlatformEventBusArn"].rsplit("/", 1)[1]
    rules = [
        rule
        for rule in events.list_rules(EventBusName=bus)["Rules"]
        if "Member Removed" in json.loads(rule.get("EventPattern") or "{}").get("detail-type", [])
    ]
    targets = {
        rule["Name"]: events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"] for rule in rules
    }
    for rule, dropped in targets.items():
        events.remove_targets(Rule=rule, EventBusName=bus, Ids=[target["Id"] for target in dropped])
    try:
        yield
    finally:
        for rule, dropped in targets.items():
            events.put_targets(Rule=rule, EventBusName=bus, Targets=dropped)


def test_a_removal_is_its_new_epoch_so_the_next_message_is_sealed_under_a_key_the_removed_member_lacks(world):
    group = world.groups("Alice").create(unique("No window"), ["Bob", "Carol"])
    assert set(world.groups("Carol").view(group.group_id).keys) == {0}  # kept in her cloud, as any member's device does

    with member_removed_events_dropped(world):
        removed = world.groups("Alice").remove(group.group_id, "Carol")
        # Committed: the new epoch and its key came with the removal, before anything asynchronous could run.
        assert (removed.epoch, removed.needs_new_key, sorted(removed.keys)) == (1, False, [0, 1])
        after = world.groups("Bob").send(group.group_id, world.said(unique("right after Carol left")))

    assert after.epoch == 1
    carol = world.groups("Carol")
    assert set(carol.view(group.group_id).keys) == {0}
    leaked = world.cloud_api("Bob", "Bob").messages(group.group_id, after=after.sequence - 1)["messages"][0]
    assert leaked["message"]["body"]["sealed"]["epoch"] == 1
    with pytest.raises(CryptoError):
        open_message(
            leaked["message"],
            carol.view(group.group_id).keys[0],
            sender_identity=carol.chat.identity_of(world.people["Bob"].user_id, "Bob"),
            conversation_id=group.group_id,
            sender=world.people["Bob"].user_id,
        )
    assert [line.text for line in world.groups("Alice").read(group.group_id)] == [after.text]


def test_a_removed_member_who_stalls_their_cloud_still_cannot_slip_a_backdated_message_into_the_history(world):
    group = world.groups("Alice").create(unique("Stalled"), ["Bob", "Carol"])
    carols = world.groups("Carol")
    said = carols.send(group.group_id, world.said(unique("Carol, while a member")))
    old_key = carols.view(group.group_id).keys[0]
    # Bob's device has read the group while Carol was in it: her message is known to it.
    assert [line.text for line in world.groups("Bob").read(group.group_id)] == [said.text]

    with cloud_answering_errors(world, "Carol"):  # Alice's device cannot read how far Carol's messages go
        world.groups("Alice").remove(group.group_id, "Carol")

    carol = world.chat("Carol")
    lines = carol_backdates(world, group.group_id, old_key, said, "Carol, backdated while her cloud stalled")
    assert lines[said.sequence].text == said.text
    assert lines[said.sequence + 1].text is None
    assert "not seen on this device before they left" in lines[said.sequence + 1].refused
    # Alice's device never read the group while Carol was in it: nothing of Carol's from then opens for her.
    alices = [line for line in world.groups("Alice").read(group.group_id) if line.sender_id == carol.me]
    assert [line.text for line in alices] == [None, None]


def platform_table(world: World, logical_id: str) -> str:
    return world.cloud.client("cloudformation").describe_stack_resource(
        StackName=world.cloud.platform_stack.name, LogicalResourceId=logical_id
    )["StackResourceDetail"]["PhysicalResourceId"]


def left_at_an_epoch_without_a_key(world: World, group_id: str, epoch: int) -> None:
    """The group moved to ``epoch`` with no key yet, as an earlier version's rekey function left groups."""
    world.cloud.client("dynamodb").update_item(
        TableName=platform_table(world, "ConnectionsTable"),
        Key={"userId": {"S": f"GROUP#{group_id}"}, "peerId": {"S": "GROUP"}},
        UpdateExpression="SET epoch = :epoch, needsNewKey = :yes, epochs = list_append(epochs, :started)",
        ExpressionAttributeValues={
            ":epoch": {"N": str(epoch)},
            ":yes": {"BOOL": True},
            ":started": {"L": [{"M": {"epoch": {"N": str(epoch)}, "startedAt": {"S": now()}}}]},
        },
    )


def test_the_next_member_to_send_makes_the_key_of_an_epoch_an_earlier_version_left_without_one(world):
    group = world.groups("Alice").create(unique("Rekeyed by Bob"), ["Bob"])
    left_at_an_epoch_without_a_key(world, group.group_id, 1)
    awaiting = world.groups("Bob").view(group.group_id)
    assert awaiting.needs_new_key and awaiting.epoch == 1 and 1 not in awaiting.keys

    sent = world.groups("Bob").send(group.group_id, world.said(unique("Bob made the key")))

    assert sent.epoch == 1
    alices = world.groups("Alice").view(group.group_id)
    assert not alices.needs_new_key and set(alices.keys) == {0, 1}
    assert [line.text for line in world.groups("Alice").read(group.group_id)] == [sent.text]


def test_an_added_member_gets_the_current_epoch_only_and_no_history(world):
    group = world.groups("Alice").create(unique("Grows"), ["Bob", "Carol"])
    history = world.groups("Bob").send(group.group_id, world.said(unique("history")))
    world.groups("Alice").remove(group.group_id, "Carol")

    world.groups("Alice").add(group.group_id, "Mallory")
    mallory = world.groups("Mallory")
    view = mallory.view(group.group_id)
    assert set(view.keys) == {1} and view.member
    welcome = world.groups("Bob").send(group.group_id, world.said(unique("welcome Mallory")))
    assert [line.text for line in mallory.read(group.group_id)] == [welcome.text]
    assert history.text in [line.text for line in world.groups("Alice").read(group.group_id)]


def test_an_added_member_reads_the_history_only_when_the_admin_shares_it(world):
    group = world.groups("Alice").create(unique("Shared history"), ["Bob", "Carol"])
    bobs = world.groups("Bob").send(group.group_id, world.said(unique("Bob in epoch 0")))
    carols = world.groups("Carol").send(group.group_id, world.said(unique("Carol in epoch 0")))
    world.groups("Alice").remove(group.group_id, "Carol")
    later = world.groups("Bob").send(group.group_id, world.said(unique("Bob in epoch 1")))

    world.groups("Alice").add(group.group_id, "Mallory", with_history=True)
    mallory = world.groups("Mallory")
    view = mallory.view(group.group_id)
    assert set(view.keys) == {0, 1} and view.name == group.name and view.history_grant is not None
    # Read from each sender's cloud, Carol's too: she left, but her cloud still checks the admin's grant.
    welcome = world.groups("Bob").send(group.group_id, world.said(unique("welcome Mallory")))
    assert [line.text for line in mallory.read(group.group_id)] == [bobs.text, carols.text, later.text, welcome.text]

    # Carol, removed, keeps what she had and gains nothing from the history being shared with Mallory.
    carol = world.groups("Carol").view(group.group_id)
    assert not carol.member and set(carol.keys) == {0}
    assert [line.text for line in world.groups("Carol").read(group.group_id)] == [bobs.text, carols.text]


def test_a_senders_cloud_serves_the_history_only_for_the_admins_grant_to_the_caller(world):
    group = world.groups("Alice").create(unique("History guarded"), ["Bob"])
    history = world.groups("Bob").send(group.group_id, world.said(unique("before Mallory")))
    world.groups("Alice").add(group.group_id, "Mallory")
    bobs_cloud = world.cloud_api("Bob", "Mallory")
    people = world.people

    def sequences(grant):
        return [item["sequence"] for item in bobs_cloud.messages(group.group_id, history_grant=grant)["messages"]]

    assert sequences(None) == []
    forged = [
        sign_history_grant(
            world.chat("Mallory").keys.identity_key,
            group_id=group.group_id,
            member=people["Mallory"].user_id,
            through_epoch=0,
        ),
        sign_history_grant(
            world.chat("Alice").keys.identity_key,
            group_id=group.group_id,
            member=people["Carol"].user_id,
            through_epoch=0,
        ),
        sign_history_grant(
            world.chat("Alice").keys.identity_key,
            group_id=new_group_id(),
            member=people["Mallory"].user_id,
            through_epoch=0,
        ),
    ]
    for grant in forged:
        with pytest.raises(ApiError) as refusal:
            sequences(grant)
        assert refusal.value.status == 403 and "not the group admin's grant" in refusal.value.message
    with pytest.raises(ApiError) as refusal:
        world.cloud_api("Bob", "Bob").messages(group.group_id, history_grant=forged[0])
    assert refusal.value.status == 400

    # The admin's own grant to Mallory, never sent through the platform, is all Bob's cloud needs.
    granted = sign_history_grant(
        world.chat("Alice").keys.identity_key,
        group_id=group.group_id,
        member=people["Mallory"].user_id,
        through_epoch=0,
    )
    assert sequences(granted) == [history.sequence]


def test_a_history_grant_reaches_no_further_than_the_epoch_it_names(world):
    group = world.groups("Alice").create(unique("History bounded"), ["Bob", "Carol"])
    before = world.groups("Bob").send(group.group_id, world.said(unique("epoch 0")))
    world.groups("Alice").remove(group.group_id, "Carol")
    after = world.groups("Bob").send(group.group_id, world.said(unique("epoch 1, not for Carol")))
    # Carol shows the grant she would have had when she joined at epoch 0: it opens epoch 0, not epoch 1.
    grant = sign_history_grant(
        world.chat("Alice").keys.identity_key,
        group_id=group.group_id,
        member=world.people["Carol"].user_id,
        through_epoch=0,
    )
    seen = world.cloud_api("Bob", "Carol").messages(group.group_id, history_grant=grant)["messages"]
    assert [item["sequence"] for item in seen] == [before.sequence]
    assert after.sequence > before.sequence


def test_the_platform_takes_the_history_only_from_the_admin_adding_the_member(world):
    group = world.groups("Alice").create(unique("History checked"), ["Bob", "Carol"])
    world.groups("Alice").remove(group.group_id, "Carol")
    alices = world.groups("Alice")
    view = alices.view(group.group_id)
    carol = world.chat("Carol")
    mallory = world.chat("Mallory")
    with_mallory = [*view.roster.members, {"userId": mallory.me, "iMTag": "Mallory"}]

    def adding(chat, who, through_epoch=view.epoch):
        roster = sign_roster(
            chat.keys.identity_key,
            group_id=group.group_id,
            admin=chat.me,
            members=with_mallory,
            previous=view.roster_record,
        )
        copies = {
            epoch: alices._copies(group.group_id, key, {who.me: who.keys.exchange_key.public_key})[who.me]
            for epoch, key in view.keys.items()
        }
        grant = sign_history_grant(
            chat.keys.identity_key, group_id=group.group_id, member=who.me, through_epoch=through_epoch
        )
        return roster, copies.pop(view.epoch), {"grant": grant, "copies": copies}

    def refused(chat, roster, copy, history) -> ApiError:
        with pytest.raises(ApiError) as refusal:
            chat.platform.add_member(group.group_id, roster, copy, history)
        return refusal.value

    # Bob, a member but not the admin, cannot add Mallory with the history.
    assert refused(world.chat("Bob"), *adding(world.chat("Bob"), mallory)).status == 403

    roster, copy, history = adding(alices.chat, mallory)
    # The admin cannot slip the history to Carol, removed, inside Mallory's add, by key or by grant ...
    assert (
        refused(alices.chat, roster, copy, history | {"copies": adding(alices.chat, carol)[2]["copies"]}).status == 400
    )
    assert (
        refused(alices.chat, roster, copy, history | {"grant": adding(alices.chat, carol)[2]["grant"]}).field
        == "history/grant"
    )
    # ... nor share an epoch that is not past, nor a grant that reaches another epoch, nor one made by another.
    error = refused(alices.chat, roster, copy, history | {"copies": {1: copy}})
    assert (error.status, error.message) == (400, "history/copies: only the group's earlier epochs (0)")
    error = refused(
        alices.chat, roster, copy, history | {"grant": adding(alices.chat, mallory, through_epoch=0)[2]["grant"]}
    )
    assert (error.status, error.field) == (400, "history/grant")
    error = refused(alices.chat, roster, copy, history | {"grant": adding(world.chat("Bob"), mallory)[2]["grant"]})
    assert (error.status, error.field) == (400, "history/grant")
    assert group.group_id not in [g["groupId"] for g in carol.platform.groups()]
    with pytest.raises(ApiError):
        carol.platform.group(group.group_id)

    # Nothing of the refused requests was written: Mallory is no member, and the admin's real add still works.
    assert group.group_id not in [g["groupId"] for g in mallory.platform.groups()]
    alices.chat.platform.add_member(group.group_id, roster, copy, history)
    assert set(world.groups("Mallory").view(group.group_id).keys) == {0, 1}
    assert world.groups("Mallory").view(group.group_id).history_grant == history["grant"]


def test_a_member_the_platform_slips_into_a_group_is_refused_by_every_device(world):
    group = world.groups("Alice").create(unique("No ghosts"), ["Bob"])
    world.cloud.client("dynamodb").update_item(
        TableName=platform_table(world, "ConnectionsTable"),
        Key={"userId": {"S": f"GROUP#{group.group_id}"}, "peerId": {"S": "GROUP"}},
        UpdateExpression="SET members = list_append(members, :ghost)",
        ExpressionAttributeValues={":ghost": {"L": [{"S": world.people["Mallory"].user_id}]}},
    )

    for member in ("Alice", "Bob"):
        with pytest.raises(ChatError, match="not the ones its admin signed for"):
            world.groups(member).send(group.group_id, "who else is here?")


def test_only_the_admin_changes_who_is_in_a_group(world):
    group = world.groups("Alice").create(unique("Admin only"), ["Bob", "Carol"])

    with pytest.raises(ChatError, match="only the group's admin, Alice, changes who is in it"):
        world.groups("Bob").remove(group.group_id, "Carol")


def test_the_platform_itself_refuses_a_roster_its_admin_did_not_sign_and_a_key_that_misses_a_member(world):
    group = world.groups("Alice").create(unique("Checked by the platform"), ["Bob", "Carol"])
    people = {name: world.chat(name) for name in ("Alice", "Bob", "Carol")}
    alices = world.groups("Alice")
    view = alices.view(group.group_id)
    without_carol = [m for m in view.roster.members if m["iMTag"] != "Carol"]

    def new_key(epoch: int, *names: str) -> tuple[dict, dict]:
        key = GroupKey.generate(epoch)
        exchange_keys = {people[name].me: people[name].keys.exchange_key.public_key for name in names}
        return alices._copies(group.group_id, key, exchange_keys), seal_data(
            key, b"", group_name_context(group.group_id, epoch)
        )

    def refused(chat, roster, copies_and_name) -> ApiError:
        with pytest.raises(ApiError) as refusal:
            chat.platform.remove_member(group.group_id, roster, *copies_and_name)
        return refusal.value

    bob = people["Bob"]
    usurping = sign_roster(
        bob.keys.identity_key, group_id=group.group_id, admin=bob.me, members=without_carol, previous=view.roster_record
    )
    assert refused(bob, usurping, new_key(1, "Alice", "Bob")).status == 403

    roster = sign_roster(
        people["Alice"].keys.identity_key,
        group_id=group.group_id,
        admin=people["Alice"].me,
        members=without_carol,
        previous=view.roster_record,
    )
    # The new epoch's key goes to exactly the members who stay: not to Carol, not without Bob, and of the next epoch.
    for copies_and_name in (new_key(1, "Alice", "Bob", "Carol"), new_key(1, "Alice")):
        error = refused(people["Alice"], roster, copies_and_name)
        assert (error.status, error.message) == (400, "copies: one key copy for each member, and for no one else")
    error = refused(people["Alice"], roster, new_key(0, "Alice", "Bob"))
    assert (error.status, error.message.split(": ", 1)[1]) == (400, "must hold the group key of epoch 1")
    # Nothing of the refused removals was written: Carol is in the group at epoch 0, and the admin's real one works.
    assert (world.groups("Carol").view(group.group_id).member, alices.view(group.group_id).epoch) == (True, 0)
    people["Alice"].platform.remove_member(group.group_id, roster, *new_key(1, "Alice", "Bob"))
    assert (world.groups("Bob").view(group.group_id).epoch, world.groups("Carol").view(group.group_id).member) == (
        1,
        False,
    )

    # A key for an epoch an earlier version left without one is checked the same way.
    left_at_an_epoch_without_a_key(world, group.group_id, 2)
    with pytest.raises(ApiError) as refusal:
        bob.platform.put_epoch_key(group.group_id, 2, *new_key(2, "Bob"))
    assert (refusal.value.status, refusal.value.message) == (
        400,
        "copies: one key copy for each member, and for no one else",
    )


# --- What is stored and sent --------------------------------------------------------------------------


def test_no_table_queue_push_or_log_holds_a_word_of_any_message(world):
    world.chat("Alice").send("Bob", world.said(unique("Patient 4711 responds well")))
    group = world.groups("Bob").create(unique("Scan"), ["Alice", "Carol"])
    world.groups("Carol").send(group.group_id, world.said(unique("Dosage on Thursday")))
    world.pushes()

    accounts_ = [world.cloud.platform, *(world.own_account(name) for name in world.people)]
    stored = everything_held(world.cloud, accounts_) + json.dumps(world.received_pushes, ensure_ascii=False)
    assert len(world.texts) >= 2 and "CONV#" in stored and "GROUP#" in stored
    for text in world.texts:
        assert text not in stored, f"{text!r} was found in what the clouds hold"


def test_events_that_keep_failing_land_in_the_dead_letter_queue_an_alarm_watches(world, monkeypatch):
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import PlatformEndpoint

    outputs = world.cloud.platform_stack.outputs
    sqs = world.cloud.client("sqs")
    alarms = world.cloud.client("cloudwatch").describe_alarms()["MetricAlarms"]
    queue_name = outputs["EventDeadLetterQueueUrl"].rsplit("/", 1)[1]
    assert any(
        alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and {"Name": "QueueName", "Value": queue_name} in alarm["Dimensions"]
        for alarm in alarms
    )

    def push_service_down(endpoint, message):
        raise SNSInvalidParameter("the push service is down")

    monkeypatch.setattr(PlatformEndpoint, "publish", push_service_down)
    sent = world.chat("Alice").send("Bob", world.said(unique("while pushes fail")))
    letters = eventually(
        lambda: sqs.receive_message(QueueUrl=outputs["EventDeadLetterQueueUrl"], MessageAttributeNames=["All"]).get(
            "Messages"
        )
    )
    event = json.loads(letters[0]["Body"])
    assert (event["detail-type"], event["detail"]["messageId"]) == ("Message Posted", str(sent.sequence))
    assert "ErrorMessage" in letters[0]["MessageAttributes"]
