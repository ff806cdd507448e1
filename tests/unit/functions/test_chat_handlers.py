"""iMChat's Lambdas on their sample events, with env.json as `sam local invoke` uses it, against mocked AWS.

The tables are the templates' own; each handler is loaded from its template's CodeUri and Handler.
"""

from __future__ import annotations

import inspect
import json
import uuid

import boto3
import pytest
from moto import mock_aws

from imegha_crypto import b64url_encode
from tests.aws_tables import create_tables
from tests.conftest import EVENTS, ROOT
from tests.doorbell_rings import hear_rings
from tests.lambda_context import FakeLambdaContext
from tests.sam_local import SAM_ENVIRONMENT, sam_handler

OWNER = SAM_ENVIRONMENT["ChatFunction"]["OWNER_USER_ID"]
PEER = "11111111-2222-3333-4444-555555555555"
TEMPLATES = {
    "ChatFunction": "user-cloud/services/imchat.yaml",
    "NotifyFunction": "template.yaml",
    "RekeyFunction": "template.yaml",
    "GroupsFunction": "template.yaml",
    "InboxFunction": "template.yaml",
    "DoorbellFunction": "template.yaml",
    "RedriveFunction": "template.yaml",
}


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def aws(monkeypatch):
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb, ROOT / "template.yaml")
        create_tables(dynamodb, ROOT / "user-cloud" / "database.yaml")
        bus = SAM_ENVIRONMENT["GroupsFunction"]["PLATFORM_EVENT_BUS_NAME"]
        boto3.client("events").create_event_bus(Name=bus)
        sns = boto3.client("sns")
        rings = hear_rings(monkeypatch)  # what the user cloud's ChatFunction rings the doorbell API with
        yield {"bus": bus, "sqs": boto3.client("sqs"), "sns": sns, "events": boto3.client("events"), "rings": rings}


def handler(monkeypatch, function: str):
    return sam_handler(monkeypatch, ROOT / TEMPLATES[function], function)


def queue_of(aws, name: str) -> str:
    return aws["sqs"].create_queue(QueueName=name)["QueueUrl"]


def arn_of(aws, queue: str) -> str:
    return aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def a_phone_of(aws, monkeypatch, user_id: str) -> str:
    """An SNS mobile endpoint recorded as the user's device, as registering one leaves it; its ARN."""
    application = aws["sns"].create_platform_application(Name="imegha-apns", Platform="APNS", Attributes={})
    endpoint = aws["sns"].create_platform_endpoint(
        PlatformApplicationArn=application["PlatformApplicationArn"], Token="a" * 64
    )["EndpointArn"]
    notify = inspect.unwrap(handler(monkeypatch, "NotifyFunction"))
    devices = notify.__globals__["doorbell"].push.devices  # the notifier's own store
    devices.put(user_id, "phone-0001", "apns", "a" * 64, "2026-01-01T00:00:00+00:00", {"endpointArn": endpoint})
    return endpoint


def drained(aws, queue: str) -> list[dict]:
    return [
        json.loads(message["Body"])
        for message in aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    ]


def phone_received(endpoint_arn: str) -> list[dict]:
    """What was published to the endpoint (moto keeps it there), as JSON message structures."""
    from moto.sns.models import sns_backends

    endpoint = sns_backends["123456789012"]["us-east-1"].platform_endpoints[endpoint_arn]
    return [json.loads(message) for message in endpoint.messages.values()]


