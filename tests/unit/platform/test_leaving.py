"""Deleting an account on the platform's own tables: everything of the person goes, their iMTag is held for a while
under no one's name, a wrong confirmation or a running deployment deletes nothing."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from imegha_service.errors import Conflict, InvalidRequest

NOW = datetime.now(UTC)
AT = NOW.isoformat(timespec="seconds")


class FakeUserPool:
    def __init__(self):
        self.deleted = []

    def delete_user(self, username: str) -> None:
        self.deleted.append(username)


class FakePhones:
    def __init__(self):
        self.disconnected = []

    def disconnect(self, device, keep=None) -> None:
        self.disconnected.append(device.get("endpointArn"))


@pytest.fixture
def platform(platform_tables):
    from dal.connections import ConnectionsStore
    from dal.deployments import DeploymentStore
    from dal.devices import DeviceStore
    from dal.directory import DirectoryStore
    from dal.groups import GroupStore
    from dal.inbox import InboxStore
    from logic.leaving import Platform

    return Platform(
        directory=DirectoryStore(platform_tables["DirectoryTable"]),
        connections=ConnectionsStore(platform_tables["ConnectionsTable"]),
        groups=GroupStore(platform_tables["ConnectionsTable"]),
        inbox=InboxStore(platform_tables["NotificationsTable"]),
        devices=DeviceStore(platform_tables["DeviceTokensTable"]),
        phones=FakePhones(),
        deployments=DeploymentStore(platform_tables["DeploymentsTable"]),
        user_pool=FakeUserPool(),
    )


def signed_up(platform, name: str) -> str:
    from logic import directory

    user_id = f"{name}-{uuid.uuid4().hex[:6]}"
    directory.reserve_imtag(platform.directory, name, f"{name.lower()}@example.org", NOW)
    directory.register_user(platform.directory, user_id, f"{name.lower()}@example.org", name)
    return user_id


@pytest.fixture
def world(platform):
    """Zoe, connected to Yan, in Yan's group, with a device, a cloud's records and inbox entries both ways."""
    from logic.groups import new_group_state

    zoe, yan = signed_up(platform, "Zoe"), signed_up(platform, "Yan")
    platform.connections.request(zoe, yan, "Zoe", "Yan", AT)
    platform.connections.accept(yan, zoe, AT)
    group = "grp-" + "ab" * 16
    platform.groups.create(
        new_group_state(group, yan, sorted([yan, zoe]), AT),
        {"roster": 1},
        {"epoch": 0, "maker": yan, "sealedName": {}},
        {member: {"wrappedKey": {}, "grant": {}, "maker": yan} for member in (yan, zoe)},
        AT,
    )
    platform.devices.put(zoe, "zoe-phone-1", "apns", "t" * 64, AT, {"endpointArn": "arn:endpoint/zoe"})
    platform.deployments.connect(zoe, "imegha-x", AT)
    platform.inbox.add(
        [
            {"userId": yan, "notificationId": f"{AT}#zoe", "senderId": zoe},
            {"userId": yan, "notificationId": f"{AT}#other", "senderId": "someone-else"},
            {"userId": zoe, "notificationId": f"{AT}#yan", "senderId": yan},
        ]
    )
    return {"zoe": zoe, "yan": yan, "group": group}


def everything(platform) -> str:
    tables = [platform.directory.table, platform.connections.table, platform.inbox.table, platform.devices.table]
    return repr([table.scan(ConsistentRead=True)["Items"] for table in [*tables, platform.deployments.table]])


def test_a_wrong_tag_deletes_nothing(platform, world):
    from logic.leaving import delete_account

    before = everything(platform)
    with pytest.raises(InvalidRequest, match="type your own iMTag, exactly"):
        delete_account(platform, world["zoe"], "zoe-username", "zoe", NOW)
    assert everything(platform) == before and platform.user_pool.deleted == []


def test_a_deployment_under_way_deletes_nothing(platform, world):
    from logic.leaving import delete_account

    platform.deployments.start(
        world["zoe"], str(uuid.uuid4()), "deploy", "arn:role", "us-east-1", AT, "9999-01-01T00:00:00+00:00"
    )
    before = everything(platform)
    with pytest.raises(Conflict, match="still under way"):
        delete_account(platform, world["zoe"], "zoe-username", "Zoe", NOW)
    assert everything(platform) == before


def test_everything_of_hers_goes_and_her_tag_is_held_under_no_name(platform, world):
    from logic import directory
    from logic.leaving import TAG_HOLD_DAYS, delete_account

    zoe, yan, group = world["zoe"], world["yan"], world["group"]

    deleted = delete_account(platform, zoe, "zoe-username", "Zoe", NOW)

    assert deleted["removed"] == {
        "connections": 1,
        "connectionsTold": 1,
        "groups": 1,
        "inboxEntries": 1,
        "entriesInOthersInboxes": 1,
        "devices": 1,
        "deploymentRecords": 1,
    }
    left = everything(platform)
    state = platform.groups.group(group)
    assert state["departed"] == {zoe} and state["members"] == sorted([yan, zoe])  # the signed roster still names her
    assert left.count(zoe) == left.count(f"'{zoe}'")  # only whole ids, to count them
    group_history = repr([platform.connections.table.scan()["Items"]]).count(zoe)
    assert left.count(zoe) == group_history and platform.groups.membership(zoe, group) is None
    assert "zoe@example.org" not in left and "someone-else" in left
    assert platform.user_pool.deleted == ["zoe-username"] and platform.phones.disconnected == ["arn:endpoint/zoe"]
    assert platform.directory.user_id_for_email("zoe@example.org") is None

    for tag in ("Zoe", "Z0E"):
        with pytest.raises(Conflict):
            directory.reserve_imtag(platform.directory, tag, "newcomer@example.org", NOW + timedelta(days=1))
    directory.reserve_imtag(
        platform.directory, "ZOE", "newcomer@example.org", NOW + timedelta(days=TAG_HOLD_DAYS, minutes=1)
    )


def test_her_connections_are_told_she_left_for_as_long_as_her_tag_is_held_and_a_request_just_goes(platform, world):
    from logic.connections import list_connections, remove_connection
    from logic.leaving import TAG_HOLD_DAYS, delete_account

    zoe, yan = world["zoe"], world["yan"]
    asked = signed_up(platform, "Xia")
    platform.connections.request(zoe, asked, "Zoe", "Xia", AT)

    delete_account(platform, zoe, "zoe-username", "Zoe", NOW)

    assert list_connections(platform.connections, yan) == [
        {"peerId": zoe, "iMTag": "Zoe", "status": "left", "since": AT}
    ]
    line = platform.connections.table.get_item(Key={"userId": yan, "peerId": zoe})["Item"]
    assert int(line["expiresAt"]) == int((NOW + timedelta(days=TAG_HOLD_DAYS)).timestamp())
    assert list_connections(platform.connections, asked) == [] and list_connections(platform.connections, zoe) == []
    assert platform.connections.status(yan, zoe) == "left"  # not connected: nothing reaches her doorbell

    platform.connections.table.update_item(
        Key={"userId": yan, "peerId": zoe},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": int(time.time()) - 1},
    )  # lapsed, the TTL not there yet: her tag may be someone else's by now
    assert list_connections(platform.connections, yan) == []

    remove_connection(platform.connections, yan, zoe)  # Yan takes the line off his list
    assert list_connections(platform.connections, yan) == []


def test_someone_who_leaves_after_a_connection_left_tells_nobody_of_it(platform, world):
    from logic.leaving import delete_account

    zoe, yan = world["zoe"], world["yan"]
    delete_account(platform, zoe, "zoe-username", "Zoe", NOW)

    deleted = delete_account(platform, yan, "yan-username", "Yan", NOW)

    assert deleted["removed"]["connectionsTold"] == 0
    assert platform.connections.table.get_item(Key={"userId": yan, "peerId": zoe}).get("Item") is None
    assert platform.connections.table.get_item(Key={"userId": zoe, "peerId": yan}).get("Item") is None


def test_a_departed_member_is_unmarked_by_the_admins_removal(platform, world):
    from dal.groups import Removal

    zoe, yan, group = world["zoe"], world["yan"], world["group"]
    platform.groups.leave(zoe, group)
    platform.groups.leave(zoe, group)  # repeated: nothing more changes

    platform.groups.change_members(
        group,
        1,
        {"roster": 2},
        [yan],
        AT,
        removed=Removal(
            zoe, 1, {"epoch": 1, "maker": yan, "sealedName": {}}, {yan: {"wrappedKey": {}, "grant": {}, "maker": yan}}
        ),
    )

    state = platform.groups.group(group)
    assert "departed" not in state and state["members"] == [yan] and state["epoch"] == 1
