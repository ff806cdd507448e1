"""The group store: group chats' memberships, rosters and key copies, in ConnectionsTable.

A group's own partition, ``GROUP#<groupId>``, holds its state (``GROUP``: admin,
members, current epoch, whether the epoch needs a new key), every roster the
admin signed (``ROSTER#<version>``) and each epoch's sealed name
(``EPOCH#<epoch>``). Each member's partition (their user id, as for
connections) holds their membership (``GROUP#<groupId>``, with the admin's
history grant if they were given the history) and their copy of
each epoch's key they were given (``GROUPKEY#<groupId>#<epoch>``), which is
where they fetch it and where it is revoked when they are removed.

A removal starts the next epoch in the same transaction, so its key copies
(up to 999, more than a transaction holds) are written first, each filed
under a key id drawn for this removal (``GROUPKEY#<groupId>#<epoch>#<keyId>``);
the transaction then writes the epoch's record naming that id, and only the
copies the record names are a member's key. A removal that does not commit
leaves copies no record names, which nobody is ever served.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from imegha_service.dynamodb import batch_get, query_all, transact
from imegha_service.errors import Conflict, NotFound
from imegha_service.items import integers, numbered

STATE = "GROUP"
MEMBERSHIP_PREFIX = "GROUP#"
COPY_PREFIX = "GROUPKEY#"


def group_partition(group_id: str) -> str:
    return f"GROUP#{group_id}"


def _roster_key(version: int) -> str:
    return numbered("ROSTER#", version)


def _epoch_key(epoch: int) -> str:
    return numbered("EPOCH#", epoch)


def _copy_key(group_id: str, epoch: int) -> str:
    return numbered(f"{COPY_PREFIX}{group_id}#", epoch)


@dataclass(frozen=True)
class NewMember:
    member: str
    copies: dict[int, dict]
    """Their key copy of each epoch they get, with its maker."""
    history_grant: dict | None = None
    """The admin's ``group-history`` grant, when the admin shares the history."""


@dataclass(frozen=True)
class Removal:
    """A member leaving, and the epoch their leaving starts, with its key for everyone who stays."""

    member: str
    epoch: int
    """The epoch the removal starts."""
    epoch_record: dict
    """Who made its key, and the group's name sealed under it."""
    copies: dict[str, dict]
    """Every remaining member's copy of its key, with its maker."""


