"""The inbox on the device: what the platform's doorbell recorded for this person, and the messages it points to.

An inbox entry says who did what where (ids, the sender's iMTag), never what
was said: following a message entry means fetching that one message from the
sender's cloud and opening it here, exactly as reading the conversation would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from .chat import Chat, ChatError, Line
from .group_chat import Groups
from .platform_api import ApiError

POLL_S = 0.5


class Inbox:
    def __init__(self, chat: Chat, groups: Groups):
        self.chat, self.groups = chat, groups

    def entries(self, after: str | None = None) -> tuple[list[dict], str | None]:
        """Every entry after the id ``after``, oldest first, and the id to follow on from."""
        collected = []
        while True:
            page = self.chat.platform.notifications(after)
            collected += page["notifications"]
            after = page["next"]
            if not page["more"]:
                return collected, after

    def line(self, entry: dict) -> Line | None:
        """The message a 'message' entry points to, opened here; None for other entries."""
        if entry["kind"] != "message":
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

    def follow(self, after: str | None, keep_going: Callable[[], bool], poll_s: float = POLL_S) -> Iterator[tuple[dict, Line | None]]:
        """Entries as they arrive after ``after``, each with its message opened, while ``keep_going()``."""
        while keep_going():
            try:
                entries, after = self.entries(after)
            except ApiError as error:
                if error.status < 500:
                    raise
                entries = []  # the platform hiccuped: ask again at the next poll
            for entry in entries:
                yield entry, self.line(entry)
            if not entries:
                time.sleep(poll_s)