def call(function, event) -> tuple[int, dict | None]:
    response = function(event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


# --- the user cloud's ChatFunction ---------------------------------------------------------------


def test_a_conversation_is_recorded_then_a_message_posted_rings_the_doorbell_with_ids_only(aws, monkeypatch):
    rings = aws["rings"]
    chat = handler(monkeypatch, "ChatFunction")

    assert call(chat, sample("user_cloud_put_conversation.json")) == (
        200,
        {
            "conversationId": sample("user_cloud_put_conversation.json")["pathParameters"]["conversation_id"],
            "kind": "direct",
            "keysAdded": [0],
        },
    )
    status, posted = call(chat, sample("user_cloud_post_message.json"))

    assert (status, posted["sequence"]) == (201, 1)
    (ring,) = rings.heard
    assert ring["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/")
    assert ring["url"] == SAM_ENVIRONMENT["ChatFunction"]["PLATFORM_DOORBELL_URL"]
    assert ring["detailType"] == "Message Posted"
    assert ring["detail"] == {
        "conversationId": posted["conversationId"],
        "senderId": OWNER,
        "recipients": [PEER],
        "messageId": "1",
    }


def test_posting_the_same_message_again_stores_nothing_more_and_another_message_at_its_place_is_refused(
    aws, monkeypatch
):
    chat = handler(monkeypatch, "ChatFunction")
    call(chat, sample("user_cloud_put_conversation.json"))
    call(chat, sample("user_cloud_post_message.json"))

    assert call(chat, sample("user_cloud_post_message.json"))[0] == 200
    other = sample("user_cloud_post_message.json")
    body = json.loads(other["body"])
    body["message"]["body"]["sentAt"] = "2026-11-23T09:00:05.000+00:00"
    other["body"] = json.dumps(body)
    assert call(chat, other) == (409, {"message": "sequence 1 is taken; the next free one is 2"})


def test_the_peer_reads_the_owners_messages_with_their_copy_of_the_key_and_a_stranger_gets_403(aws, monkeypatch):
    chat = handler(monkeypatch, "ChatFunction")
    call(chat, sample("user_cloud_put_conversation.json"))
    call(chat, sample("user_cloud_post_message.json"))
    stored = json.loads(sample("user_cloud_put_conversation.json")["body"])["keys"]["0"]

    status, page = call(chat, sample("user_cloud_get_messages.json"))

    assert status == 200
    assert [item["sequence"] for item in page["messages"]] == [1]
    assert page["keys"] == {"0": {"wrappedKey": stored["peerKey"], "grant": stored["grant"]}}
    stranger = sample("user_cloud_get_messages.json")
    stranger["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "someone-else"
    assert call(chat, stranger) == (403, {"message": "you do not take part in this conversation"})


def test_a_history_grant_that_is_not_a_signed_record_or_not_for_a_group_is_refused_with_the_reason(aws, monkeypatch):
    chat = handler(monkeypatch, "ChatFunction")
    call(chat, sample("user_cloud_put_conversation.json"))
    garbled = sample("user_cloud_get_messages.json")
    garbled["headers"]["x-imegha-history-grant"] = "not+base64url"
    status, answer = call(chat, garbled)
    assert (status, answer["field"], answer["reason"]) == (
        400,
        "X-Imegha-History-Grant",
        "a signed record, as base64url JSON",
    )
    in_a_direct_conversation = sample("user_cloud_get_messages.json")
    in_a_direct_conversation["headers"]["x-imegha-history-grant"] = "e30"  # {}
    assert call(chat, in_a_direct_conversation)[1]["field"] == "historyGrant"


@pytest.mark.parametrize("admin_identity", [None, "AAAA"], ids=["missing", "not a key"])
def test_a_group_conversation_is_recorded_only_with_its_admins_identity_key(aws, monkeypatch, admin_identity):
    chat = handler(monkeypatch, "ChatFunction")
    event = sample("user_cloud_put_conversation.json")
    event["pathParameters"]["conversation_id"] = "grp-" + "0" * 32
    event["rawPath"] = "/conversations/" + event["pathParameters"]["conversation_id"]
    body = json.loads(event["body"])
    body.pop("peerId")
    body["roster"] = json.loads(sample("user_cloud_post_message.json")["body"])["message"]
    if admin_identity is not None:
        body["adminIdentity"] = admin_identity
    event["body"] = json.dumps(body)
    status, answer = call(chat, event)
    assert status == 400 and answer["field"] == ("roster" if admin_identity is None else "adminIdentity")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body["message"]["body"].update(sender="someone-else"), "message/body/sender"),
        (lambda body: body.update(recipients=["someone-else"]), "recipients"),
        (lambda body: body["message"]["body"]["sealed"].update(kind="GK", epoch=0), "message/body/sealed/kind"),
        (lambda body: body["message"].update(type="share"), "message/type"),
        (lambda body: body["message"]["body"].update(preview="the text in the clear"), "message/body"),
    ],
    ids=["another sender", "another recipient", "a group key", "another record type", "a field in the clear"],
)
def test_a_message_that_is_not_the_owners_or_not_for_this_conversation_is_refused(aws, monkeypatch, change, field):
    chat = handler(monkeypatch, "ChatFunction")
    call(chat, sample("user_cloud_put_conversation.json"))
    event = sample("user_cloud_post_message.json")
    body = json.loads(event["body"])
    change(body)
    event["body"] = json.dumps(body)

    status, refusal = call(chat, event)

    assert (status, refusal["field"]) == (400, field)