@dataclass
class GroupStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    # --- reading -------------------------------------------------------------

    def group(self, group_id: str) -> dict | None:
        item = self.table.get_item(Key={"userId": group_partition(group_id), "peerId": STATE}, ConsistentRead=True).get(
            "Item"
        )
        return integers(item)

    def groups(self, group_ids: list[str]) -> list[dict]:
        keys = [{"userId": group_partition(group_id), "peerId": STATE} for group_id in group_ids]
        return [integers(item) for item in batch_get(self.resource, self.table_name, keys, ConsistentRead=True)]

    def rosters(self, group_id: str) -> list[dict]:
        return [item["roster"] for item in self._query(group_partition(group_id), "ROSTER#")]

    def epoch_records(self, group_id: str) -> dict[int, dict]:
        return {item["epoch"]: item for item in self._query(group_partition(group_id), "EPOCH#")}

    def memberships(self, user_id: str) -> list[dict]:
        return self._query(user_id, MEMBERSHIP_PREFIX)

    def membership(self, user_id: str, group_id: str) -> dict | None:
        return integers(
            self.table.get_item(
                Key={"userId": user_id, "peerId": MEMBERSHIP_PREFIX + group_id}, ConsistentRead=True
            ).get("Item")
        )

    def copies(self, user_id: str, group_id: str, epoch_records: dict[int, dict]) -> list[dict]:
        """``user_id``'s copy of each epoch's key: only the copies the epoch's record names (by key id, or none)."""
        return [
            copy
            for copy in self._query(user_id, f"{COPY_PREFIX}{group_id}#")
            if copy["epoch"] in epoch_records and copy.get("keyId") == epoch_records[copy["epoch"]].get("keyId")
        ]

    # --- writing -------------------------------------------------------------

    def create(self, state: dict, roster: dict, epoch_record: dict, copies: dict[str, dict], at: str) -> None:
        """Members' memberships and key copies first, the group's state last and only once: a retried creation
        rewrites the same items, and a group id already taken is a Conflict."""
        group_id = state["groupId"]
        with self.table.batch_writer() as batch:
            batch.put_item(
                Item={"userId": group_partition(group_id), "peerId": _roster_key(1), "version": 1, "roster": roster}
            )
            batch.put_item(Item={"userId": group_partition(group_id), "peerId": _epoch_key(0), **epoch_record})
            for member, copy in copies.items():
                batch.put_item(Item=self._membership(member, group_id, at, invited=member != state["admin"]))
                batch.put_item(Item=self._copy(member, group_id, 0, copy))
        try:
            self.table.put_item(
                Item={"userId": group_partition(group_id), "peerId": STATE, **state},
                ConditionExpression="attribute_not_exists(peerId)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"group {group_id} exists already") from None
            raise

    def change_members(
        self,
        group_id: str,
        roster_version: int,
        roster: dict,
        members: list[str],
        at: str,
        *,
        added: NewMember | None = None,
        removed: Removal | None = None,
    ) -> None:
        """Move the group to the next roster in one transaction: its state, the roster, and the membership change
        together, only if no other change came first. An added member's key copies and history grant come with it;
        a removal starts the next epoch with it, whose key copies were written just before (see the module)."""
        partition = group_partition(group_id)
        update, condition = "SET members = :members, rosterVersion = :next", "rosterVersion = :current"
        values: dict[str, Any] = {":members": members, ":next": roster_version + 1, ":current": roster_version}
        items: list[dict] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {
                        "userId": partition,
                        "peerId": _roster_key(roster_version + 1),
                        "version": roster_version + 1,
                        "roster": roster,
                    },
                }
            },
        ]
        if added is not None:
            membership = self._membership(added.member, group_id, at, invited=True)
            if added.history_grant is not None:
                membership["historyGrant"] = added.history_grant
            key_ids = {epoch: record.get("keyId") for epoch, record in self.epoch_records(group_id).items()}
            items += [{"Put": {"TableName": self.table_name, "Item": membership}}] + [
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": self._copy(added.member, group_id, epoch, copy, key_ids.get(epoch)),
                    }
                }
                for epoch, copy in added.copies.items()
            ]
        if removed is not None:
            key_id = uuid.uuid4().hex
            with self.table.batch_writer() as batch:
                for member, copy in removed.copies.items():
                    batch.put_item(Item=self._copy(member, group_id, removed.epoch, copy, key_id))
            update += ", epoch = :epoch, needsNewKey = :no, epochs = list_append(epochs, :started) REMOVE keyMaker"
            update += " DELETE departed :removed"  # if they had left iMegha, they are gone from the roster now too
            condition += " AND epoch = :from"
            values |= {
                ":epoch": removed.epoch,
                ":from": removed.epoch - 1,
                ":no": False,
                ":started": [{"epoch": removed.epoch, "startedAt": at}],
                ":removed": {removed.member},
            }
            epoch_record = {
                "userId": partition,
                "peerId": _epoch_key(removed.epoch),
                **removed.epoch_record,
                "keyId": key_id,
            }
            items += [
                {"Put": {"TableName": self.table_name, "Item": epoch_record}},
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"userId": removed.member, "peerId": MEMBERSHIP_PREFIX + group_id},
                    }
                },
            ]
        state = {
            "Update": {
                "TableName": self.table_name,
                "Key": {"userId": partition, "peerId": STATE},
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }
        transact(self.resource, [state, *items], "the group changed meanwhile: fetch it again")

    def leave(self, user_id: str, group_id: str) -> None:
        """A member whose account is deleted: their membership and key copies go, and the group's state names them
        among its ``departed`` (a string set, so that two leaving at once both count) until the admin's signed
        removal takes them out of the roster. Repeating it changes nothing."""
        partition = group_partition(group_id)
        transact(
            self.resource,
            [
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"userId": user_id, "peerId": MEMBERSHIP_PREFIX + group_id},
                    }
                },
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {"userId": partition, "peerId": STATE},
                        "UpdateExpression": "ADD departed :me",
                        "ConditionExpression": "contains(members, :member)",
                        "ExpressionAttributeValues": {":me": {user_id}, ":member": user_id},
                    }
                },
            ],
            f"you are not a member of {group_id}",
        )
        self.revoke_copies(user_id, group_id)

    def accept_invitation(self, user_id: str, group_id: str) -> None:
        """The member says yes: the group's messages ring them from now on."""
        try:
            self.table.update_item(
                Key={"userId": user_id, "peerId": MEMBERSHIP_PREFIX + group_id},
                UpdateExpression="REMOVE invited",
                ConditionExpression="attribute_exists(peerId)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise NotFound(f"you are not invited to {group_id}") from None
            raise

    def invited_among(self, group_id: str, members: list[str]) -> set[str]:
        """Those of ``members`` who have not accepted their invitation yet (100 memberships per BatchGetItem)."""
        keys = [{"userId": member, "peerId": MEMBERSHIP_PREFIX + group_id} for member in members]
        memberships = batch_get(self.resource, self.table_name, keys, ProjectionExpression="userId, invited")
        return {item["userId"] for item in memberships if item.get("invited")}

    def revoke_copies(self, user_id: str, group_id: str) -> int:
        """Delete every key copy ``user_id`` holds for the group; returns how many there were."""
        copies = self._query(user_id, f"{COPY_PREFIX}{group_id}#")
        with self.table.batch_writer() as batch:
            for copy in copies:
                batch.delete_item(Key={"userId": user_id, "peerId": copy["peerId"]})
        return len(copies)

    def claim_new_key(self, group_id: str, epoch: int, maker: str, members: list[str]) -> None:
        """Become the one member who makes the key of ``epoch``, for exactly ``members``; a Conflict if the epoch
        has a key, is not the current one, its members changed, or another member claimed it."""
        try:
            self.table.update_item(
                Key={"userId": group_partition(group_id), "peerId": STATE},
                UpdateExpression="SET keyMaker = :maker",
                ConditionExpression="epoch = :epoch AND needsNewKey = :yes AND members = :members "
                "AND (attribute_not_exists(keyMaker) OR keyMaker = :maker)",
                ExpressionAttributeValues={":maker": maker, ":epoch": epoch, ":yes": True, ":members": members},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(
                    f"the key of epoch {epoch} is made already, or by another member, or the group "
                    "changed: fetch the group again"
                ) from None
            raise

    def store_new_key(self, group_id: str, epoch: int, maker: str, epoch_record: dict, copies: dict[str, dict]) -> None:
        """The claimed epoch's key copies and sealed name, then the group marked as keyed (only by its claimant)."""
        with self.table.batch_writer() as batch:
            batch.put_item(Item={"userId": group_partition(group_id), "peerId": _epoch_key(epoch), **epoch_record})
            for member, copy in copies.items():
                batch.put_item(Item=self._copy(member, group_id, epoch, copy))
        try:
            self.table.update_item(
                Key={"userId": group_partition(group_id), "peerId": STATE},
                UpdateExpression="SET needsNewKey = :no REMOVE keyMaker",
                ConditionExpression="epoch = :epoch AND keyMaker = :maker",
                ExpressionAttributeValues={":no": False, ":epoch": epoch, ":maker": maker},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("the group changed while its key was being made: fetch it again") from None
            raise

    # --- helpers ---------------------------------------------------------------

    @staticmethod
    def _membership(member: str, group_id: str, at: str, *, invited: bool) -> dict:
        # An invited member is in the roster (the key is theirs) but is not rung until they accept.
        membership = {"userId": member, "peerId": MEMBERSHIP_PREFIX + group_id, "groupId": group_id, "joinedAt": at}
        return membership | ({"invited": True} if invited else {})

    @staticmethod
    def _copy(member: str, group_id: str, epoch: int, copy: dict, key_id: str | None = None) -> dict:
        """A member's copy of an epoch's key, filed under the epoch's key id when it has one (a removal's epoch)."""
        item = {
            "userId": member,
            "peerId": _copy_key(group_id, epoch) + (f"#{key_id}" if key_id else ""),
            "groupId": group_id,
            "epoch": epoch,
            "wrappedKey": copy["wrappedKey"],
            "grant": copy["grant"],
            "maker": copy["maker"],
        }
        return item | ({"keyId": key_id} if key_id else {})

    def _query(self, partition: str, prefix: str) -> list[dict]:
        condition = Key("userId").eq(partition) & Key("peerId").begins_with(prefix)
        return integers(query_all(self.table, KeyConditionExpression=condition, ConsistentRead=True))
