"""The library store: files, their uploads, folders and albums, in the cloud's single table.

A file's partition ``FILE#<fileId>`` holds what belongs to it and goes with it:

- ``HEAD``: the current version (object key, ciphertext size, the FEK wrapped by
  the DEK, metadata sealed under the FEK, the folder it is in); in the ``FILES``
  list of the ``gsi1`` index;
- ``IN#<folderId|albumId>``: the file as a folder or album holds it, its FEK
  wrapped by that folder's FK or album's AK; in the ``IN#<id>`` list;
- ``VERSION#<version>``: a version replaced by a newer one, kept ``VERSION_KEPT_DAYS`` (``expiresAt``, the
  table's TTL): its object key and S3 version id, its FEK wrapped by the DEK, its sealed metadata;
- ``UPLOAD#<uploadId>``: an upload under way (expiring with ``expiresAt``);
- ``SHARE#<shareId>``: which shares give the file away (see ``dal.shares``).

``ACCOUNT``/``KEYS`` holds the owner's keys as their recovery phrase opens them (the recovery-wrapped DEK, the
private keys wrapped by the DEK, the public keys), the same the platform keeps: with it and the 24 words, this cloud
opens without the platform.

A folder or album is ``FOLDER#<id>`` / ``ALBUM#<id>`` with its key wrapped by
the DEK and its name sealed under that key, in the ``FOLDERS`` / ``ALBUMS``
list. Nothing here can be read without keys the cloud never holds.

Reads that decide a change are consistent; lists come from the index.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from dal.audit import Write
from imegha_crypto import CryptoError, parse_json
from imegha_service.dynamodb import query_all
from imegha_service.errors import Conflict, InvalidRequest, NotFound
from imegha_service.items import integers, numbered

HEAD = "HEAD"
ACCOUNT_PK, KEYS_SK = "ACCOUNT", "KEYS"
FILES_LIST = "FILES"
COLLECTION_PREFIX = {"folder": "FOLDER#", "album": "ALBUM#"}
COLLECTION_LIST = {"folder": "FOLDERS", "album": "ALBUMS"}
_KEYS = ("pk", "sk", "gsi1pk", "gsi1sk")


def file_pk(file_id: str) -> str:
    return f"FILE#{file_id}"


def collection_pk(kind: str, collection_id: str) -> str:
    return COLLECTION_PREFIX[kind] + collection_id


def member_sk(collection_id: str) -> str:
    return f"IN#{collection_id}"


def upload_sk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def version_sk(version: int) -> str:
    return numbered("VERSION#", version)


def without_keys(item: dict) -> dict:
    return {name: value for name, value in integers(item).items() if name not in _KEYS}


@dataclass(frozen=True)
class Page:
    items: list[dict]
    cursor: str | None
    """Where the next page starts, opaque to the caller; None after the last page."""


@dataclass
class LibraryStore:
    table_name: str
    resource: Any = None

    def __post_init__(self) -> None:
        self.resource = self.resource or boto3.resource("dynamodb")
        self.table = self.resource.Table(self.table_name)

    # --- reads -----------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> dict | None:
        item = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return without_keys(item) if item else None

    def file(self, file_id: str) -> dict | None:
        return self.get(file_pk(file_id), HEAD)

    def file_partition(self, file_id: str) -> list[dict]:
        """Every item of the file, with its keys: head, folder and album entries, uploads, share links."""
        items, start = [], {}
        while True:
            page = self.table.query(KeyConditionExpression=Key("pk").eq(file_pk(file_id)), ConsistentRead=True, **start)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return [integers(item) for item in items]
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def versions(self, file_id: str) -> list[dict]:
        """The file's replaced versions still kept, newest first (an item the TTL has not cleared yet included)."""
        items = query_all(
            self.table,
            KeyConditionExpression=Key("pk").eq(file_pk(file_id)) & Key("sk").begins_with("VERSION#"),
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return [without_keys(item) for item in items]

    def listed(self, list_name: str, cursor: str | None, limit: int) -> Page:
        """A page of the ``gsi1`` list ``list_name`` (``FILES``, ``IN#<id>``, ``FOLDERS``, ``SHARES``…)."""
        start = {"ExclusiveStartKey": _decode_cursor(cursor, list_name)} if cursor else {}
        page = self.table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(list_name), Limit=limit, **start
        )
        following = page.get("LastEvaluatedKey")
        return Page([without_keys(item) for item in page["Items"]], _encode_cursor(following) if following else None)

    def everything_listed(self, list_name: str) -> list[dict]:
        items, cursor = [], None
        while True:
            page = self.listed(list_name, cursor, 1000)
            items += page.items
            if page.cursor is None:
                return items
            cursor = page.cursor

    def any_listed(self, list_name: str) -> bool:
        return bool(
            self.table.query(IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(list_name), Limit=1)["Items"]
        )

    # --- writes, as parts of an audited transaction ---------------------------------

    def put(self, pk: str, sk: str, fields: dict, *, new: bool, refusal: Conflict | NotFound) -> Write:
        """Write a whole item: ``new`` ones only where none is, others only over an existing one."""
        condition = "attribute_not_exists(pk)" if new else "attribute_exists(pk)"
        return Write(
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {"pk": pk, "sk": sk, **fields},
                    "ConditionExpression": condition,
                }
            },
            refusal,
        )

    def replace_head(self, file_id: str, fields: dict, previous_version: int) -> Write:
        """The file's new head, only if the head is still at ``previous_version`` (0: no file yet)."""
        item = {"pk": file_pk(file_id), "sk": HEAD, "gsi1pk": FILES_LIST, "gsi1sk": file_pk(file_id), **fields}
        if previous_version == 0:
            condition: dict = {"ConditionExpression": "attribute_not_exists(pk)"}
            refusal = Conflict("a file with this id exists already")
        else:
            condition = {
                "ConditionExpression": "#version = :previous",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":previous": previous_version},
            }
            refusal = Conflict(f"the file is no longer at version {previous_version}: another upload finished first")
        return Write({"Put": {"TableName": self.table_name, "Item": item, **condition}}, refusal)

    def account_keys(self) -> dict | None:
        """The owner's keys as the recovery phrase opens them, kept here beside the platform's (see ``keep_keys``)."""
        item = self.get(ACCOUNT_PK, KEYS_SK)
        return {"userId": item["userId"], "keys": item["keys"]} if item else None

    def keep_keys(self, user_id: str, keys: dict) -> Write:
        """Keep (or replace) the owner's recovery-wrapped DEK and wrapped private keys, so that their own AWS
        account and their 24 words open this cloud without the platform."""
        item = {"pk": ACCOUNT_PK, "sk": KEYS_SK, "userId": user_id, "keys": keys}
        return Write({"Put": {"TableName": self.table_name, "Item": item}})

    def delete(self, pk: str, sk: str, refusal: NotFound | Conflict | None = None) -> Write:
        condition = {"ConditionExpression": "attribute_exists(pk)"} if refusal else {}
        return Write({"Delete": {"TableName": self.table_name, "Key": {"pk": pk, "sk": sk}, **condition}}, refusal)

    def require(self, pk: str, sk: str, refusal: NotFound | Conflict, version: int | None = None) -> Write:
        """A check that an item exists (at ``version``, if given) when the transaction commits."""
        check: dict = {"ConditionExpression": "attribute_exists(pk)"}
        if version is not None:
            check = {
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":version": version},
            }
        return Write({"ConditionCheck": {"TableName": self.table_name, "Key": {"pk": pk, "sk": sk}, **check}}, refusal)

    def remove(self, pk: str, sk: str) -> None:
        """Delete an item outside any transaction: a record whose object is gone already."""
        self.table.delete_item(Key={"pk": pk, "sk": sk})

    def put_upload(self, file_id: str, upload_id: str, fields: dict) -> None:
        """An upload under way is not audited: the finished upload is, in the transaction that commits it."""
        self.table.put_item(
            Item={"pk": file_pk(file_id), "sk": upload_sk(upload_id), **fields},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def delete_upload(self, file_id: str, upload_id: str) -> None:
        self.table.delete_item(Key={"pk": file_pk(file_id), "sk": upload_sk(upload_id)})


def _encode_cursor(last_key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, list_name: str) -> dict:
    """The key a cursor names, if it is one this list gave out; anything else is refused, not queried."""
    try:
        key = parse_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_bytes=len(cursor))
    except (ValueError, CryptoError):
        key = None
    if (
        not isinstance(key, dict)
        or set(key) != set(_KEYS)
        or not all(isinstance(value, str) for value in key.values())
        or key["gsi1pk"] != list_name
    ):
        raise InvalidRequest("cursor", "not a cursor this list gave out")
    return key
