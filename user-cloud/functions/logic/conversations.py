"""iMChat in the owner's cloud: the owner's part of each conversation, and who may read it.

This cloud stores what its owner's device sealed and signed: conversation keys
wrapped under the owner's DEK (and, for a 1:1 conversation, for the peer), and
the owner's own messages. It never holds a key it can use or a line of text.
The checks here are about who asks and the shape and place of what is stored;
the signatures and the sealing are checked again by every reader's device.

Who may read: in a 1:1 conversation the two people whose ids give its id; in a
group, each message is readable by the members it was sent to, so a member
removed later keeps what they had and sees nothing new, and a member added
later sees nothing from before, unless the admin shared the history with them:
then they show the admin's signed grant, checked here against the admin's
identity key as the owner's device recorded it, and also read every message
sealed under an epoch up to the one the grant names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aws_lambda_powertools import Tracer

from dal.conversations import ConversationStore
from imegha_crypto import (
    MESSAGE_MAX_BYTES,
    CryptoError,
    IdentityPublicKey,
    b64url_decode,
    direct_conversation_id,
    validate_envelope,
    verify_history_grant,
)
from imegha_service.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from imegha_service.events import Announcer

tracer = Tracer()

MESSAGE_POSTED = "Message Posted"
DIRECT, GROUP = "direct", "group"
_CONVERSATION_ID = re.compile(r"(dm|grp)-[0-9a-f]{32}")
_GCM_TAG_BYTES = 16
MAX_PAGE = 500
MAX_SEQUENCE = 2**53 - 1


def conversation_kind(conversation_id: str) -> str:
    if not _CONVERSATION_ID.fullmatch(conversation_id):
        raise InvalidRequest("conversationId", "'dm-' or 'grp-' and 32 lowercase hex digits")
    return DIRECT if conversation_id.startswith("dm-") else GROUP


def _takes_part_in_direct(owner: str, caller: str, conversation_id: str) -> bool:
    return caller == owner or direct_conversation_id(owner, caller) == conversation_id


# --- the conversation and its keys ------------------------------------------------------


@tracer.capture_method
def save_conversation(store: ConversationStore, owner: str, conversation_id: str, document: dict) -> dict:
    """Record the owner's part of a conversation: its keys (each version once) and whom it is with."""
    kind = conversation_kind(conversation_id)
    if kind == DIRECT:
        peer = document.get("peerId")
        if peer is None or "roster" in document:
            raise InvalidRequest("peerId", "a 1:1 conversation names its peer, and has no roster")
        if peer == owner or direct_conversation_id(owner, peer) != conversation_id:
            raise InvalidRequest("peerId", "this conversation is not between you and this user")
        if set(document["keys"]) != {"0"} or not {"peerKey", "grant"} <= set(document["keys"]["0"]):
            raise InvalidRequest(
                "keys",
                "a 1:1 conversation has one key, version 0, wrapped for you and for the peer, "
                "with your grant for the peer's copy",
            )
        _require_kind("keys/0/wrappedKey", document["keys"]["0"]["wrappedKey"], "CK")
        _require_kind("keys/0/peerKey", document["keys"]["0"]["peerKey"], "CK")
        meta = {"kind": DIRECT, "peerId": peer}
    else:
        if "peerId" in document or "roster" not in document or "adminIdentity" not in document:
            raise InvalidRequest(
                "roster",
                "a group conversation keeps the group's roster and its admin's identity key, and has no single peer",
            )
        _admin_identity(document["adminIdentity"])
        for version, key in document["keys"].items():
            _require_kind(f"keys/{version}/wrappedKey", key["wrappedKey"], "GK", epoch=int(version))
            if "peerKey" in key or "grant" in key:
                raise InvalidRequest(f"keys/{version}", "group keys reach members through the platform")
        meta = {"kind": GROUP, "roster": document["roster"], "adminIdentity": document["adminIdentity"]}
    stored = store.meta(conversation_id)
    if kind == DIRECT and stored is not None and stored.get("peerId") != meta["peerId"]:
        raise Conflict("this conversation is already recorded with another peer")
    store.put_meta(conversation_id, meta | {"updatedAt": _now()})
    added = [
        int(version) for version, key in document["keys"].items() if store.add_key(conversation_id, int(version), key)
    ]
    return {"conversationId": conversation_id, "kind": kind, "keysAdded": sorted(added)}