# --- the platform's doorbell, rekeying, groups and inbox ----------------------------------------------------


def register_sender(account: str) -> None:
    boto3.resource("dynamodb").Table("DirectoryTable").put_item(
        Item={
            "pk": f"USER#{OWNER}",
            "userId": OWNER,
            "email": "owner@example.org",
            "iMTag": "DrAsha",
            "keysVersion": 1,
            "cloudAccountId": account,
            "cloudApiUrl": "https://def456.execute-api.us-east-1.amazonaws.com",
        }
    )


def connect_sender_and_peer() -> None:
    table = boto3.resource("dynamodb").Table("ConnectionsTable")
    for user, peer, tag in ((OWNER, PEER, "Bob"), (PEER, OWNER, "DrAsha")):
        table.put_item(Item={"userId": user, "peerId": peer, "status": "connected", "iMTag": tag})


def test_the_doorbell_notifies_the_recipient_once_however_often_the_event_comes(aws, monkeypatch):
    register_sender(sample("platform_message_posted.json")["detail"]["cloudAccountId"])
    connect_sender_and_peer()
    device = a_phone_of(aws, monkeypatch, PEER)
    notify = handler(monkeypatch, "NotifyFunction")

    first = notify(sample("platform_message_posted.json"), FakeLambdaContext())
    again = notify(sample("platform_message_posted.json"), FakeLambdaContext())

    assert first == again == {"notified": 1, "pushRequests": 2}
    entries = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert [(entry["userId"], entry["kind"], entry["senderTag"]) for entry in entries] == [(PEER, "message", "DrAsha")]
    (push,) = phone_received(device)
    assert push["default"] == "DrAsha sent a message"


def test_the_doorbell_refuses_an_event_from_an_account_that_is_not_the_senders_cloud(aws, monkeypatch):
    register_sender("999999999999")
    notify = handler(monkeypatch, "NotifyFunction")

    answer = notify(sample("platform_message_posted.json"), FakeLambdaContext())

    assert answer["notified"] == 0
    assert "comes from account 222222222222, but" in answer["refused"]
    assert boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"] == []


def test_the_end_of_a_deployment_reaches_its_owners_inbox_and_phone_once_but_never_from_a_users_cloud(aws, monkeypatch):
    device = a_phone_of(aws, monkeypatch, PEER)
    notify = handler(monkeypatch, "NotifyFunction")
    failed = sample("platform_deployment_failed.json")
    forged = failed | {
        "id": "forged",
        "account": "222222222222",
        "detail": failed["detail"] | {"deploymentId": "0f1d2c3b-4a5e-4f70-8a9b-0c1d2e3f4a5b"},
    }

    assert (
        notify(forged, FakeLambdaContext())["refused"]
        == "only the platform (111111111111) puts events on its bus, not 222222222222"
    )
    assert (
        notify(failed, FakeLambdaContext()) == notify(failed, FakeLambdaContext()) == {"notified": 1, "pushRequests": 2}
    )

    (entry,) = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert (entry["userId"], entry["kind"], entry["action"], entry["status"]) == (PEER, "cloud", "deploy", "FAILED")
    (push,) = phone_received(device)
    assert push["default"] == "Your iMegha cloud could not be deployed: 'imegha cloud status' says why"


