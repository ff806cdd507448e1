"""A stranger's message in the inbox: listed as a request, never opened (nor their cloud reached) unasked."""

from __future__ import annotations

from imegha.commands.chat import watch_text
from imegha.inbox import Inbox


class NoCloudReached:
    """A chat whose every use would reach someone's cloud: touching it fails the test."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the inbox reached for chat.{name} on a request")


REQUEST = {
    "notificationId": "2026-11-23T10:00:00Z#dm-x#sam#1",
    "kind": "message",
    "senderTag": "Sam",
    "senderId": "sam",
    "conversationId": "dm-x",
    "messageId": "1",
    "request": True,
}


def test_a_request_is_not_opened_and_its_senders_cloud_is_not_reached():
    inbox = Inbox(NoCloudReached(), groups=None)  # type: ignore[arg-type]

    assert inbox.line(REQUEST) is None


def test_the_watch_names_a_request_and_how_to_see_it_without_its_text():
    assert watch_text(REQUEST) == "a request from Sam: 'imegha chat requests' to see it"