@tracer.capture_method
def conversation(store: ConversationStore, owner: str, caller: str, conversation_id: str) -> dict:
    """What the caller may know of the conversation here: its keys wrapped for them, and, for the owner, what comes next."""
    kind = conversation_kind(conversation_id)
    if caller != owner and (kind == GROUP or not _takes_part_in_direct(owner, caller, conversation_id)):
        raise NotAllowed("you do not take part in this conversation")
    meta = store.meta(conversation_id)
    if meta is None:
        raise NotFound("this cloud holds nothing of this conversation yet")
    answer = {"conversationId": conversation_id, "kind": kind, "keys": _keys_for(store, owner, caller, conversation_id)}
    if caller == owner:
        answer |= {
            "peerId": meta.get("peerId"),
            "roster": meta.get("roster"),
            "nextSequence": store.last_sequence(conversation_id) + 1,
        }
    return {name: value for name, value in answer.items() if value is not None}


def _keys_for(store: ConversationStore, owner: str, caller: str, conversation_id: str) -> dict:
    """Each key version as the caller can open it: the owner's under their DEK, the peer's for their RSA key and
    with the grant by which the owner vouches for it."""
    items = store.keys(conversation_id)
    if caller == owner:
        return {str(item["version"]): {"wrappedKey": item["wrappedKey"]} for item in items}
    return {
        str(item["version"]): {"wrappedKey": item["peerKey"], "grant": item["grant"]}
        for item in items
        if "peerKey" in item
    }


# --- messages --------------------------------------------------------------------------------


@tracer.capture_method
def post_message(
    store: ConversationStore,
    events: Announcer,
    owner: str,
    conversation_id: str,
    message: dict,
    recipients: list[str],
) -> tuple[dict, bool]:
    """Store the owner's message, then ring the platform's doorbell (ids only).

    Returns the answer and whether the message is new. Posting the very same
    message again stores nothing and rings again, so a device that lost the
    answer can safely retry; the platform's notifier sends only one notification.
    """
    kind = conversation_kind(conversation_id)
    body = message["body"]
    if message["type"] != "message":
        raise InvalidRequest("message/type", f"must be 'message', not {message['type']!r}")
    if body["conversationId"] != conversation_id:
        raise InvalidRequest("message/body/conversationId", "names another conversation than the one posted to")
    if body["sender"] != owner:
        raise InvalidRequest("message/body/sender", "only this cloud's owner posts here")
    _require_message_size(body["sealed"])
    sealed_kind = body["sealed"]["kind"]
    if sealed_kind != ("CK" if kind == DIRECT else "GK"):
        raise InvalidRequest(
            "message/body/sealed/kind",
            f"a {kind} message is sealed with a {'CK' if kind == DIRECT else 'GK'}, not a {sealed_kind}",
        )
    if owner in recipients:
        raise InvalidRequest("recipients", "the sender is not one of the recipients")
    if kind == DIRECT:
        meta = store.meta(conversation_id)
        if meta is None:
            raise Conflict("record the conversation and its key before posting to it")
        if recipients != [meta["peerId"]]:
            raise InvalidRequest("recipients", "a 1:1 message goes to the conversation's peer only")
    sequence = body["sequence"]
    fields = {"message": message, "recipients": recipients, "postedAt": _now()}
    if kind == GROUP:
        fields["epoch"] = body["sealed"]["epoch"]
    existing = store.add_message(conversation_id, sequence, fields)
    if existing is not None and (existing["message"] != message or existing["recipients"] != recipients):
        raise Conflict(f"sequence {sequence} is taken; the next free one is {store.last_sequence(conversation_id) + 1}")
    detail = {
        "conversationId": conversation_id,
        "senderId": owner,
        "recipients": recipients,
        "messageId": str(sequence),
    }
    if kind == GROUP:
        # The epoch is not content: the notifier refuses a message sealed under an epoch the group has left.
        detail["epoch"] = body["sealed"]["epoch"]
    events.publish(MESSAGE_POSTED, detail)
    return {"conversationId": conversation_id, "sequence": sequence, "messageId": str(sequence)}, existing is None