def group_with_removed_member(monkeypatch) -> tuple[str, object]:
    event = sample("platform_member_removed.json")
    group_id, removed = event["detail"]["groupId"], event["detail"]["removedUserId"]
    table = boto3.resource("dynamodb").Table("ConnectionsTable")
    table.put_item(
        Item={
            "userId": f"GROUP#{group_id}",
            "peerId": "GROUP",
            "groupId": group_id,
            "admin": OWNER,
            "members": [OWNER],
            "epoch": 1,
            "needsNewKey": False,
            "rosterVersion": 2,
            "epochs": [
                {"epoch": 0, "startedAt": "2026-11-23T08:00:00.000+00:00"},
                {"epoch": 1, "startedAt": "2026-11-23T09:00:00.000+00:00"},
            ],
        }
    )
    table.put_item(Item={"userId": removed, "peerId": f"GROUPKEY#{group_id}#{0:016d}", "groupId": group_id, "epoch": 0})
    return group_id, table


def test_after_a_removal_the_removed_members_copies_are_revoked_and_the_others_told_once_of_the_new_key(
    aws, monkeypatch
):
    group_id, table = group_with_removed_member(monkeypatch)
    rekey = handler(monkeypatch, "RekeyFunction")

    first = rekey(sample("platform_member_removed.json"), FakeLambdaContext())
    again = rekey(sample("platform_member_removed.json"), FakeLambdaContext())

    assert first == again == {"groupId": group_id, "revokedCopies": 1, "epoch": 1}
    # The removal started the epoch; nothing here changes which key anyone seals under.
    state = table.get_item(Key={"userId": f"GROUP#{group_id}", "peerId": "GROUP"})["Item"]
    assert (state["epoch"], state["needsNewKey"], len(state["epochs"])) == (1, False, 2)
    assert [item for item in table.scan()["Items"] if item["peerId"].startswith("GROUPKEY#")] == []
    (told,) = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert (told["userId"], told["kind"], told["epoch"]) == (OWNER, "group-key", 1)


def test_a_member_removed_event_from_another_account_changes_nothing(aws, monkeypatch):
    group_id, table = group_with_removed_member(monkeypatch)
    forged = sample("platform_member_removed.json") | {"account": "222222222222"}

    answer = handler(monkeypatch, "RekeyFunction")(forged, FakeLambdaContext())

    assert answer == {"refused": "only the platform (111111111111) removes members"}
    assert [item for item in table.scan()["Items"] if item["peerId"].startswith("GROUPKEY#")] != []


def test_a_late_member_removed_event_leaves_a_member_who_is_back_and_a_group_that_moved_on_alone(aws, monkeypatch):
    group_id, table = group_with_removed_member(monkeypatch)
    removed = sample("platform_member_removed.json")["detail"]["removedUserId"]
    table.update_item(
        Key={"userId": f"GROUP#{group_id}", "peerId": "GROUP"},
        UpdateExpression="SET members = :members, epoch = :epoch",
        ExpressionAttributeValues={":members": [OWNER, removed], ":epoch": 2},
    )

    answer = handler(monkeypatch, "RekeyFunction")(sample("platform_member_removed.json"), FakeLambdaContext())

    assert answer == {"groupId": group_id, "revokedCopies": 0, "epoch": 1}
    assert [item["userId"] for item in table.scan()["Items"] if item["peerId"].startswith("GROUPKEY#")] == [removed]
    assert boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"] == []


def test_a_member_lists_their_groups_and_reads_their_inbox(aws, monkeypatch):
    group_id, table = group_with_removed_member(monkeypatch)
    alice = sample("platform_list_groups.json")["requestContext"]["authorizer"]["claims"]["sub"]
    table.update_item(
        Key={"userId": f"GROUP#{group_id}", "peerId": "GROUP"},
        UpdateExpression="SET members = :m",
        ExpressionAttributeValues={":m": [OWNER, alice]},
    )
    table.put_item(Item={"userId": alice, "peerId": f"GROUP#{group_id}", "groupId": group_id})
    boto3.resource("dynamodb").Table("NotificationsTable").put_item(
        Item={
            "userId": alice,
            "notificationId": "2026-11-23T09:00:01Z#x",
            "kind": "group-key",
            "conversationId": group_id,
            "epoch": 1,
            "createdAt": "2026-11-23T09:00:01Z",
        }
    )

    status, listed = call(handler(monkeypatch, "GroupsFunction"), sample("platform_list_groups.json"))
    assert (status, [group["groupId"] for group in listed["groups"]]) == (200, [group_id])
    assert listed["groups"][0]["memberCount"] == 2

    status, inbox = call(handler(monkeypatch, "InboxFunction"), sample("platform_get_notifications.json"))
    assert (status, [entry["epoch"] for entry in inbox["notifications"]]) == (200, [1])
    assert inbox["next"] == "2026-11-23T09:00:01Z#x" and inbox["more"] is False


