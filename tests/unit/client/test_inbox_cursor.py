"""Following the inbox: every entry seen once, even one written just behind the newest already seen."""

from imegha.inbox import InboxCursor


class FakeInbox:
    def __init__(self, ids: list[str]):
        self.ids = ids

    def entries(self, after=None):
        found = [{"notificationId": id_} for id_ in sorted(self.ids) if after is None or id_ > after]
        return found, found[-1]["notificationId"] if found else after


def ids(entries):
    return [entry["notificationId"] for entry in entries]


def test_entries_there_at_the_start_are_skipped_unless_asked_for():
    inbox = FakeInbox(["2026-11-23T10:00:00Z#a"])
    assert ids(InboxCursor(inbox).fresh()) == []
    assert ids(InboxCursor(inbox, from_start=True).fresh()) == ["2026-11-23T10:00:00Z#a"]


def test_an_entry_landing_behind_the_newest_seen_is_still_seen_and_nothing_twice():
    inbox = FakeInbox(["2026-11-23T10:00:05Z#dm#bob#9"])
    cursor = InboxCursor(inbox)
    inbox.ids += ["2026-11-23T10:00:05Z#dm#bob#10", "2026-11-23T10:00:04Z#grp#carol#1"]

    assert ids(cursor.fresh()) == ["2026-11-23T10:00:04Z#grp#carol#1", "2026-11-23T10:00:05Z#dm#bob#10"]
    assert cursor.fresh() == []
    inbox.ids.append("2026-11-23T10:02:00Z#dm#bob#11")
    assert ids(cursor.fresh()) == ["2026-11-23T10:02:00Z#dm#bob#11"]
    assert cursor.since == "2026-11-23T10:01:00Z"
