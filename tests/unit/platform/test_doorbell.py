"""The doorbell's consent rules, on the platform's own tables: who may ring whom, and what a stranger's message gets.

A recipient's phone rings only for a connection; a stranger's 1:1 message is
held in the inbox as a request, with no push, for the person to open when they
choose. Each sender rings each recipient (or group) a few times a minute at most.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from imegha_crypto import direct_conversation_id

SENDER, RECIPIENT = "0b7f2c1e-5a4d-4e8b-9c3f-2d1e6a7b8c90", "11111111-2222-3333-4444-555555555555"
SENDERS_CLOUD = "222222222222"
TIME = "2026-11-23T09:00:01Z"
MINUTE = datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)  # the platform's clock, as the rate limits read it


class Phones:
    """Stands in for the push topic: what would have rung."""

    def __init__(self) -> None:
        self.rung: list = []

    def publish(self, pushes: list, first=lambda: None) -> int:
        first()  # the inbox entries the pushes announce
        self.rung += pushes
        return 1 if pushes else 0


@pytest.fixture
def doorbell(platform_tables, stores):
    from dal.doorbell import Doorbell
    from dal.groups import GroupStore
    from dal.inbox import InboxStore
    from dal.rate_limits import RateLimits

    directory, connections, _ = stores
    directory.table.put_item(
        Item={
            "pk": f"USER#{SENDER}",
            "userId": SENDER,
            "email": "mallory@example.org",
            "iMTag": "Mallory",
            "keysVersion": 1,
            "cloudAccountId": SENDERS_CLOUD,
        }
    )
    return Doorbell(
        directory,
        connections,
        GroupStore(platform_tables["ConnectionsTable"]),
        InboxStore(platform_tables["NotificationsTable"]),
        Phones(),  # type: ignore[arg-type]
        RateLimits(platform_tables["DoorbellRateTable"], per_minute=3, clock=lambda: MINUTE),
    )


def message(sender: str = SENDER, recipient: str = RECIPIENT) -> dict:
    return {
        "conversationId": direct_conversation_id(sender, recipient),
        "senderId": sender,
        "recipients": [recipient],
        "messageId": "1",
    }


def connect(doorbell) -> None:
    doorbell.connections.request(SENDER, RECIPIENT, "Mallory", "Victor", TIME)
    doorbell.connections.accept(RECIPIENT, SENDER, TIME)


def test_a_strangers_message_is_held_as_a_request_that_rings_no_phone(doorbell):
    from logic import notifications

    rung = notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message())

    (entry,), _ = doorbell.inbox.entries(RECIPIENT, None, 10)
    assert (entry["kind"], entry["senderTag"], entry.get("request")) == ("message", "Mallory", True)
    assert (rung.recipients, rung.push_requests, doorbell.push.rung) == ([RECIPIENT], 0, [])


def test_a_message_from_someone_who_only_asked_to_connect_is_still_a_request(doorbell):
    from logic import notifications

    doorbell.connections.request(SENDER, RECIPIENT, "Mallory", "Victor", TIME)

    notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message())

    (entry,), _ = doorbell.inbox.entries(RECIPIENT, None, 10)
    assert entry.get("request") is True and doorbell.push.rung == []


def test_a_connections_message_rings_and_is_no_request(doorbell):
    from logic import notifications

    connect(doorbell)

    rung = notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message())

    (entry,), _ = doorbell.inbox.entries(RECIPIENT, None, 10)
    assert "request" not in entry
    (push,) = doorbell.push.rung
    assert (push.recipient, push.alert, rung.push_requests) == (RECIPIENT, "Mallory sent a message", 1)


def share(*recipients: str) -> dict:
    return {"shareId": "share-1", "senderId": SENDER, "recipients": list(recipients) or [RECIPIENT]}


def test_a_share_from_someone_who_is_not_a_connection_writes_nothing_and_rings_no_one(doorbell):
    from logic import notifications

    with pytest.raises(notifications.Refused, match="names 1 people, but .* has 0 connections"):
        notifications.share_created(doorbell, SENDERS_CLOUD, TIME, share())

    assert doorbell.inbox.entries(RECIPIENT, None, 10) == ([], False)
    assert doorbell.push.rung == []


def test_a_share_rings_the_senders_connections_only(doorbell):
    from logic import notifications

    connect(doorbell)
    stranger = "99999999-8888-7777-6666-555555555555"
    doorbell.connections.request(SENDER, stranger, "Mallory", "Stan", TIME)  # asked, not accepted: no connection

    with pytest.raises(notifications.Refused, match="names 2 people, but .* has 1 connections"):
        notifications.share_created(doorbell, SENDERS_CLOUD, TIME, share(RECIPIENT, stranger))
    rung = notifications.share_created(doorbell, SENDERS_CLOUD, TIME, share(RECIPIENT))

    assert rung.recipients == [RECIPIENT]
    assert [push.alert for push in doorbell.push.rung] == ["Mallory shared something with you"]
    assert doorbell.inbox.entries(stranger, None, 10) == ([], False)


def test_a_share_naming_a_stranger_beside_a_connection_reaches_the_connection_alone(doorbell):
    from logic import notifications

    connect(doorbell)
    other = "99999999-8888-7777-6666-555555555555"
    doorbell.connections.request(SENDER, other, "Mallory", "Olga", TIME)
    doorbell.connections.accept(other, SENDER, TIME)
    stranger = "aaaaaaaa-8888-7777-6666-555555555555"

    rung = notifications.share_created(doorbell, SENDERS_CLOUD, TIME, share(RECIPIENT, stranger))

    assert rung.recipients == [RECIPIENT]
    assert doorbell.inbox.entries(stranger, None, 10) == ([], False)


GROUP = "grp-" + "ab" * 16


def a_group(doorbell, members: list[str]) -> None:
    doorbell.groups.table.put_item(
        Item={
            "userId": f"GROUP#{GROUP}",
            "peerId": "GROUP",
            "groupId": GROUP,
            "admin": SENDER,
            "members": members,
            "epoch": 0,
            "needsNewKey": False,
            "rosterVersion": 1,
            "epochs": [{"epoch": 0, "startedAt": TIME}],
        }
    )


def test_a_group_message_naming_more_recipients_than_the_group_has_is_dropped_whole(doorbell):
    from logic import notifications

    a_group(doorbell, [SENDER, RECIPIENT])
    extra = "99999999-8888-7777-6666-555555555555"
    named = {"conversationId": GROUP, "senderId": SENDER, "messageId": "1", "epoch": 0}

    with pytest.raises(notifications.Refused, match="names 2 recipients, but .* has 2 members"):
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"recipients": [RECIPIENT, extra]})
    assert doorbell.inbox.entries(RECIPIENT, None, 10) == ([], False)

    rung = notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"recipients": [RECIPIENT]})
    assert (rung.recipients, len(doorbell.push.rung)) == ([RECIPIENT], 1)


def test_a_direct_message_naming_two_recipients_is_dropped(doorbell):
    from logic import notifications

    connect(doorbell)
    two = message() | {"recipients": [RECIPIENT, "99999999-8888-7777-6666-555555555555"]}

    with pytest.raises(notifications.Refused, match="is not a conversation between"):
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, two)
    assert doorbell.push.rung == []


def test_a_sender_past_the_minutes_limit_rings_that_recipient_no_more_until_the_next_minute(doorbell):
    from logic import notifications

    connect(doorbell)
    for sequence in "123":
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message() | {"messageId": sequence})

    with pytest.raises(notifications.Refused, match="over the doorbell's limit of 3 a minute"):
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message() | {"messageId": "4"})
    assert len(doorbell.inbox.entries(RECIPIENT, None, 10)[0]) == len(doorbell.push.rung) == 3
    doorbell.rate.clock = lambda: MINUTE + timedelta(minutes=1)
    assert doorbell.rate.admit(SENDER, RECIPIENT)
    assert doorbell.rate.admit(SENDER, "99999999-8888-7777-6666-555555555555")  # another recipient: its own count


def test_strangers_requests_count_against_the_limit_too(doorbell):
    from logic import notifications

    for sequence in "123":
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message() | {"messageId": sequence})

    with pytest.raises(notifications.Refused, match="over the doorbell's limit"):
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, message() | {"messageId": "4"})
    assert len(doorbell.inbox.entries(RECIPIENT, None, 10)[0]) == 3


def test_a_doorbell_without_rate_limits_rings_for_no_users_cloud(doorbell):
    from dataclasses import replace

    from logic import notifications

    connect(doorbell)

    with pytest.raises(notifications.Refused, match="no rate limits"):
        notifications.message_posted(replace(doorbell, rate=None), SENDERS_CLOUD, TIME, message())
    assert doorbell.push.rung == []


def membership(doorbell, member: str, *, invited: bool) -> None:
    item = {"userId": member, "peerId": f"GROUP#{GROUP}", "groupId": GROUP, "joinedAt": TIME}
    doorbell.groups.table.put_item(Item=item | ({"invited": True} if invited else {}))


def test_a_group_message_is_a_request_for_a_member_until_they_accept_the_invitation(doorbell):
    from logic import groups, notifications

    a_group(doorbell, [SENDER, RECIPIENT])
    membership(doorbell, SENDER, invited=False)
    membership(doorbell, RECIPIENT, invited=True)
    named = {"conversationId": GROUP, "senderId": SENDER, "recipients": [RECIPIENT], "epoch": 0}

    notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"messageId": "1"})
    (held,), _ = doorbell.inbox.entries(RECIPIENT, None, 10)
    assert held.get("request") is True and doorbell.push.rung == []
    assert [group["invited"] for group in groups.my_groups(doorbell.groups, RECIPIENT)] == [True]

    assert groups.accept_invitation(doorbell.groups, RECIPIENT, GROUP) == {"groupId": GROUP, "invited": False}
    notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"messageId": "2"})

    rung = doorbell.inbox.entries(RECIPIENT, None, 10)[0][1]
    assert "request" not in rung
    assert [push.alert for push in doorbell.push.rung] == ["Mallory sent a message to a group"]
    assert [group["invited"] for group in groups.my_groups(doorbell.groups, RECIPIENT)] == [False]


def test_invitations_read_beside_the_group_decide_nothing_for_a_message_the_group_refuses_or_someone_not_named(
    doorbell,
):
    from logic import notifications

    stranger, quiet = "99999999-8888-7777-6666-555555555555", "77777777-8888-7777-6666-555555555555"
    a_group(doorbell, [SENDER, RECIPIENT, quiet])
    membership(doorbell, RECIPIENT, invited=False)
    membership(doorbell, stranger, invited=True)  # an invitation of a group they are no longer in: stale
    named = {"conversationId": GROUP, "senderId": SENDER, "recipients": [RECIPIENT, stranger], "epoch": 0}

    with pytest.raises(notifications.Refused, match="sealed under epoch 1"):
        notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"messageId": "1", "epoch": 1})
    assert doorbell.inbox.entries(RECIPIENT, None, 10)[0] == [] and doorbell.push.rung == []
    notifications.message_posted(doorbell, SENDERS_CLOUD, TIME, named | {"messageId": "2"})

    assert [push.recipient for push in doorbell.push.rung] == [RECIPIENT]  # rung, not held as a request
    assert doorbell.inbox.entries(stranger, None, 10)[0] == []
    assert [doorbell.rate.admit(SENDER, GROUP) for _ in range(3)] == [True, True, False]  # the refusal counted none


def test_only_a_member_accepts_a_groups_invitation(doorbell):
    from imegha_service.errors import NotAllowed
    from logic import groups

    a_group(doorbell, [SENDER, RECIPIENT])

    with pytest.raises(NotAllowed):
        groups.accept_invitation(doorbell.groups, "99999999-8888-7777-6666-555555555555", GROUP)