def test_a_history_grant_nested_too_deep_is_refused_with_the_reason_not_a_crash(aws, monkeypatch):
    chat = handler(monkeypatch, "ChatFunction")
    call(chat, sample("user_cloud_put_conversation.json"))
    nested = sample("user_cloud_get_messages.json")
    nested["headers"]["x-imegha-history-grant"] = b64url_encode(b"[" * 5000 + b"]" * 5000)

    status, answer = call(chat, nested)

    assert (status, answer["field"]) == (400, "X-Imegha-History-Grant")


# --- the platform's DoorbellFunction: users' clouds ring as their own roles ----------------------


def ring_from(account: str, sender: str = OWNER, detail: dict | None = None) -> dict:
    """The sample ring, as if signed by a role in ``account`` for ``sender``."""
    event = sample("platform_doorbell_ring.json")
    event["requestContext"]["identity"]["accountId"] = account
    body = json.loads(event["body"])
    body["detail"] = (detail or body["detail"]) | {"senderId": sender}
    event["body"] = json.dumps(body)
    return event


def bus_events(aws) -> list[dict]:
    """Everything put on the platform bus from now on, through an SQS queue a rule sends it all to."""
    queue = queue_of(aws, "bus-tap")
    aws["events"].put_rule(Name="tap", EventBusName=aws["bus"], EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    aws["events"].put_targets(Rule="tap", EventBusName=aws["bus"], Targets=[{"Id": "q", "Arn": arn_of(aws, queue)}])
    return queue


def drain_all(aws, queue: str) -> list[dict]:
    """Every message in ``queue``, each once (deleted as read)."""
    received: list[dict] = []
    while (
        batch := aws["sqs"]
        .receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=3600)
        .get("Messages")
    ):
        received += [json.loads(message["Body"]) for message in batch]
        aws["sqs"].delete_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]} for n, message in enumerate(batch)],
        )
    return received


def test_the_doorbell_relays_a_ring_from_the_senders_own_cloud_with_the_account_that_rang(aws, monkeypatch):
    register_sender("222222222222")
    tap = bus_events(aws)
    doorbell = handler(monkeypatch, "DoorbellFunction")

    assert call(doorbell, sample("platform_doorbell_ring.json")) == (200, {"rung": True})

    (event,) = drain_all(aws, tap)
    ring = json.loads(sample("platform_doorbell_ring.json")["body"])
    assert (event["source"], event["detail-type"]) == ("imegha.user-cloud", "Message Posted")
    assert event["detail"] == ring["detail"] | {"cloudAccountId": "222222222222"}


def test_the_doorbell_refuses_a_ring_for_someone_whose_cloud_another_account_runs_and_a_forged_account(
    aws, monkeypatch
):
    register_sender("222222222222")
    tap = bus_events(aws)
    doorbell = handler(monkeypatch, "DoorbellFunction")

    status, refused = call(doorbell, ring_from("999999999999"))
    assert status == 403 and "does not run" in refused["message"]
    status, _ = call(doorbell, ring_from("222222222222", sender="11111111-2222-3333-4444-555555555555"))
    assert status == 403  # a user with no cloud at all
    forged = json.loads(sample("platform_doorbell_ring.json")["body"])["detail"] | {"cloudAccountId": "999999999999"}
    assert call(doorbell, ring_from("999999999999", detail=forged))[0] == 400  # a cloud may not say who rang
    unsigned = sample("platform_doorbell_ring.json")
    unsigned["requestContext"]["identity"]["accountId"] = None
    assert call(doorbell, unsigned)[0] == 403
    assert drain_all(aws, tap) == []


