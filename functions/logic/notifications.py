"""The doorbell: users' clouds say a message was posted or a share created; the platform tells the recipients.

An event from a user's cloud is believed only if it comes from the AWS account
registered as the sender's own cloud: a cloud cannot ring anyone's doorbell in
someone else's name. Recipients are checked against what the platform knows (a
1:1 conversation's id names its two people; a group's members are its roster),
so a cloud cannot make the platform notify strangers or removed members. A
refused event is logged and dropped, not retried: nothing about it will change.

Consent: a 1:1 message from someone who is not the recipient's connection is
held as a request (an inbox entry marked ``request``, no push; the device does
not fetch it until its person asks to read it). A share rings its sender's
connections only. An event naming more recipients than the conversation (one),
the group (its other members) or the sender's connections (for a share) could
hold is refused whole: no device of the sender made it. A sender rings each
recipient (or group) at most ``RateLimits.per_minute`` times a minute; past that
the event is dropped for that recipient. A group member added by the admin is
invited: the group's messages are requests for them until they accept.

What reaches an inbox or a phone: who, where (ids), when. Never what was said.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aws_lambda_powertools import Logger, Tracer

from dal.connections import CONNECTED, ConnectionsStore
from dal.directory import DirectoryStore
from dal.doorbell import Doorbell
from dal.groups import GroupStore
from dal.inbox import InboxStore
from dal.push import Push
from imegha_crypto import direct_conversation_id
from imegha_service.errors import InvalidRequest, NotFound

logger = Logger()
tracer = Tracer()

MESSAGE, SHARE, GROUP_KEY, CLOUD = "message", "share", "group-key", "cloud"
SUCCEEDED, FAILED = "SUCCEEDED", "FAILED"
_CLOUD_ALERTS = {
    ("deploy", SUCCEEDED): "Your iMegha cloud is ready",
    ("deploy", FAILED): "Your iMegha cloud could not be deployed: 'imegha cloud status' says why",
    ("destroy", SUCCEEDED): "Your iMegha cloud has been deleted",
    ("destroy", FAILED): "Your iMegha cloud could not be deleted: 'imegha cloud status' says why",
}
MAX_PAGE = 200


class Refused(Exception):
    """An event the platform will not act on; the message says why (for the log, never for a retry)."""


@dataclass(frozen=True)
class Rung:
    """What a notification round did: whom it told, and in how many requests to SNS."""

    recipients: list[str]
    push_requests: int


# --- events from users' clouds -------------------------------------------------------------


@tracer.capture_method
def message_posted(doorbell: Doorbell, account: str, time: str, detail: dict) -> Rung:
    sender = _sender_in_own_cloud(doorbell.directory, account, detail)
    conversation_id, message_id = detail["conversationId"], detail["messageId"]
    if conversation_id.startswith("grp-"):
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Which of those named have not accepted yet, read while the group is (and used only once it checks out).
            invitations = pool.submit(doorbell.groups.invited_among, conversation_id, detail["recipients"])
            recipients = _group_recipients(doorbell.groups, sender["userId"], conversation_id, detail)
            # One counter per sender and group: a message to a group rings its members once, however many they are.
            _admitted(doorbell, sender["userId"], [conversation_id])
            invited = invitations.result() & set(recipients)
        alert = f"{sender['iMTag']} sent a message to a group"
        request = False
    else:
        recipients = _admitted(
            doorbell, sender["userId"], _direct_recipient(sender["userId"], conversation_id, detail["recipients"])
        )
        alert = f"{sender['iMTag']} sent a message"
        request = doorbell.connections.status(recipients[0], sender["userId"]) != CONNECTED
        invited: set[str] = set()
    where = {"conversationId": conversation_id, "messageId": message_id}
    entry = {"kind": MESSAGE, "senderId": sender["userId"], "senderTag": sender["iMTag"], "createdAt": time, **where}
    notification_id = f"{time}#{conversation_id}#{sender['userId']}#{message_id}"
    if request:
        return _hold_as_request(doorbell, recipients, notification_id, entry)
    if invited:
        # Members who have not accepted the invitation yet: held as requests, like a stranger's message.
        held = _hold_as_request(doorbell, [r for r in recipients if r in invited], notification_id, entry)
        rung = _ring(doorbell, [r for r in recipients if r not in invited], notification_id, entry, alert, where)
        return Rung(held.recipients + rung.recipients, rung.push_requests)
    return _ring(doorbell, recipients, notification_id, entry, alert, where)


@tracer.capture_method
def share_created(doorbell: Doorbell, account: str, time: str, detail: dict) -> Rung:
    sender = _sender_in_own_cloud(doorbell.directory, account, detail)
    recipients = _admitted(
        doorbell, sender["userId"], _share_recipients(doorbell.connections, sender["userId"], detail["recipients"])
    )
    where = {"shareId": detail["shareId"]}
    return _ring(
        doorbell,
        recipients,
        f"{time}#{detail['shareId']}#{sender['userId']}",
        {"kind": SHARE, "senderId": sender["userId"], "senderTag": sender["iMTag"], "createdAt": time, **where},
        f"{sender['iMTag']} shared something with you",
        where,
    )


# --- the platform's own events --------------------------------------------------------------


@tracer.capture_method
def group_rekeyed(doorbell: Doorbell, time: str, group_id: str, epoch: int, members: list[str]) -> Rung:
    """Tell the remaining members their group has a new epoch, whose key their copies already hold."""
    where = {"conversationId": group_id, "epoch": epoch}
    return _ring(
        doorbell,
        members,
        f"{time}#{group_id}#epoch#{epoch}",
        {"kind": GROUP_KEY, "createdAt": time, **where},
        "A group you are in has a new key",
        where,
    )


@tracer.capture_method
def deployment_finished(status: str, doorbell: Doorbell, account: str, time: str, detail: dict) -> Rung:
    """Tell a user their cloud's deployment or deletion is over, and how (the handler has checked that the event is
    the platform's own)."""
    where = {"deploymentId": detail["deploymentId"], "action": detail["action"], "status": status}
    return _ring(
        doorbell,
        [detail["userId"]],
        f"{time}#deployment#{detail['deploymentId']}",
        {"kind": CLOUD, "createdAt": time, **where},
        _CLOUD_ALERTS[detail["action"], status],
        where,
    )


