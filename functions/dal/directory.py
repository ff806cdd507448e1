"""The directory store: users and their iMTags in the platform's DirectoryTable.

Four kinds of item share the table. ``USER#<sub>`` holds what the privacy policy
allows (email, iMTag, wrapped keys, public keys, the signed key statement, the
cloud link, the recovery verifier); ``EMAIL#<casefolded email>`` names the user an
email is, for a recovery, which has no token to say it; ``IMTAG#<casefolded tag>``
is where a lookup finds a tag's owner,
and ``LOOKALIKE#<skeleton>`` (:mod:`logic.imtags`) exists only so that DynamoDB
itself refuses a second owner of a tag in any letter case, or of a tag that looks
like it (``AIice`` beside ``Alice``). The two tag items are written together, in
one transaction, twice: at sign-up, a *reservation* (the signing-up email and
``expiresAt``, the table's TTL attribute, so that a sign-up nobody confirms frees
the tag), and at confirmation, in the transaction that creates the user, the
*claim* (the user id; the reservation's fields removed, so TTL never deletes it).
Every write of them carries the same condition, :data:`_TAG_FREE_FOR`, so the
database, not a read before the write, decides who gets a tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from imegha_service.dynamodb import transact
from imegha_service.errors import Conflict, NotFound
from imegha_service.items import integers


def _user_key(user_id: str) -> dict:
    return {"pk": f"USER#{user_id}"}


def _tag_key(imtag: str) -> dict:
    return {"pk": f"IMTAG#{imtag.casefold()}"}


def _lookalike_key(skeleton: str) -> dict:
    return {"pk": f"LOOKALIKE#{skeleton}"}


def _email_key(email: str) -> dict:
    return {"pk": f"EMAIL#{email.strip().casefold()}"}


# A tag is free for an email when no user has claimed it and it is not reserved, or reserved by that same email (a
# sign-up repeated), or reserved by a sign-up whose reservation lapsed (TTL deletes expired items only within days).
_TAG_FREE_FOR = (
    "attribute_not_exists(pk) OR (attribute_not_exists(userId) AND (reservedBy = :email OR expiresAt < :now))"
)


@dataclass
class DirectoryStore:
    table_name: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.resource("dynamodb")
        self.table = self.client.Table(self.table_name)

    def reserve_tag(self, imtag: str, skeleton: str, email: str, now: int, expires_at: int) -> None:
        """Hold ``imtag`` and its look-alikes (all that share ``skeleton``) for the sign-up of ``email`` until
        ``expires_at`` (epoch seconds); a tag, or a look-alike of one, someone else holds or owns is a Conflict."""
        transact(
            self.client,
            [
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": key | {"iMTag": imtag, "reservedBy": email, "expiresAt": expires_at},
                        "ConditionExpression": _TAG_FREE_FOR,
                        "ExpressionAttributeValues": {":email": email, ":now": now},
                    }
                }
                for key in (_tag_key(imtag), _lookalike_key(skeleton))
            ],
            f"iMTag {imtag!r} is taken",
        )

    def create_user(self, user_id: str, email: str, imtag: str, skeleton: str, now: int, created_at: str) -> None:
        """Turn the reservations of the tag and its skeleton for ``email`` (or a free tag) into their claim and create
        the user, in one transaction; a tag or look-alike another sign-up holds or another user owns is a Conflict."""
        transact(
            self.client,
            [
                *(
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": key,
                            "UpdateExpression": "SET userId = :user, iMTag = :tag REMOVE reservedBy, expiresAt",
                            "ConditionExpression": _TAG_FREE_FOR,
                            "ExpressionAttributeValues": {
                                ":user": user_id,
                                ":tag": imtag,
                                ":email": email,
                                ":now": now,
                            },
                        }
                    }
                    for key in (_tag_key(imtag), _lookalike_key(skeleton))
                ),
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _user_key(user_id)
                        | {
                            "userId": user_id,
                            "email": email,
                            "iMTag": imtag,
                            "keysVersion": 0,
                            "createdAt": created_at,
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                # Cognito keeps emails unique among its accounts, so the newest confirmed one is the email's.
                {"Put": {"TableName": self.table_name, "Item": _email_key(email) | {"userId": user_id}}},
            ],
            f"iMTag {imtag!r} is taken, or this account already exists",
        )

    def user(self, user_id: str) -> dict:
        item = self.table.get_item(Key=_user_key(user_id), ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound("no such user")
        return integers(item)

    def lookalike_holder(self, skeleton: str) -> str | None:
        """The tag, as its owner typed it, that holds ``skeleton`` (reserved or claimed); None if none does."""
        item = self.table.get_item(Key=_lookalike_key(skeleton), ConsistentRead=True).get("Item")
        return item.get("iMTag") if item else None

    def user_id_for_email(self, email: str) -> str | None:
        item = self.table.get_item(Key=_email_key(email), ConsistentRead=True).get("Item")
        return item.get("userId") if item else None

    def user_id_for_tag(self, imtag: str) -> str | None:
        """Whose the tag is; None while it is free or only reserved by a sign-up not yet confirmed."""
        item = self.table.get_item(Key=_tag_key(imtag), ConsistentRead=True).get("Item")
        return item.get("userId") if item else None

    def replace_keys(self, user_id: str, expected_version: int, changes: dict) -> int:
        """Write ``changes`` only if the stored keys are still at ``expected_version``; returns the new version. A
        wrapping a recovery held for its new password goes: the keys written now supersede it."""
        names = {f"#f{index}": field for index, field in enumerate(changes)}
        values = {f":v{index}": value for index, value in enumerate(changes.values())}
        assignments = ", ".join(f"#f{index} = :v{index}" for index in range(len(changes)))
        try:
            self.table.update_item(
                Key=_user_key(user_id),
                UpdateExpression=f"SET {assignments}, keysVersion = :next REMOVE recoveredPasswordWrappedDek",
                ConditionExpression="attribute_exists(pk) AND keysVersion = :expected",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values | {":expected": expected_version, ":next": expected_version + 1},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(
                    f"keys changed since version {expected_version}: fetch them again before replacing"
                ) from None
            raise
        return expected_version + 1

    def hold_recovered_wrapping(self, user_id: str, expected_version: int, envelope: dict) -> None:
        """Keep ``envelope`` (the DEK under a recovery's new password) beside the stored keys, if they are still at
        ``expected_version``; it replaces one held before."""
        try:
            self.table.update_item(
                Key=_user_key(user_id),
                UpdateExpression="SET recoveredPasswordWrappedDek = :envelope",
                ConditionExpression="attribute_exists(pk) AND keysVersion = :expected",
                ExpressionAttributeValues={":envelope": envelope, ":expected": expected_version},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict(f"keys changed since version {expected_version}: start the recovery again") from None
            raise

    def set_statement(self, user_id: str, statement: dict, previous_sequence: int | None) -> None:
        """Store a newer key statement; the condition makes a concurrent older one lose."""
        condition = "attribute_exists(pk) AND "
        condition += (
            "attribute_not_exists(keyStatement)"
            if previous_sequence is None
            else "keyStatement.#body.#sequence = :previous"
        )
        values = {":statement": statement} | ({} if previous_sequence is None else {":previous": previous_sequence})
        names = (
            {}
            if previous_sequence is None
            else {"ExpressionAttributeNames": {"#body": "body", "#sequence": "sequence"}}
        )
        try:
            self.table.update_item(
                Key=_user_key(user_id),
                UpdateExpression="SET keyStatement = :statement",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **names,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("another key statement was published meanwhile") from None
            raise

    def remove_user(self, user_id: str, email: str, imtag: str, skeleton: str, held_until: int) -> None:
        """Remove the user's entry and the email's pointer to it, and keep their tag and its skeleton held (no user,
        no email, no tag as typed: only ``expiresAt``, which TTL clears) until ``held_until``, so that nobody takes
        the tag over at once; all or nothing, and only while the tag is still this user's."""
        hold = {
            "UpdateExpression": "SET expiresAt = :until, heldAfterLeaving = :yes REMOVE userId, iMTag",
            "ConditionExpression": "userId = :user",
            "ExpressionAttributeValues": {":until": held_until, ":yes": True, ":user": user_id},
        }
        transact(
            self.client,
            [
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": _user_key(user_id),
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                *(
                    {"Update": {"TableName": self.table_name, "Key": key, **hold}}
                    for key in (_tag_key(imtag), _lookalike_key(skeleton))
                ),
            ],
            "this account changed meanwhile: try again",
        )
        # Its own write: a newer account of the same email (a sign-up after this one) may own the pointer by now.
        try:
            self.table.delete_item(
                Key=_email_key(email),
                ConditionExpression="userId = :user",
                ExpressionAttributeValues={":user": user_id},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def set_cloud(self, user_id: str, cloud_api_url: str, cloud_account_id: str) -> None:
        """Link the user's deployed cloud: its API, and the AWS account whose events speak for this user."""
        self.table.update_item(
            Key=_user_key(user_id),
            UpdateExpression="SET cloudApiUrl = :url, cloudAccountId = :account",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":url": cloud_api_url, ":account": cloud_account_id},
        )

    def clear_cloud(self, user_id: str) -> None:
        """Unlink a destroyed cloud: its URL answers no more, and its account speaks for no one."""
        self.table.update_item(
            Key=_user_key(user_id),
            UpdateExpression="REMOVE cloudApiUrl, cloudAccountId",
            ConditionExpression="attribute_exists(pk)",
        )