CLOUDS = 1000


def test_a_thousand_user_clouds_ring_the_doorbell_and_no_policy_grows(aws, monkeypatch):
    """Onboarding changes no policy: the bus has none (only the platform puts events on it), and the doorbell API's
    one resource policy statement is in the template, the same for any number of users."""
    from imegha_local.templates import load_template

    clouds = {f"{n:08x}-0000-4000-8000-{n:012x}": f"{300000000000 + n}" for n in range(CLOUDS)}
    table = boto3.resource("dynamodb").Table("DirectoryTable")
    with table.batch_writer() as batch:
        for user, account in clouds.items():
            batch.put_item(Item={"pk": f"USER#{user}", "userId": user, "cloudAccountId": account})
    tap = bus_events(aws)
    doorbell = handler(monkeypatch, "DoorbellFunction")
    policy_before = aws["events"].describe_event_bus(Name=aws["bus"]).get("Policy")

    answers, relayed = [], []
    for start in range(0, CLOUDS, 100):  # the tap's queue drained as it goes: moto's SQS slows as a queue grows
        answers += [
            call(doorbell, ring_from(account, sender=user))
            for user, account in list(clouds.items())[start : start + 100]
        ]
        relayed += drain_all(aws, tap)
    first, second = list(clouds)[:2]
    in_anothers_name = call(doorbell, ring_from(clouds[first], sender=second))  # cloud 1's account, ringing as user 2

    assert answers == [(200, {"rung": True})] * CLOUDS
    assert in_anothers_name[0] == 403 and "does not run" in in_anothers_name[1]["message"]
    relayed += drain_all(aws, tap)
    assert sorted(event["detail"]["cloudAccountId"] for event in relayed) == sorted(clouds.values())  # and no other
    assert {event["source"] for event in relayed} == {"imegha.user-cloud"}
    assert aws["events"].describe_event_bus(Name=aws["bus"]).get("Policy") == policy_before is None
    api = load_template(ROOT / "template.yaml")["Resources"]["DoorbellApi"]["Properties"]
    (statement,) = api["Auth"]["ResourcePolicy"]["CustomStatements"]
    assert statement["Principal"] == "*" and "ArnLike" in statement["Condition"]


def test_the_notifiers_log_lines_carry_the_events_id_as_their_correlation_id(aws, monkeypatch, capsys):
    import sys

    register_sender("999999999999")  # refused: a warning is logged
    event = sample("platform_message_posted.json")
    notify = handler(monkeypatch, "NotifyFunction")
    # The function's logger writes where stdout was when its module was first loaded (maybe another test's capture).
    for name, module in list(sys.modules.items()):
        if name.endswith("handlers.notify") and hasattr(module, "logger"):
            module.logger.registered_handler.setStream(sys.stdout)

    notify(event, FakeLambdaContext())

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"level"')]
    assert [line["correlation_id"] for line in lines if line["message"] == "event refused"] == [event["id"]]


# --- the operator's RedriveFunction --------------------------------------------------------------


def dead_letter(aws, event: dict, reason: str) -> None:
    """``event`` in the dead-letter queue, with why, as EventBridge leaves it there."""
    aws["sqs"].send_message(
        QueueUrl=SAM_ENVIRONMENT["RedriveFunction"]["EVENT_DEAD_LETTER_QUEUE_URL"],
        MessageBody=json.dumps(event),
        MessageAttributes={
            "ErrorCode": {"DataType": "String", "StringValue": "Lambda.ServiceException"},
            "ErrorMessage": {"DataType": "String", "StringValue": reason},
        },
    )


