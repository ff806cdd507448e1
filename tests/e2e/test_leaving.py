"""Leaving iMegha: ``imegha account delete``, signed by the identity key and confirmed by the iMTag typed.

Ann has a cloud, a connection (Ben), a group Ben runs (with Cal), messages she sent, a phone registered for push.
She deletes her account; then every item of every platform table and every Cognito user is read as whoever runs
the platform could, and nothing names her but the signed records of the group she was in (the others' history),
counters that lapse within the hour, the line in each connection's list saying she left (kept as long as her tag
is held), and her iMTag, held for a while under no one's name. Ben and Cal see that she left, a message to her is
refused saying so, Ben's next group message removes her from the roster with a new epoch, and nobody can take
"Ann" over at once.
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.e2e.devices import Person
from tests.e2e.wire import http
from tests.integration.polling import eventually


@pytest.fixture(scope="module")
def world(person):
    ann, ben, cal = (person(name).with_cloud() for name in ("Ann", "Ben", "Cal"))
    ann.connected_with(ben)
    ben.connected_with(cal)
    ann.connected_with(cal)
    group = ben.device.imegha("group", "create", "Tea", "--members", "Ann,Cal").json["groupId"]
    for someone in (ann, cal):
        assert someone.device.imegha("group", "accept", group).status == 0
    anns = ann.device.imegha("group", "create", "Ann's walks", "--members", "Ben,Cal").json["groupId"]
    for someone in (ben, cal):
        assert someone.device.imegha("group", "accept", anns).status == 0
    assert ann.device.imegha("chat", "send", "Ben", "see you at tea").status == 0
    assert ben.device.imegha("chat", "send", "Ann", "bring the blue teapot").status == 0
    assert ann.device.imegha("group", "send", group, "I'll bring scones").status == 0
    eventually(lambda: any(e.get("senderTag") == "Ann" for e in inbox(ben)), timeout_s=60)
    assert (
        ann.device.imegha("devices", "register", "ann-phone-1", "--platform", "apns", "--token", "b" * 64).status == 0
    )
    return {"ann": ann, "ben": ben, "cal": cal, "group": group, "anns": anns}


@pytest.fixture(scope="module")
def left(world, platform_view) -> dict:
    """Ann's account deleted, once for the module, whichever of its tests runs first in this process: her public
    keys as they were, and what the deletion answered."""
    keys = platform_view.directory_entry(world["ann"].user_id)["keys"]
    deleted = world["ann"].device.imegha("account", "delete", "--confirm", "Ann").json
    return {"public_keys": [keys["identityKey"], keys["exchangeKey"]], "deleted": deleted}


def inbox(someone: Person) -> list[dict]:
    return someone.device.imegha("notifications").json["notifications"]


def listed(someone: Person, group: str) -> dict:
    return next(g for g in someone.device.imegha("group", "ls").json["groups"] if g["groupId"] == group)


def mentions(item: dict, ann: Person, public_keys: list[str]) -> bool:
    text = json.dumps(item, default=str)
    return any(value in text for value in (ann.user_id, ann.email, *public_keys))


def test_a_wrong_tag_or_no_signature_deletes_nothing(world, platform, platform_view):
    ann = world["ann"]
    before = platform_view.snapshot()

    wrong = ann.device.imegha("account", "delete", "--confirm", "ann")
    api = platform.outputs["PlatformApiUrl"]
    unsigned = http("DELETE", f"{api}/me", ann.device.session()["id_token"], {"iMTag": "Ann"})

    assert wrong.status == 1 and "is not your iMTag (Ann): nothing was deleted" in wrong.error["message"]
    assert unsigned[0] == 403 and "needs your identity key's signature" in unsigned[1]["message"]
    assert ann.device.imegha("account", "delete", human=True).status == 2  # no terminal, no --confirm
    assert platform_view.snapshot() == before


def test_after_ann_leaves_the_platform_holds_nothing_of_her(world, left, platform_view):
    ann, ben, cal, group = world["ann"], world["ben"], world["cal"], world["group"]
    public_keys, deleted = left["public_keys"], left["deleted"]

    assert deleted["deleted"] is True
    assert deleted["removed"] | {"entriesInOthersInboxes": 0} == {
        "connections": 2,
        "connectionsTold": 2,
        "groups": 2,
        "inboxEntries": deleted["removed"]["inboxEntries"],
        "entriesInOthersInboxes": 0,
        "devices": 1,
        "deploymentRecords": deleted["removed"]["deploymentRecords"],
    }
    assert deleted["removed"]["entriesInOthersInboxes"] >= 2 and deleted["removed"]["deploymentRecords"] >= 2
    soon = time.time() + 3600 + 120
    logical = {name: logical_id for logical_id, name in platform_view.tables().items()}
    remaining = {
        logical[table]: [item for item in items if mentions(item, ann, public_keys)]
        for table, items in platform_view.items().items()
    }
    for table, items in remaining.items():
        for item in items:
            # A group's state and signed rosters, and the other members' key copies, whose grants she signed.
            in_group_history = "userId" in item and (
                item["userId"]["S"].startswith("GROUP#")
                or (item["peerId"]["S"].startswith("GROUPKEY#") and item["userId"]["S"] != ann.user_id)
            )
            lapses_soon = "expiresAt" in item and int(item["expiresAt"]["N"]) <= soon
            # Ben's and Cal's own lists saying she left, until her iMTag is free again.
            told_she_left = (
                table == "ConnectionsTable"
                and item.get("status") == {"S": "left"}
                and item["userId"]["S"] in (ben.user_id, cal.user_id)
                and int(item["expiresAt"]["N"]) <= time.time() + 30 * 86400 + 120
            )
            assert in_group_history or lapses_soon or told_she_left, f"{table} still holds {item}"
    # The groups' records; the doorbell's per-minute counters of what she sent, kept an hour.
    assert {table for table, items in remaining.items() if items} <= {
        "ConnectionsTable",
        "DoorbellRateTable",
        "IdempotencyTable",
    }
    assert remaining["ConnectionsTable"] and not remaining["DirectoryTable"] and not remaining["NotificationsTable"]
    assert not [user for user in platform_view.cognito_users() if mentions(user, ann, public_keys)]
    held = platform_view.table("DirectoryTable").get_item(Key={"pk": "IMTAG#ann"})["Item"]
    assert set(held) == {"pk", "expiresAt", "heldAfterLeaving"} and int(held["expiresAt"]) > time.time() + 29 * 86400

    assert ann.device.imegha("whoami").status == 1

    assert listed(ben, group)["departed"] == ["Ann"]
    posted = ben.device.imegha("group", "send", group, "Ann has left us").json
    assert posted["epoch"] == 1
    after = listed(ben, group)
    assert (after["members"], after["departed"], after["epoch"]) == (["Ben", "Cal"], [], 1)
    assert [line.get("text") for line in cal.device.imegha("group", "read", group).json["messages"]][-1:] == [
        "Ann has left us"
    ]


def test_her_connections_see_she_left_and_a_message_to_her_is_refused_saying_so(world, left, tmp_path):
    ben, cal = world["ben"], world["cal"]
    today = time.strftime("%Y-%m-%d", time.gmtime())

    for someone in (ben, cal):
        lines = someone.device.imegha("connections").json["connections"]
        assert [(c["iMTag"], c["status"]) for c in lines if c["iMTag"] == "Ann"] == [("Ann", "left")]
    shown = ben.device.imegha("connections", human=True).stdout
    assert f"deleted their account on {today}" in next(line for line in shown.splitlines() if "Ann" in line)
    refused = ben.device.imegha("chat", "send", "Ann", "hello?")
    assert refused.status == 1 and f"Ann deleted their account on {today}" in refused.error["message"]

    # What Ben wrote to her is still in his cloud, and his to read and take away; what she wrote left with her.
    read = ben.device.imegha("chat", "read", "Ann")
    assert [line["text"] for line in read.json["messages"]] == ["bring the blue teapot"]
    assert "Ann deleted their account" in read.stderr
    exported = ben.device.imegha("export", str(tmp_path / "ben")).json
    assert "conversations/Ann.json" in exported["conversations"]

    assert ben.device.imegha("disconnect", "Ann").status == 0  # Ben takes the line off his list
    assert "Ann" not in [c["iMTag"] for c in ben.device.imegha("connections").json["connections"]]
    assert "Ann" in [c["iMTag"] for c in cal.device.imegha("connections").json["connections"]]


def test_nobody_takes_her_imtag_or_a_lookalike_over_at_once(left, new_device):
    for tag in ("Ann", "ANN"):
        device = new_device(f"someone-{tag}")
        taken = device.imegha("signup", f"{tag.lower()}2@example.org", tag, "--password-stdin", stdin="x" * 20 + "\n")
        assert taken.status == 1 and "taken" in taken.error["message"], taken.stderr


def test_a_group_whose_admin_left_goes_on_under_its_key_and_rings_only_those_still_here(world, left, platform_view):
    ben, cal, anns = world["ben"], world["cal"], world["anns"]
    assert listed(ben, anns)["departed"] == ["Ann"]

    posted = ben.device.imegha("group", "send", anns, "Walk on Sunday anyway?").json

    assert posted["epoch"] == 0  # only its admin could start a new one
    texts = [line.get("text") for line in cal.device.imegha("group", "read", anns).json["messages"]]
    assert texts[-1] == "Walk on Sunday anyway?"
    assert eventually(lambda: any(e.get("conversationId") == anns for e in inbox(cal)), timeout_s=60), "Cal is rung"
    assert not platform_view.table("NotificationsTable").query(
        KeyConditionExpression="userId = :ann", ExpressionAttributeValues={":ann": world["ann"].user_id}
    )["Items"], "Ann, gone, is rung no more"
    refused = ben.device.imegha("group", "remove", anns, "Cal")
    assert refused.status == 1 and "only the group's admin" in refused.stderr


def test_leaving_with_the_cloud_destroyed_first_removes_it_from_her_own_account(person, local_cloud, platform_view):
    dee = person("Dee").with_cloud()
    account = dee.own_account()

    deleted = dee.device.imegha("account", "delete", "--confirm", "Dee", "--destroy-cloud").json

    assert deleted["deleted"] is True and deleted["cloudDestroyed"] is True and deleted["cloudUrl"] is None
    with pytest.raises(ClientError, match="does not exist"):
        local_cloud.client("cloudformation", account).describe_stacks(StackName="imegha-user-cloud")
    assert dee.user_id not in json.dumps(platform_view.items(), default=str)