# --- the inbox ---------------------------------------------------------------------------------


@tracer.capture_method
def inbox(store: InboxStore, caller: str, after: str | None, limit: int) -> dict:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest("limit", f"from 1 to {MAX_PAGE}")
    entries, more = store.entries(caller, after, limit)
    return {"notifications": entries, "next": entries[-1]["notificationId"] if entries else after, "more": more}


# --- checks and delivery ------------------------------------------------------------------------


def _sender_in_own_cloud(directory: DirectoryStore, account: str, detail: dict) -> dict:
    try:
        sender = directory.user(detail["senderId"])
    except NotFound:
        raise Refused(f"the sender {detail['senderId']!r} is not a user") from None
    registered = sender.get("cloudAccountId")
    if registered is None or registered != account:
        raise Refused(
            f"the event comes from account {account}, but {detail['senderId']}'s cloud is "
            f"{registered or 'not deployed'}: a cloud speaks for its owner only"
        )
    return sender


def _direct_recipient(sender: str, conversation_id: str, recipients: list[str]) -> list[str]:
    if (
        len(recipients) != 1
        or recipients[0] == sender
        or direct_conversation_id(sender, recipients[0]) != conversation_id
    ):
        raise Refused(f"{conversation_id} is not a conversation between {sender} and {recipients}")
    return recipients


def _admitted(doorbell: Doorbell, sender: str, recipients: list[str]) -> list[str]:
    """Those of ``recipients`` the sender may still ring this minute; if none, the event is refused."""
    if doorbell.rate is None:
        raise Refused("this doorbell has no rate limits, so it rings for no user's cloud")
    admitted = [recipient for recipient in recipients if doorbell.rate.admit(sender, recipient)]
    if not admitted:
        raise Refused(f"{sender} is over the doorbell's limit of {doorbell.rate.per_minute} a minute")
    if len(admitted) < len(recipients):
        logger.warning("recipients over the rate limit are dropped", extra={"count": len(recipients) - len(admitted)})
    return admitted


def _share_recipients(connections: ConnectionsStore, sender: str, named: list[str]) -> list[str]:
    """Only connections hear of a share (the device shares with nobody else); an event naming more people than the
    sender has connections is no share a device made, and rings no one."""
    connected = {peer["peerId"] for peer in connections.list(sender) if peer["status"] == CONNECTED}
    recipients = [recipient for recipient in dict.fromkeys(named) if recipient != sender]
    if len(recipients) > len(connected):
        raise Refused(f"the share names {len(recipients)} people, but {sender} has {len(connected)} connections")
    strangers = [recipient for recipient in recipients if recipient not in connected]
    if strangers:
        logger.warning("recipients who are not connections are dropped", extra={"count": len(strangers)})
    return [recipient for recipient in recipients if recipient in connected]


def _group_recipients(groups: GroupStore, sender: str, group_id: str, detail: dict) -> list[str]:
    state = groups.group(group_id)
    if state is None or sender not in state["members"]:
        raise Refused(f"{sender} is not a member of {group_id}")
    if detail.get("epoch") != state["epoch"] or state["needsNewKey"]:
        raise Refused(
            f"the message is sealed under epoch {detail.get('epoch')}, but {group_id} is at epoch "
            f"{state['epoch']}{' and awaits its key' if state['needsNewKey'] else ''}"
        )
    # A member whose account was deleted is rung no more, though the signed roster names them until the admin's removal.
    members = set(state["members"]) - set(state.get("departed", ()))
    if len(set(detail["recipients"]) - {sender}) > len(members) - 1:
        raise Refused(
            f"the message names {len(detail['recipients'])} recipients, but {group_id} has {len(members)} members"
        )
    outsiders = [recipient for recipient in detail["recipients"] if recipient not in members]
    if outsiders:
        logger.warning(
            "recipients who are not members are dropped", extra={"groupId": group_id, "count": len(outsiders)}
        )
    return [
        recipient for recipient in dict.fromkeys(detail["recipients"]) if recipient in members and recipient != sender
    ]


def _hold_as_request(doorbell: Doorbell, recipients: list[str], notification_id: str, entry: dict) -> Rung:
    """A stranger's message: in the inbox as a request, which rings no phone and which no device opens unasked."""
    doorbell.inbox.add(
        [{"userId": recipient, "notificationId": notification_id, **entry, "request": True} for recipient in recipients]
    )
    return Rung(recipients, 0)


def _ring(doorbell: Doorbell, recipients: list[str], notification_id: str, entry: dict, alert: str, data: dict) -> Rung:
    """Each recipient's inbox entry, then a push to each of their devices (read while the entries are written)."""
    entries = [{"userId": recipient, "notificationId": notification_id, **entry} for recipient in recipients]
    requests = doorbell.push.publish(
        [Push(recipient, alert, data) for recipient in recipients], first=lambda: doorbell.inbox.add(entries)
    )
    return Rung(recipients, requests)