def test_the_redrive_lists_dead_letters_with_why_then_replays_them_and_twice_replayed_notifies_once(aws, monkeypatch):
    aws["sqs"].create_queue(QueueName=SAM_ENVIRONMENT["RedriveFunction"]["EVENT_DEAD_LETTER_QUEUE_URL"].rsplit("/")[-1])
    register_sender(sample("platform_message_posted.json")["detail"]["cloudAccountId"])
    connect_sender_and_peer()
    event = sample("platform_message_posted.json")
    for _ in range(2):  # the same event dead-lettered twice (EventBridge delivers at least once)
        dead_letter(aws, event, "Task timed out after 30.00 seconds")
    tap = bus_events(aws)
    redrive = handler(monkeypatch, "RedriveFunction")

    listed = redrive({"replay": False}, FakeLambdaContext())
    assert [(letter["detailType"], letter["ErrorMessage"]) for letter in listed["letters"]] == [
        ("Message Posted", "Task timed out after 30.00 seconds")
    ] * 2
    assert listed["replayed"] == [] and drain_all(aws, tap) == []

    replayed = redrive({"replay": True}, FakeLambdaContext())
    assert len(replayed["replayed"]) == 2 and replayed["failedAgain"] == []
    assert redrive({"replay": False}, FakeLambdaContext())["letters"] == []  # taken off the queue
    put_back = drain_all(aws, tap)
    assert [(e["source"], e["detail-type"], e["detail"]) for e in put_back] == [
        (event["source"], event["detail-type"], event["detail"])
    ] * 2

    notify = handler(monkeypatch, "NotifyFunction")
    for again in put_back:
        notify(again | {"account": event["account"]}, FakeLambdaContext())
    entries = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert len(entries) == 1, "replayed twice, notified once"


def test_a_replayed_letter_keeps_its_first_time_so_an_inbox_it_reached_before_failing_holds_it_once(aws, monkeypatch):
    aws["sqs"].create_queue(QueueName=SAM_ENVIRONMENT["RedriveFunction"]["EVENT_DEAD_LETTER_QUEUE_URL"].rsplit("/")[-1])
    register_sender(sample("platform_message_posted.json")["detail"]["cloudAccountId"])
    connect_sender_and_peer()
    event = sample("platform_message_posted.json")
    notify = handler(monkeypatch, "NotifyFunction")
    notify(event, FakeLambdaContext())  # the inbox entry is written, then the run is cut off before it is recorded
    idempotency = boto3.resource("dynamodb").Table(SAM_ENVIRONMENT["NotifyFunction"]["IDEMPOTENCY_TABLE_NAME"])
    for record in idempotency.scan()["Items"]:
        idempotency.delete_item(Key={"id": record["id"]})
    dead_letter(aws, event, "Task timed out after 30.00 seconds")
    tap = bus_events(aws)

    handler(monkeypatch, "RedriveFunction")({"replay": True}, FakeLambdaContext())

    (put_back,) = drain_all(aws, tap)
    assert put_back["time"] == event["time"]
    notify(put_back | {"account": event["account"]}, FakeLambdaContext())
    entries = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert len(entries) == 1, "the replay wrote the entry the first run wrote, not a second one"


def test_a_ring_relayed_twice_whose_first_run_failed_after_writing_the_inbox_is_in_the_inbox_once(aws, monkeypatch):
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import PlatformEndpoint

    register_sender(sample("platform_message_posted.json")["detail"]["cloudAccountId"])
    connect_sender_and_peer()
    a_phone_of(aws, monkeypatch, PEER)
    notify = handler(monkeypatch, "NotifyFunction")
    first = sample("platform_message_posted.json")
    # The cloud heard no answer and rang again: the doorbell relayed the same ring as a second event, later.
    again = first | {"id": str(uuid.uuid4()), "time": "2026-11-23T09:00:07Z"}

    def push_service_down(endpoint, message):
        raise SNSInvalidParameter("the push service is down")

    with monkeypatch.context() as down:
        down.setattr(PlatformEndpoint, "publish", push_service_down)
        with pytest.raises(Exception, match="push service is down"):
            notify(first, FakeLambdaContext())  # the inbox entry is written, then the push fails: retried later
    notify(again, FakeLambdaContext())
    notify(first, FakeLambdaContext())  # Lambda's retry of the first

    entries = boto3.resource("dynamodb").Table("NotificationsTable").scan()["Items"]
    assert [entry["notificationId"].split("#")[0] for entry in entries] == [first["time"]]
