"""Chat messages: sealed under the conversation's (or group's) key, bound to where they belong, signed by the sender.

A message is a ``signed-record`` of type ``message`` whose body names the
conversation, the sender, the sender's sequence number and the time, and holds
the text as ``sealed-data`` under the context (sender, conversation, sequence).
The sender's cloud stores it; neither that cloud nor the platform can alter it
(the signature), move it to another conversation or position (the context), or
read it (the key never leaves the participants' devices).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .canonical import Context, JSONObject, canonical_json
from .errors import DecryptionError, FormatError
from .held import IdentitySigner
from .keys import ConversationKey, GroupKey, IdentityPublicKey
from .sealing import open_data, seal_data
from .signing import sign_record, verify_record

MESSAGE_RECORD = "message"
# The text of one message, as UTF-8. Longer content is a file shared in the conversation.
MESSAGE_MAX_BYTES = 64 * 1024

MessageKey = ConversationKey | GroupKey


@dataclass(frozen=True)
class Message:
    """An opened message: who sent it, where, in what order, and what it says."""

    conversation_id: str
    sender: str
    sequence: int
    sent_at: str
    text: str
    epoch: int | None
    """The group key's epoch it was sealed under; None in a 1:1 conversation."""


def direct_conversation_id(user_a: str, user_b: str) -> str:
    """The one id of the 1:1 conversation between two users, whichever of them computes it.

    ``"dm-"`` and the first 16 bytes, in hex, of SHA-256 of the canonical JSON
    ``["imegha direct conversation", first, second]``, the two user ids in code
    point order.
    Both clouds and both devices derive it, so a cloud knows who may read a
    conversation from its id alone.
    """
    if user_a == user_b:
        raise ValueError("a conversation is between two different users")
    first, second = sorted((user_a, user_b))
    digest = hashlib.sha256(canonical_json(["imegha direct conversation", first, second]))
    return "dm-" + digest.hexdigest()[:32]


def message_context(conversation_id: str, sender: str, sequence: int) -> Context:
    """Where a message belongs: its sender's ``sequence``-th message in ``conversation_id``."""
    return Context(owner=sender, object_id=conversation_id, version=sequence)


def seal_message(
    key: MessageKey,
    identity_key: IdentitySigner,
    *,
    conversation_id: str,
    sender: str,
    sequence: int,
    text: str,
    sent_at: str,
) -> JSONObject:
    """Seal ``text`` for a conversation and sign it as ``sender``; returns a ``signed-record`` of type ``message``.

    Raises ``FormatError`` for text longer than ``MESSAGE_MAX_BYTES`` or that is not Unicode.
    """
    if not isinstance(key, MessageKey):
        raise TypeError(f"messages are sealed with a ConversationKey or a GroupKey, not a {type(key).__name__}")
    try:
        plaintext = text.encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError("the message holds a lone surrogate, which is not Unicode text") from None
    if len(plaintext) > MESSAGE_MAX_BYTES:
        raise FormatError(
            f"the message is {len(plaintext):,} bytes; a message holds at most {MESSAGE_MAX_BYTES:,} "
            "(send longer text as a file)"
        )
    sealed = seal_data(key, plaintext, message_context(conversation_id, sender, sequence))
    body = {
        "conversationId": conversation_id,
        "sender": sender,
        "sequence": sequence,
        "sentAt": sent_at,
        "sealed": sealed,
    }
    return sign_record(identity_key, MESSAGE_RECORD, body)


def open_message(
    record: JSONObject,
    key: MessageKey,
    *,
    sender_identity: IdentityPublicKey,
    conversation_id: str,
    sender: str,
) -> Message:
    """Open a message read from ``sender``'s part of ``conversation_id``.

    Refuses (``SignatureError``) a record not signed by ``sender_identity`` or
    altered, and (``DecryptionError``) one that names another conversation or
    sender, or whose text does not open under ``key`` where it is read.
    """
    body = verify_record(record, MESSAGE_RECORD, sender_identity)
    _require_shape(body)
    if body["conversationId"] != conversation_id:
        raise DecryptionError(
            f"this message belongs to conversation {body['conversationId']!r}, not {conversation_id!r}: "
            "it was copied here"
        )
    if body["sender"] != sender:
        raise DecryptionError(f"this message is from {body['sender']!r}, not from {sender!r}")
    opened = open_data(key, body["sealed"], message_context(conversation_id, sender, body["sequence"]))
    try:
        text = opened.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("the message opened but is not UTF-8 text") from None
    return Message(
        conversation_id=conversation_id,
        sender=sender,
        sequence=body["sequence"],
        sent_at=body["sentAt"],
        text=text,
        epoch=body["sealed"].get("epoch"),
    )


_BODY_FIELDS = {"conversationId": str, "sender": str, "sequence": int, "sentAt": str, "sealed": dict}


def _require_shape(body: JSONObject) -> None:
    if set(body) != set(_BODY_FIELDS):
        raise FormatError(f"message: the body has fields {sorted(body)}; expected {sorted(_BODY_FIELDS)}")
    for name, kind in _BODY_FIELDS.items():
        if not isinstance(body[name], kind) or isinstance(body[name], bool):
            raise FormatError(f"message: body.{name} must be {kind.__name__}")
    if body["sequence"] < 0:
        raise FormatError("message: body.sequence must not be negative")
