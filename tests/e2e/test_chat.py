"""iMChat through the imegha CLI, as people use it on the local cloud: each deploys their own cloud, then they chat.

Alice and Bob chat both ways; Alice, Bob and Carol share a group; Alice removes
Carol; Bob sends; Carol is told nothing and cannot read it, Alice and Bob can; Alice
adds Carol back with the history, and Carol reads what she missed.
A stranger's message is held as a request: no push, not fetched by the watch, read only when asked.
Then everything the platform and every cloud holds is read for the words said.
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid

import pytest

from imegha.accounts import Account as SdkAccount
from imegha.chat import Chat
from imegha.endpoints import Endpoints
from imegha.personal_cloud import LOCAL_ACCOUNT
from imegha_local.cloud import Account
from imegha_local.people import everything_held
from tests.e2e.test_stolen_tokens import documents, requests_to
from tests.integration.polling import eventually


@pytest.fixture(scope="module")
def people(person):
    crowd = {name: person(name) for name in ("Alice", "Bob", "Carol")}
    for someone in crowd.values():
        assert someone.device.imegha("cloud", "connect", "--local").json
        assert someone.device.imegha("cloud", "deploy").json["status"] == "SUCCEEDED"
    for asking, asked in itertools.combinations(crowd, 2):
        assert crowd[asking].device.imegha("connect", asked).json
        assert crowd[asked].device.imegha("accept", asking).json
    return crowd


def said(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:6]}]"


def texts(typed) -> list[str | None]:
    return [line.get("text") for line in typed.json["messages"]]


def inbox(someone) -> list[dict]:
    return someone.device.imegha("notifications").json["notifications"]


def own_account(someone) -> Account:
    saved = someone.device.profile().read(LOCAL_ACCOUNT)
    return Account(saved["accountId"], saved["accessKeyId"], saved["secretAccessKey"])


def test_alice_and_bob_chat_both_ways_then_carol_leaves_their_group_and_reads_nothing_new(people):
    alice, bob, carol = people["Alice"], people["Bob"], people["Carol"]
    question, answer = said("Can we discuss the dosage on Thursday?"), said("Yes, 10:00 🩺")

    sent = alice.device.imegha("chat", "send", "Bob", question).json
    entry = eventually(
        lambda: [
            e
            for e in inbox(bob)
            if e.get("messageId") == str(sent["sequence"]) and e["conversationId"] == sent["conversationId"]
        ]
    )
    assert entry[0]["senderTag"] == "Alice" and question not in json.dumps(entry)
    assert bob.device.imegha("chat", "send", "Alice", answer).json
    assert (
        texts(alice.device.imegha("chat", "read", "Bob"))
        == texts(bob.device.imegha("chat", "read", "Alice"))
        == [question, answer]
    )

    created = alice.device.imegha("group", "create", "Case team", "--members", "Bob,Carol").json
    group = created["groupId"]
    assert (created["members"], created["epoch"]) == (["Alice", "Bob", "Carol"], 0)
    before = said("Lab results are in")
    assert bob.device.imegha("group", "send", "Case team", before).json
    assert texts(carol.device.imegha("group", "read", "Case team")) == [before]

    removed = alice.device.imegha("group", "remove", "Case team", "Carol").json
    assert (removed["members"], removed["epoch"], removed["needsNewKey"]) == (["Alice", "Bob"], 1, False)
    after = said("Carol must not see this")
    posted = bob.device.imegha("group", "send", "Case team", after).json
    assert posted["epoch"] == 1

    eventually(
        lambda: [
            e
            for e in inbox(alice)
            if e.get("conversationId") == group and e.get("messageId") == str(posted["sequence"])
        ]
    )
    assert not [
        e for e in inbox(carol) if e.get("conversationId") == group and e.get("messageId") == str(posted["sequence"])
    ]
    assert texts(carol.device.imegha("group", "read", group)) == [before]
    gone = carol.device.imegha("group", "send", group, "still here?")
    assert gone.status == 1 and "no longer a member" in gone.stderr
    for member in (alice, bob):
        assert texts(member.device.imegha("group", "read", "Case team")) == [before, after]
    listed = carol.device.imegha("group", "ls").json["groups"]
    assert group not in [g["groupId"] for g in listed]

    # Alice brings Carol back and, by her choice, shares the history: what Carol missed is hers to read now.
    readded = alice.device.imegha("group", "add", "Case team", "Carol", "--with-history").json
    assert (readded["members"], readded["withHistory"]) == (["Alice", "Bob", "Carol"], True)
    assert texts(carol.device.imegha("group", "read", group)) == [before, after]


def test_chat_watch_opens_each_message_as_it_arrives(people):
    alice, bob = people["Alice"], people["Bob"]
    text = said("Are you there?")
    # Alice sends from her SDK on another thread, so that what the terminal shows is Bob's watch alone.
    alices = SdkAccount(alice.device.profile(), Endpoints.discover())
    threading.Timer(0.5, lambda: Chat(alices).send("Bob", text)).start()
    watched = bob.device.imegha("chat", "watch", "--count", "1", "--timeout", "20")

    document = json.loads(watched.stdout)
    assert watched.status == 0
    assert (document["message"]["sender"], document["message"]["text"]) == ("Alice", text)
    assert document["notification"]["senderTag"] == "Alice"


def a_phone(person, local_cloud, platform_view) -> str:
    """``person``'s iPhone, registered as they would, nothing on it yet: the ARN of the SNS endpoint the doorbell
    rings it through."""
    token = uuid.uuid4().hex * 2
    assert person.device.imegha("devices", "register", "an-iphone", "--platform", "apns", "--token", token).json
    table = platform_view.table("DeviceTokensTable")
    return table.get_item(Key={"userId": person.user_id, "deviceId": "an-iphone"})["Item"]["endpointArn"]


def rung(local_cloud, endpoint_arn: str) -> list[str]:
    """What the pushes to the phone said (who, never what); the local cloud keeps what reached it on its endpoint."""
    from moto.sns.models import sns_backends

    endpoint = sns_backends[local_cloud.platform.account_id][local_cloud.region].platform_endpoints[endpoint_arn]
    return [json.loads(message)["aps"]["alert"]["body"] for message in endpoint.messages.values()]


def test_a_strangers_message_is_held_as_a_request_while_a_connections_still_rings_and_opens(
    people, person, local_cloud, platform_view
):
    alice, bob, sam = people["Alice"], people["Bob"], person("Sam")
    assert sam.device.imegha("cloud", "connect", "--local").json
    assert sam.device.imegha("cloud", "deploy").json["status"] == "SUCCEEDED"
    sams_cloud = sam.device.imegha("cloud", "status").json["cloudApiUrl"]
    pitch, note = said("Buy my supplements"), said("Lunch at 1?")
    phone = a_phone(bob, local_cloud, platform_view)

    assert sam.device.imegha("chat", "send", "Bob", pitch).json
    held = eventually(lambda: [entry for entry in inbox(bob) if entry.get("senderTag") == "Sam"])
    assert [entry.get("request") for entry in held] == [True]
    assert bob.device.imegha("chat", "requests").json["requests"] == held
    reads_of_sams_cloud = len(requests_to(local_cloud, sams_cloud))

    everything = str(len(inbox(bob)))
    watched = bob.device.imegha("chat", "watch", "--from-start", "--count", everything, "--timeout", "20")
    from_sam = [doc for doc in documents(watched.stdout) if doc["notification"].get("senderTag") == "Sam"]
    assert [("message" in doc, doc["notification"]["request"]) for doc in from_sam] == [(False, True)]
    assert len(requests_to(local_cloud, sams_cloud)) == reads_of_sams_cloud, "the watch left Sam's cloud alone"

    assert texts(bob.device.imegha("chat", "read", "Sam")) == [pitch]  # asked for, it reads as any conversation

    assert alice.device.imegha("chat", "send", "Bob", note).json
    pushes = eventually(lambda: rung(local_cloud, phone))
    assert pushes == ["Alice sent a message"], "Alice's message rang; Sam's, sent first, did not"
    watched = bob.device.imegha("chat", "watch", "--from-start", "--count", str(len(inbox(bob))), "--timeout", "20")
    assert note in [doc["message"]["text"] for doc in documents(watched.stdout) if "message" in doc]


def test_a_group_add_is_an_invitation_whose_messages_wait_as_requests_until_accepted(
    people, local_cloud, platform_view
):
    alice, bob = people["Alice"], people["Bob"]
    group = alice.device.imegha("group", "create", said("Rota"), "--members", "Bob").json["groupId"]
    phone = a_phone(bob, local_cloud, platform_view)

    assert alice.device.imegha("group", "send", group, said("Who takes Sunday?")).json
    held = eventually(lambda: [entry for entry in inbox(bob) if entry.get("conversationId") == group])
    assert [entry.get("request") for entry in held] == [True]
    assert rung(local_cloud, phone) == []
    listed = {g["groupId"]: g["invited"] for g in bob.device.imegha("group", "ls").json["groups"]}
    assert listed[group] is True

    accepted = bob.device.imegha("group", "accept", group)
    assert (accepted.status, accepted.json["invited"]) == (0, False)
    assert alice.device.imegha("group", "send", group, said("Bob, then?")).json
    assert eventually(lambda: rung(local_cloud, phone)) == ["Alice sent a message to a group"]
    assert {g["groupId"]: g["invited"] for g in bob.device.imegha("group", "ls").json["groups"]}[group] is False


def test_the_cli_refuses_an_oversized_message_and_a_stranger_clearly(people):
    alice = people["Alice"]
    typed = alice.device.imegha("chat", "send", "Bob", "x" * 65_537)
    assert typed.status == 1
    assert "the message is 65,537 bytes; a message holds at most 65,536" in typed.stderr
    unknown = alice.device.imegha("chat", "send", "Nobody", "hello")
    assert unknown.status == 1 and "Nobody" in unknown.stderr


def test_someone_with_no_cloud_yet_reads_what_others_sent_them_and_is_told_why_they_cannot_send(people, person):
    alice, dana = people["Alice"], person("Dana")
    welcome, note = said("Welcome, Dana"), said("Intake at 9 tomorrow")
    assert alice.device.imegha("chat", "send", "Dana", welcome).json
    group = alice.device.imegha("group", "create", said("Intake"), "--members", "Dana").json["groupId"]
    assert alice.device.imegha("group", "send", group, note).json

    assert texts(dana.device.imegha("chat", "read", "Alice")) == [welcome]
    assert texts(dana.device.imegha("group", "read", group)) == [note]
    unsent = dana.device.imegha("chat", "send", "Alice", "Thank you")
    assert (unsent.status, unsent.error["error"]) == (1, "refused")
    assert unsent.error["message"].startswith("your cloud is not deployed yet ('imegha cloud deploy')")


def unverified_warnings(typed) -> list[str]:
    return [line for line in typed.stderr.splitlines() if "not verified" in line]


def test_sending_to_someone_never_verified_says_so_before_anything_is_sent(people, person):
    alice, bob, erin = people["Alice"], people["Bob"], person("Erin")

    # Erin, no cloud yet: the warning comes first, and stands even though the send then fails.
    unsent = erin.device.imegha("chat", "send", "Alice", "Hello, I am new here")
    assert unsent.status == 1
    [warning] = unverified_warnings(unsent)
    assert "Alice" in warning and "imegha verify Alice" in warning
    lines = unsent.stderr.splitlines()
    assert lines.index(warning) < len(lines) - 1 and "your cloud is not deployed yet" in lines[-1]

    sent = alice.device.imegha("chat", "send", "Bob", said("Are you there?"))
    assert sent.json["unverified"] == ["Bob"] and "Bob" in unverified_warnings(sent)[0]

    code = alice.device.imegha("verify", "Bob").json["safetyCode"]
    assert code == bob.device.imegha("verify", "Alice").json["safetyCode"]  # read to each other
    assert alice.device.imegha("verify", "Bob", "--accept", code).json["verified"]
    again = alice.device.imegha("chat", "send", "Bob", said("Now I know it is you"))
    assert again.json["unverified"] == [] and unverified_warnings(again) == []

    grouped = alice.device.imegha("group", "create", said("Verified or not"), "--members", "Bob,Carol")
    assert grouped.json["unverified"] == ["Carol"] and len(unverified_warnings(grouped)) == 1
    added = alice.device.imegha("group", "add", grouped.json["groupId"], "Erin")
    assert added.json["unverified"] == ["Erin"] and "Erin" in unverified_warnings(added)[0]


def test_no_platform_table_cloud_table_queue_or_log_holds_a_word_of_what_was_said(people, local_cloud):
    alice, bob, carol = people["Alice"], people["Bob"], people["Carol"]
    words = [said("Patient 4711: blood pressure 130/85"), said("Adjust the dosage"), said("Group note 🩺")]
    assert alice.device.imegha("chat", "send", "Carol", words[0]).json
    assert carol.device.imegha("chat", "send", "Alice", words[1]).json
    group = bob.device.imegha("group", "create", said("Scan"), "--members", "Alice,Carol").json["groupId"]
    assert bob.device.imegha("group", "send", group, words[2]).json
    assert texts(carol.device.imegha("group", "read", group)) == [words[2]]

    held = everything_held(local_cloud, [local_cloud.platform, *(own_account(p) for p in (alice, bob, carol))])
    assert "CONV#" in held and "GROUP#" in held
    for word in words:
        assert word not in held
