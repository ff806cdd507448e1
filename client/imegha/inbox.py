"""The inbox on the device: what the platform's doorbell recorded for this person, and the messages it points to.

An inbox entry says who did what where (ids, the sender's iMTag), never what
was said: following a message entry means fetching that one message from the
sender's cloud and opening it here, exactly as reading the conversation would.
A request (a message from someone who is not a connection) is listed, never
followed: the sender's cloud is reached only when the person reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from .chat import Chat, ChatError, Line
from .documents import JSONObject
from .group_chat import Groups
from .platform_api import ApiError

POLL_S = 0.5
LOOKBACK_S = 60


class Inbox:
    """What the doorbell recorded for this person (who sent or shared what, never content), messages opened here.

    >>> chat = Chat(bob)  # doctest: +SKIP
    >>> inbox = Inbox(chat, Groups(chat))  # doctest: +SKIP
    >>> for entry, line in inbox.follow(lambda: True): print(entry["kind"], line and line.text)  # doctest: +SKIP
    """

    def __init__(self, chat: Chat, groups: Groups):
        self.chat, self.groups = chat, groups

    def entries(self, after: str | None = None) -> tuple[list[JSONObject], str | None]:
        """Every entry after the id ``after``, oldest first, and the id to follow on from."""
        collected = []
        while True:
            page = self.chat.platform.notifications(after)
            collected += page["notifications"]
            after = page["next"]
            if not page["more"]:
                return collected, after

    def requests(self) -> list[JSONObject]:
        """Messages from people who are not connections, held by the doorbell: the platform rang no phone for them,
        and nothing here reached their senders' clouds."""
        return [entry for entry in self.entries()[0] if is_request(entry)]

    def line(self, entry: JSONObject) -> Line | None:
        """The message a 'message' entry points to, opened here; None for other entries and for requests (opening
        one reaches a stranger's cloud: 'imegha chat read' does that when its person asks)."""
        if entry["kind"] != "message" or is_request(entry):
            return None
        conversation_id, sequence = entry["conversationId"], int(entry["messageId"])
        sender, tag = entry["senderId"], entry["senderTag"]
        peer = self.chat.peer(tag)
        if peer.user_id != sender:
            raise ChatError(f"{tag} is now another user than the one who sent this")
        page = self.chat.cloud_of(peer).messages(conversation_id, after=sequence - 1, limit=1, every_page=False)
        if not page["messages"]:
            return None
        if conversation_id.startswith("grp-"):
            return self.groups.open_group_line(self.groups.view(conversation_id), page["messages"][0], sender, tag)
        return self.chat.open_direct_page(page, sender, tag, peer.identity_key)[0]

    def follow(
        self, keep_going: Callable[[], bool], *, from_start: bool = False, poll_s: float = POLL_S
    ) -> Iterator[tuple[JSONObject, Line | None]]:
        """Entries as they arrive, each with its message opened, while ``keep_going()``; with ``from_start``, the
        entries already there first."""
        cursor = InboxCursor(self, from_start=from_start)
        while keep_going():
            try:
                entries = cursor.fresh()
            except ApiError as error:
                if error.status < 500:
                    raise
                entries = []  # the platform hiccuped: ask again at the next poll
            for entry in entries:
                yield entry, self.line(entry)
            if not entries:
                time.sleep(poll_s)


def is_request(entry: JSONObject) -> bool:
    """A message from someone who is not a connection: listed, never opened unasked."""
    return entry.get("request") is True


class InboxCursor:
    """Where a device is in its inbox, so that each entry is seen once.

    Entries are ordered by the time their event was put on the bus, then by
    ids, and written a moment later: one can land just before the last entry
    already seen (the same second, a slower write). So each poll asks again
    from ``LOOKBACK_S`` before the newest entry seen, and skips what it has seen.
    """

    def __init__(self, inbox: Inbox, *, from_start: bool = False):
        self.inbox = inbox
        self.seen: set[str] = set()
        self.since: str | None = None
        if not from_start:
            self._take(inbox.entries()[0])

    def fresh(self) -> list[JSONObject]:
        entries = [entry for entry in self.inbox.entries(self.since)[0] if entry["notificationId"] not in self.seen]
        self._take(entries)
        return entries

    def _take(self, entries: list[JSONObject]) -> None:
        self.seen |= {entry["notificationId"] for entry in entries}
        if self.seen:
            newest = datetime.fromisoformat(max(self.seen).split("#", 1)[0].replace("Z", "+00:00"))
            self.since = (newest - timedelta(seconds=LOOKBACK_S)).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.seen = {seen for seen in self.seen if seen > self.since}
