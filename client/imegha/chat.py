"""iMChat on the device: messages are sealed and signed here, stored in the sender's own cloud, read from there.

Sending a 1:1 message: the conversation key (CK) is made by whoever starts the
conversation, kept in their cloud wrapped under their DEK and, for the peer,
under the peer's RSA key with a grant signed by the starter; the peer adopts
the same key when they first send. Each message is sealed under the CK, bound
to (sender, conversation, sequence), signed with the sender's identity key and
posted to the sender's own cloud, which rings the platform's doorbell.

Reading: the device asks both people's clouds for their messages with its
platform token, opens each with the key the cloud sent along (checking the
grant for a key that came from the peer), checks each signature against the
sender's pinned identity key, and merges both sides in the order they were sent.
A message that does not check out is shown as refused, never as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from imegha_crypto import (
    Context,
    ConversationKey,
    CryptoError,
    GroupKey,
    IdentityPublicKey,
    b64url_decode,
    direct_conversation_id,
    open_message,
    seal_message,
    sign_key_grant,
    unwrap_key,
    verify_key_grant,
    verify_key_statement,
    wrap_key,
)

from .accounts import Account, PeerLeft
from .agent import AgentKeys
from .chat_api import ChatPlatformApi, UserCloudApi
from .cloud_tokens import cloud_tokens
from .documents import JSONObject
from .platform_api import ApiError
from .trust import Peer

# A sequence taken meanwhile (another device of the same person sent) is retried this many times.
SEND_ATTEMPTS = 3


class ChatError(Exception):
    """Something the person can act on: no cloud yet, nothing to read, a refusal they should know of.

    >>> try:  # doctest: +SKIP
    ...     Chat(bob).send("Alice", "Yes, 10 is fine")
    ... except ChatError as refusal:
    ...     print(refusal)  # e.g. his cloud, where his messages are kept, is not deployed yet
    """


@dataclass(frozen=True)
class Line:
    """One message as a person sees it, or why it was refused (then ``text`` is None).

    >>> line = Chat(bob).read("Alice")[-1]  # doctest: +SKIP
    >>> line.sender, line.text, line.refused  # doctest: +SKIP
    ('Alice', 'Thursday at 10?', None)
    """

    conversation_id: str
    sender_id: str
    sender: str
    """The sender's iMTag."""
    sequence: int
    sent_at: str
    text: str | None
    epoch: int | None = None
    refused: str | None = None

    def as_json(self) -> JSONObject:
        document = {
            "conversationId": self.conversation_id,
            "senderId": self.sender_id,
            "sender": self.sender,
            "sequence": self.sequence,
            "sentAt": self.sent_at,
            "text": self.text,
            "epoch": self.epoch,
            "refused": self.refused,
        }
        return {name: value for name, value in document.items() if value is not None or name == "text"}

    @property
    def order(self) -> tuple[datetime, str, int]:
        return _instant(self.sent_at), self.sender_id, self.sequence


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _instant(timestamp: str) -> datetime:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)


def _conversation_key_context(holder: str, conversation_id: str) -> Context:
    return Context(owner=holder, object_id=conversation_id, version=0)