@tracer.capture_method
def read_messages(
    store: ConversationStore,
    owner: str,
    caller: str,
    conversation_id: str,
    after: int,
    limit: int,
    history_grant: dict | None = None,
) -> dict:
    """The caller's view of this cloud's messages after sequence ``after``, and the keys they need to open them.

    A group member given the history shows the admin's ``history_grant``; anyone else shows none.
    """
    kind = conversation_kind(conversation_id)
    if kind == DIRECT and not _takes_part_in_direct(owner, caller, conversation_id):
        raise NotAllowed("you do not take part in this conversation")
    if history_grant is not None and (kind == DIRECT or caller == owner):
        raise InvalidRequest("historyGrant", "only a group member who is not this cloud's owner shows one")
    visible_to = None if caller == owner or kind == DIRECT else caller
    through_epoch = None if history_grant is None else _history_through(store, caller, conversation_id, history_grant)
    items, more = store.messages(conversation_id, after, limit, visible_to, through_epoch)
    keys = _keys_for(store, owner, caller, conversation_id) if kind == DIRECT or caller == owner else {}
    return {
        "conversationId": conversation_id,
        "sender": owner,
        "keys": keys,
        "messages": [{"sequence": int(item["sequence"]), "message": item["message"]} for item in items],
        "next": int(items[-1]["sequence"]) if items else after,
        "more": more,
    }


# --- checks ------------------------------------------------------------------------------------


def _history_through(store: ConversationStore, caller: str, conversation_id: str, grant: dict) -> int:
    """The last epoch the group's admin let the caller read back to, by a grant checked against the admin's
    identity key the owner's device recorded here."""
    meta = store.meta(conversation_id)
    if meta is None or "adminIdentity" not in meta:
        raise NotAllowed(
            "this cloud's owner has not recorded the group's admin yet, so no history grant can be checked here"
        )
    try:
        return verify_history_grant(
            grant, admin_identity=_admin_identity(meta["adminIdentity"]), group_id=conversation_id, member=caller
        )
    except CryptoError as error:
        raise NotAllowed(f"this is not the group admin's grant of the history to you: {error}") from None


def _admin_identity(encoded: str) -> IdentityPublicKey:
    try:
        return IdentityPublicKey(b64url_decode(encoded))
    except CryptoError as error:
        raise InvalidRequest("adminIdentity", str(error)) from None


def _require_kind(field: str, envelope: dict, kind: str, epoch: int | None = None) -> None:
    if envelope["kind"] != kind:
        raise InvalidRequest(field, f"must hold a {kind}, not a {envelope['kind']}")
    if epoch is not None and envelope.get("epoch") != epoch:
        raise InvalidRequest(field, f"holds the key of epoch {envelope.get('epoch')}, filed under epoch {epoch}")


def _require_message_size(sealed: dict) -> None:
    try:
        validate_envelope("sealed-data", sealed)
        size = len(b64url_decode(sealed["ct"])) - _GCM_TAG_BYTES
    except CryptoError as error:
        raise InvalidRequest("message/body/sealed", str(error)) from None
    if size > MESSAGE_MAX_BYTES:
        raise InvalidRequest(
            "message/body/sealed", f"the sealed text is {size:,} bytes; a message holds at most {MESSAGE_MAX_BYTES:,}"
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