class Chat:
    """One signed-in person's chats, on this device.

    >>> Chat(alice).send("Bob", "Thursday at 10?")  # doctest: +SKIP
    >>> [(line.sender, line.text) for line in Chat(bob).read("Alice")]  # doctest: +SKIP
    [('Alice', 'Thursday at 10?')]
    """

    def __init__(self, account: Account):
        self.account = account
        session = account.live_session()
        self.me, self.my_tag = session.user_id, session.imtag
        self.platform = ChatPlatformApi(account.endpoints.platform_api_url, session.id_token)
        self.tokens = cloud_tokens(account)
        self._peers: dict[str, Peer] = {}

    @cached_property
    def keys(self) -> AgentKeys:
        return self.account.keys()

    @cached_property
    def own_cloud(self) -> UserCloudApi | None:
        """This person's own cloud, at the URL their own signed key statement names; None until they deploy one."""
        statement = self.platform.me().get("keyStatement")
        try:
            url = (
                statement
                and verify_key_statement(
                    statement, user_id=self.me, pinned_identity=self.keys.identity_key.public_key
                ).cloud_url
            )
        except CryptoError as error:
            raise ChatError(f"WARNING: the platform serves you a key statement you did not sign: {error}") from None
        return UserCloudApi(url, self.tokens.for_cloud(self.me)) if url else None

    @property
    def my_cloud(self) -> UserCloudApi:
        """This person's own cloud, for what only it can do: keep what they send."""
        if self.own_cloud is None:
            raise ChatError("your cloud is not deployed yet ('imegha cloud deploy'): your messages are kept there")
        return self.own_cloud

    def peer(self, imtag: str) -> Peer:
        """``imtag``'s checked keys and cloud, looked up once per command."""
        key = imtag.casefold()
        if key not in self._peers:
            self._peers[key] = self.account.peer(imtag)
        return self._peers[key]

    def cloud_of(self, peer: Peer) -> UserCloudApi:
        if peer.user_id == self.me:
            return self.my_cloud
        if not peer.cloud_url:
            raise ChatError(f"{peer.imtag} has no cloud yet (their signed key statement names none)")
        return UserCloudApi(peer.cloud_url, self.tokens.for_cloud(peer.user_id))

    def identity_of(self, user_id: str, imtag: str) -> IdentityPublicKey:
        """A user's identity key: one's own, a pinned one, or looked up (and pinned) by iMTag."""
        if user_id == self.me:
            return self.keys.identity_key.public_key
        pin = self.account.pins.get(user_id)
        if pin is not None:
            return IdentityPublicKey(b64url_decode(pin["identityKey"]))
        peer = self.peer(imtag)
        if peer.user_id != user_id:
            raise ChatError(f"{imtag} is now another user than the one named here")
        return peer.identity_key

    # --- 1:1 conversations ------------------------------------------------------------

    def send(self, imtag: str, text: str) -> Line:
        peer = self.peer(imtag)
        if peer.user_id == self.me:
            raise ChatError("a conversation is with someone else")
        conversation_id = direct_conversation_id(self.me, peer.user_id)
        mine = self.my_cloud.conversation(conversation_id) or self._start(conversation_id, peer)
        key = unwrap_key(
            mine["keys"]["0"]["wrappedKey"],
            ConversationKey,
            unwrapping_key=self.keys.data_key,
            context=_conversation_key_context(self.me, conversation_id),
        )
        return self.post(conversation_id, key, text, [peer.user_id], mine.get("nextSequence", 1))

    def post(
        self, conversation_id: str, key: ConversationKey | GroupKey, text: str, recipients: list[str], sequence: int
    ) -> Line:
        """Seal, sign and post ``text`` to this person's cloud at ``sequence``, or the next free one."""
        for _ in range(SEND_ATTEMPTS):
            sent_at = now()
            try:
                record = seal_message(
                    key,
                    self.keys.identity_key,
                    conversation_id=conversation_id,
                    sender=self.me,
                    sequence=sequence,
                    text=text,
                    sent_at=sent_at,
                )
            except CryptoError as error:
                raise ChatError(f"not sent: {error}") from None
            try:
                self.my_cloud.post(conversation_id, record, recipients)
            except ApiError as error:
                if error.status != 409 or "is taken" not in error.message:
                    raise
                taken = self.my_cloud.conversation(conversation_id)
                if taken is None:
                    raise
                sequence = taken["nextSequence"]
                continue
            return Line(conversation_id, self.me, self.my_tag, sequence, sent_at, text, getattr(key, "epoch", None))
        raise ChatError("not sent: another device of yours keeps sending at the same moment; try again")

    def _start(self, conversation_id: str, peer: Peer) -> JSONObject:
        """Record the conversation in this person's cloud, with the peer's key if they started it, else a new one."""
        key = self._peers_key(conversation_id, peer) or ConversationKey.generate()
        for_peer = wrap_key(
            key, wrapping_key=peer.exchange_key, context=_conversation_key_context(peer.user_id, conversation_id)
        )
        self.my_cloud.save_conversation(
            conversation_id,
            {
                "peerId": peer.user_id,
                "keys": {
                    "0": {
                        "wrappedKey": wrap_key(
                            key,
                            wrapping_key=self.keys.data_key,
                            context=_conversation_key_context(self.me, conversation_id),
                        ),
                        "peerKey": for_peer,
                        "grant": sign_key_grant(
                            self.keys.identity_key,
                            conversation_id=conversation_id,
                            version=0,
                            member=peer.user_id,
                            copy=for_peer,
                        ),
                    }
                },
            },
        )
        started = self.my_cloud.conversation(conversation_id)
        if started is None:
            raise ChatError("your cloud did not keep the conversation it was given; nothing was sent")
        return started

    def _peers_key(self, conversation_id: str, peer: Peer) -> ConversationKey | None:
        if not peer.cloud_url:
            return None  # with no cloud yet, they cannot have started the conversation
        theirs = self.cloud_of(peer).conversation(conversation_id)
        if not theirs or "0" not in theirs["keys"]:
            return None
        return self.direct_key(theirs["keys"]["0"], conversation_id, peer.user_id, peer.identity_key)

    def direct_key(
        self, wrapped: JSONObject, conversation_id: str, holder: str, holder_identity: IdentityPublicKey
    ) -> ConversationKey:
        """The CK from one side's cloud: this person's own copy, or the peer's copy for them, vouched for by the peer."""
        context = _conversation_key_context(self.me, conversation_id)
        if holder == self.me:
            return unwrap_key(
                wrapped["wrappedKey"], ConversationKey, unwrapping_key=self.keys.data_key, context=context
            )
        verify_key_grant(
            wrapped["grant"],
            wrapped["wrappedKey"],
            maker_identity=holder_identity,
            conversation_id=conversation_id,
            version=0,
            member=self.me,
        )
        return unwrap_key(
            wrapped["wrappedKey"], ConversationKey, unwrapping_key=self.keys.exchange_key, context=context
        )

    def read(self, imtag: str, unanswered: list[str] | None = None) -> list[Line]:
        """The whole conversation with ``imtag``, both sides merged in the order the messages were sent.

        With ``unanswered``, the peer's cloud not answering leaves their side out and is named there; without,
        its error is raised.
        """
        peer: Peer | None
        try:
            peer = self.peer(imtag)
            peer_id = peer.user_id
        except PeerLeft as gone:  # what they said left with their account; what this person said is still here
            if unanswered is None:
                raise
            unanswered.append(f"{gone.imtag} deleted their account: what they wrote is no longer reachable")
            peer, peer_id = None, gone.user_id
        conversation_id = direct_conversation_id(self.me, peer_id)
        lines = []
        if self.own_cloud:  # with no cloud of one's own yet, one has said nothing
            lines = self.open_direct_page(
                self.own_cloud.messages(conversation_id), self.me, self.my_tag, self.keys.identity_key.public_key
            )
        if peer and peer.cloud_url:  # nor have they, with none of theirs
            try:
                page = self.cloud_of(peer).messages(conversation_id)
            except (ApiError, OSError) as error:
                if unanswered is None:
                    raise
                unanswered.append(f"{peer.imtag}'s cloud did not answer ({error})")
            else:
                lines += self.open_direct_page(page, peer.user_id, peer.imtag, peer.identity_key)
        return sorted(lines, key=lambda line: line.order)

    def open_direct_page(self, page: JSONObject, holder: str, tag: str, identity: IdentityPublicKey) -> list[Line]:
        conversation_id = page["conversationId"]
        if not page["messages"]:
            return []
        try:
            key = self.direct_key(page["keys"]["0"], conversation_id, holder, identity)
        except (CryptoError, KeyError) as error:
            reason = f"the conversation key from {tag}'s cloud does not check out: {error}"
            return [refused_line(conversation_id, holder, tag, item, reason) for item in page["messages"]]
        return [open_line(item, key, conversation_id, holder, tag, identity) for item in page["messages"]]


def open_line(
    item: JSONObject,
    key: ConversationKey | GroupKey,
    conversation_id: str,
    sender: str,
    tag: str,
    identity: IdentityPublicKey,
) -> Line:
    """A stored message opened, or refused with the reason if its signature, place or sealing does not check out."""
    try:
        message = open_message(
            item["message"], key, sender_identity=identity, conversation_id=conversation_id, sender=sender
        )
    except CryptoError as error:
        return refused_line(conversation_id, sender, tag, item, str(error))
    if message.sequence != item["sequence"]:
        return refused_line(conversation_id, sender, tag, item, "stored at another place than it was sealed for")
    return Line(conversation_id, sender, tag, message.sequence, message.sent_at, message.text, message.epoch)


def refused_line(conversation_id: str, sender: str, tag: str, item: JSONObject, reason: str) -> Line:
    body = item.get("message", {}).get("body", {})
    sent_at = body.get("sentAt") if isinstance(body.get("sentAt"), str) else ""
    epoch = (body.get("sealed") or {}).get("epoch") if isinstance(body.get("sealed"), dict) else None
    return Line(conversation_id, sender, tag, item["sequence"], sent_at, None, epoch, refused=reason)
