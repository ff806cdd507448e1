"""The owner's library: uploads, files and their versions, folders and albums.

The owner's device seals a file under a new FEK, bound to (owner, file id,
version), and sends the ciphertext straight to the bucket through presigned
part URLs; then it commits the version with the FEK wrapped by its DEK (and by
the FK of its folder, the AK of each album, and for each recipient of a share),
and the file's metadata sealed under the FEK. This code checks who asks, the
shape of each envelope, that every part arrived whole, that a new version
follows the one it replaces and carries keys for everyone who can open the
file now, and then commits it with its audit entry in one transaction. It
never holds a key it could use, nor a file name.

Every version has a new FEK and a new object. The version a new one replaces
is kept for its owner ``VERSION_KEPT_DAYS``: its record (FEK wrapped by the
DEK, sealed metadata, object key and S3 version id) moves to ``VERSION#<n>``,
expiring with the table's TTL, and its object becomes noncurrent, which the
bucket's lifecycle rule removes after as many days. Only the owner reads an
old version; folders, albums and shares hold the current one alone. Deleting a
file revokes its shares, removes every object and S3 version under it, then
its records: nothing is left behind.
"""

from __future__ import annotations

import math
import secrets
import time

from aws_lambda_powertools import Tracer

from dal.audit import MAX_WRITES, Write, now
from dal.cloud import Cloud
from dal.library import (
    COLLECTION_LIST,
    FILES_LIST,
    HEAD,
    LibraryStore,
    collection_pk,
    file_pk,
    member_sk,
    upload_sk,
    version_sk,
)
from dal.objects import ObjectStore, file_prefix
from dal.shares import ShareStore
from imegha_crypto import sealed_file_size
from imegha_service.errors import Conflict, DomainError, InvalidRequest, NotFound
from logic.sharing import check_share_record, revoke_all, share_target

tracer = Tracer()

MIB = 1024 * 1024
MIN_PART_SIZE = 8 * MIB
MAX_PARTS = 10_000  # S3's limit for one upload
MAX_OBJECT_SIZE = 5 * 1024**4  # S3's limit for one object
SMALLEST_SEALED_FILE = sealed_file_size(0)
UPLOAD_SECONDS = 7 * 24 * 3600  # as long as the bucket keeps unfinished parts
URLS_AT_ONCE = 100
COLLECTION_KEY = {"folder": "FK", "album": "AK"}
# How long a replaced version stays readable: the bucket's ReplacedVersions rule (storage.yaml) removes a noncurrent
# object after as many days, and the version's record expires with it.
VERSION_KEPT_DAYS = 30


class PartsMissing(Conflict):
    """The upload cannot be completed yet; it stays open for the device to send what is missing."""


def part_plan(ciphertext_size: int) -> tuple[int, int]:
    """Part size and count for an upload: 8 MiB parts, larger ones (whole MiB) past 10,000 parts' worth."""
    part_size = max(MIN_PART_SIZE, math.ceil(ciphertext_size / MAX_PARTS / MIB) * MIB)
    return part_size, max(1, math.ceil(ciphertext_size / part_size))


def _file_item(library: LibraryStore, file_id: str) -> dict:
    head = library.file(file_id)
    if head is None:
        raise NotFound(f"no file {file_id}")
    return head


def _upload(library: LibraryStore, file_id: str, upload_id: str) -> dict:
    upload = library.get(file_pk(file_id), upload_sk(upload_id))
    if upload is None or upload["expiresAt"] < time.time():
        raise NotFound(f"no upload {upload_id} of file {file_id} under way: it finished, was abandoned, or expired")
    return upload


def _require_next(head: dict | None, version: int) -> None:
    current = head["version"] if head else 0
    if version != current + 1:
        raise Conflict(f"the file is at version {current}: the next upload is version {current + 1}, not {version}")


# --- uploads ----------------------------------------------------------------------------


@tracer.capture_method
def start_upload(cloud: Cloud, file_id: str, version: int, ciphertext_size: int) -> dict:
    """Open a multipart upload of version ``version`` (1 for a new file) and hand out its first part URLs."""
    if not SMALLEST_SEALED_FILE <= ciphertext_size <= MAX_OBJECT_SIZE:
        raise InvalidRequest("ciphertextSize", f"a sealed file is {SMALLEST_SEALED_FILE} bytes to 5 TiB")
    _require_next(cloud.library.file(file_id), version)
    upload_id = secrets.token_urlsafe(16)
    key = f"{file_prefix(file_id)}{upload_id}"
    part_size, part_count = part_plan(ciphertext_size)
    upload = {
        "uploadId": upload_id,
        "fileId": file_id,
        "version": version,
        "objectKey": key,
        "s3UploadId": cloud.objects.start_upload(key),
        "ciphertextSize": ciphertext_size,
        "partSize": part_size,
        "partCount": part_count,
        "createdAt": now(),
        "expiresAt": int(time.time()) + UPLOAD_SECONDS,
    }
    cloud.library.put_upload(file_id, upload_id, upload)
    first_parts = list(range(1, min(part_count, URLS_AT_ONCE) + 1))
    return _public_upload(upload) | {"partUrls": cloud.objects.part_urls(key, upload["s3UploadId"], first_parts)}


def _public_upload(upload: dict) -> dict:
    return {
        name: upload[name]
        for name in ("uploadId", "fileId", "version", "ciphertextSize", "partSize", "partCount", "expiresAt")
    }


@tracer.capture_method
def part_urls(cloud: Cloud, file_id: str, upload_id: str, numbers: list[int]) -> dict:
    upload = _upload(cloud.library, file_id, upload_id)
    beyond = [number for number in numbers if number > upload["partCount"]]
    if beyond:
        raise InvalidRequest(
            "partNumbers", f"this upload has {upload['partCount']} parts; there is no part {beyond[0]}"
        )
    return {"partUrls": cloud.objects.part_urls(upload["objectKey"], upload["s3UploadId"], numbers)}


@tracer.capture_method
def upload_status(cloud: Cloud, file_id: str, upload_id: str) -> dict:
    """What an interrupted upload already holds, so the device sends only the rest."""
    upload = _upload(cloud.library, file_id, upload_id)
    parts = cloud.objects.received_parts(upload["objectKey"], upload["s3UploadId"]) or []
    return _public_upload(upload) | {"received": [{"partNumber": p["partNumber"], "size": p["size"]} for p in parts]}


@tracer.capture_method
def abort_upload(cloud: Cloud, file_id: str, upload_id: str) -> None:
    """Give an upload up: its parts and its record go, and no object was ever made."""
    upload = cloud.library.get(file_pk(file_id), upload_sk(upload_id))
    if upload is None:
        return
    cloud.objects.abort_upload(upload["objectKey"], upload["s3UploadId"])
    cloud.objects.delete_all(upload["objectKey"])
    cloud.library.delete_upload(file_id, upload_id)


def _complete_object(objects: ObjectStore, upload: dict) -> None:
    """Make the object from its parts, once every part arrived at its planned size."""
    key, size = upload["objectKey"], upload["ciphertextSize"]
    parts = objects.received_parts(key, upload["s3UploadId"])
    if parts is None:  # completed by an earlier attempt whose answer was lost
        if objects.size(key) != size:
            raise Conflict("this upload is no longer open and made no object of the planned size: start it again")
        return
    sizes = {part["partNumber"]: part["size"] for part in parts}
    missing = [number for number in range(1, upload["partCount"] + 1) if number not in sizes]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise PartsMissing(f"{len(missing)} of {upload['partCount']} parts have not arrived: {shown}")
    last = size - (upload["partCount"] - 1) * upload["partSize"]
    wrong = [n for n, got in sizes.items() if got != (last if n == upload["partCount"] else upload["partSize"])]
    if wrong:
        raise PartsMissing(f"part {wrong[0]} is not the size planned for it: send it again")
    objects.complete_upload(key, upload["s3UploadId"], sorted(parts, key=lambda part: part["partNumber"]))
    if objects.size(key) != size:
        raise Conflict(f"the object S3 made is not the {size} bytes planned: upload the file again")


@tracer.capture_method
def complete_upload(cloud: Cloud, owner: str, file_id: str, upload_id: str, body: dict) -> dict:
    """Commit the uploaded version with its keys and sealed metadata; the replaced one is kept for its owner (its
    record as ``VERSION#<n>``, its object made noncurrent until the bucket's rule removes it)."""
    upload = _upload(cloud.library, file_id, upload_id)
    version = upload["version"]
    head = cloud.library.file(file_id)
    _require_next(head, version)
    partition = cloud.library.file_partition(file_id) if head else []
    stamp = now()
    listing = {
        "fileId": file_id,
        "version": version,
        "ciphertextSize": upload["ciphertextSize"],
        "metadata": body["metadata"],
        "updatedAt": stamp,
    }
    writes = _membership_writes(cloud.library, partition, file_id, body, listing)
    writes += _share_writes(cloud.shares, partition, owner, file_id, version, body.get("shares", {}))
    folder = body.get("folder")
    new_head = listing | {
        "objectKey": upload["objectKey"],
        "wrappedKey": body["wrappedKey"],
        "createdAt": head["createdAt"] if head else stamp,
    }
    if folder:
        new_head["folderId"] = folder["id"]
    writes += [
        cloud.library.replace_head(file_id, new_head, version - 1),
        cloud.library.delete(file_pk(file_id), upload_sk(upload_id)),
    ]
    if head:
        writes.append(
            cloud.library.put(
                file_pk(file_id),
                version_sk(head["version"]),
                _kept_version(cloud.objects, head, stamp),
                new=True,
                refusal=Conflict(f"version {head['version']} was replaced meanwhile: another upload finished first"),
            )
        )
    try:
        _complete_object(cloud.objects, upload)
        cloud.audited.commit(
            writes,
            action="upload",
            actor=owner,
            subject={"fileId": file_id, "version": version, "ciphertextSize": upload["ciphertextSize"]},
        )
    except DomainError as refusal:
        # Parts still to send: the upload stays open. Anything else (lost to another upload, a folder gone
        # meanwhile, a wrong size) ends it: its object goes and nothing else changed.
        if not isinstance(refusal, PartsMissing):
            cloud.objects.delete_all(upload["objectKey"])
            cloud.library.delete_upload(file_id, upload_id)
        raise
    if head:
        cloud.objects.retire(head["objectKey"])
    return {name: value for name, value in new_head.items() if name != "objectKey"}


def _kept_version(objects: ObjectStore, head: dict, replaced_at: str) -> dict:
    """The replaced head as its version's record: what opens it and where its (soon noncurrent) object is."""
    kept = {name: head[name] for name in ("fileId", "version", "ciphertextSize", "metadata", "wrappedKey")}
    return kept | {
        "updatedAt": head["updatedAt"],
        "objectKey": head["objectKey"],
        "objectVersionId": objects.current_version_id(head["objectKey"]),
        "replacedAt": replaced_at,
        "expiresAt": int(time.time()) + VERSION_KEPT_DAYS * 24 * 3600,
    }


def _membership_writes(
    library: LibraryStore, partition: list[dict], file_id: str, body: dict, listing: dict
) -> list[Write]:
    """The file as each folder and album holds it, with the new FEK wrapped by that folder's FK or album's AK.

    A new version is held where the previous one was, and must come with a key
    for each of them, or the folder's and album's readers would lose the file.
    """
    held = {item["collectionId"]: item["collectionKind"] for item in partition if item["sk"].startswith("IN#")}
    asked = {body["folder"]["id"]: "folder"} if body.get("folder") else {}
    asked |= {album_id: "album" for album_id in body.get("albums", {})}
    if partition and asked != held:
        raise Conflict(
            f"the file is held by {_described(held)}; the new version must carry a key for each, "
            f"not for {_described(asked)}"
        )
    keys = ({body["folder"]["id"]: body["folder"]["wrappedKey"]} if body.get("folder") else {}) | body.get("albums", {})
    writes = []
    for collection_id, kind in asked.items():
        item = listing | {
            "collectionKind": kind,
            "collectionId": collection_id,
            "wrappedKey": keys[collection_id],
            "gsi1pk": f"IN#{collection_id}",
            "gsi1sk": file_pk(file_id),
        }
        writes.append(
            library.put(
                file_pk(file_id),
                member_sk(collection_id),
                item,
                new=not partition,
                refusal=Conflict(f"the file's place in {kind} {collection_id} changed meanwhile"),
            )
        )
        writes.append(library.require(collection_pk(kind, collection_id), HEAD, NotFound(f"no {kind} {collection_id}")))
    return writes


def _described(collections: dict[str, str]) -> str:
    return ", ".join(f"{kind} {collection_id}" for collection_id, kind in sorted(collections.items())) or "nothing"


def _share_writes(
    shares: ShareStore, partition: list[dict], owner: str, file_id: str, version: int, rekeyed: dict
) -> list[Write]:
    """Each share of the file moved to the new version, with the new FEK wrapped for its recipient."""
    links = {item["shareId"]: item["recipientId"] for item in partition if item["sk"].startswith("SHARE#")}
    if set(rekeyed) != set(links):
        raise Conflict(
            f"the file is shared as {', '.join(sorted(links)) or 'nothing'}; the new version must carry "
            f"a key for each share, not for {', '.join(sorted(rekeyed)) or 'none'} (revoke a share first "
            "to leave its recipient out)"
        )
    writes = []
    for share_id, share in rekeyed.items():
        check_share_record(
            share["record"],
            field=f"shares/{share_id}/record",
            share_id=share_id,
            owner=owner,
            recipient=links[share_id],
            target=share_target("file", file_id, version),
            wrapped_key=share["wrappedKey"],
        )
        writes.append(shares.rekey(share_id, version, share["wrappedKey"], share["record"]))
    return writes


# --- files --------------------------------------------------------------------------------


@tracer.capture_method
def list_files(cloud: Cloud, collection_id: str | None, cursor: str | None, limit: int) -> dict:
    """A page of all files (their keys wrapped by the DEK), or of one folder's or album's (by its FK or AK)."""
    page = cloud.library.listed(FILES_LIST if collection_id is None else f"IN#{collection_id}", cursor, limit)
    return {"files": [_listed_file(item) for item in page.items], "cursor": page.cursor}


def _listed_file(item: dict) -> dict:
    return {name: value for name, value in item.items() if name not in ("objectKey", "collectionKind", "collectionId")}


@tracer.capture_method
def download(cloud: Cloud, owner: str, file_id: str) -> dict:
    head = _file_item(cloud.library, file_id)
    cloud.audited.commit([], action="download", actor=owner, subject={"fileId": file_id, "version": head["version"]})
    return _listed_file(head) | {"url": cloud.objects.download_url(head["objectKey"])}


@tracer.capture_method
def list_versions(cloud: Cloud, file_id: str) -> dict:
    """Every version of the file its owner can still read, newest first: the current one, then each one replaced
    in the last ``VERSION_KEPT_DAYS`` (its FEK wrapped by the DEK, its metadata sealed under that FEK)."""
    head = _file_item(cloud.library, file_id)
    kept = [item for item in cloud.library.versions(file_id) if item["expiresAt"] > time.time()]
    return {
        "fileId": file_id,
        "keptDays": VERSION_KEPT_DAYS,
        "versions": [_listed_file(head) | {"current": True}] + [_listed_version(item) for item in kept],
    }


def _listed_version(item: dict) -> dict:
    return {name: value for name, value in item.items() if name not in ("objectKey", "objectVersionId")} | {
        "current": False
    }


@tracer.capture_method
def download_version(cloud: Cloud, owner: str, file_id: str, version: int) -> dict:
    """One version of the file, current or kept, for its owner alone: its keys and a URL for its object."""
    head = _file_item(cloud.library, file_id)
    if version == head["version"]:
        return download(cloud, owner, file_id)
    item = cloud.library.get(file_pk(file_id), version_sk(version)) if version < head["version"] else None
    if item is None or item["expiresAt"] <= time.time():
        raise NotFound(
            f"file {file_id} has no version {version} kept: it is at version {head['version']}, and a replaced "
            f"version is kept {VERSION_KEPT_DAYS} days"
        )
    cloud.audited.commit([], action="download", actor=owner, subject={"fileId": file_id, "version": version})
    return _listed_version(item) | {"url": cloud.objects.download_url(item["objectKey"], item["objectVersionId"])}


@tracer.capture_method
def holders(cloud: Cloud, file_id: str) -> dict:
    """Who holds the file besides its owner: its folder, its albums, its shares; a new version carries a key for each."""
    partition = cloud.library.file_partition(file_id)
    head = next((item for item in partition if item["sk"] == HEAD), None)
    if head is None:
        raise NotFound(f"no file {file_id}")
    return {
        "fileId": file_id,
        "version": head["version"],
        "folderId": head.get("folderId"),
        "albumIds": [
            item["collectionId"]
            for item in partition
            if item["sk"].startswith("IN#") and item["collectionKind"] == "album"
        ],
        "shares": [
            {"shareId": item["shareId"], "recipientId": item["recipientId"]}
            for item in partition
            if item["sk"].startswith("SHARE#")
        ],
    }


@tracer.capture_method
def delete_file(cloud: Cloud, owner: str, file_id: str) -> dict:
    """Revoke the file's shares, remove its objects (every S3 version), then its records, the head last.

    Each step can be repeated: if anything fails half-way, deleting again finishes the job.
    """
    head = _file_item(cloud.library, file_id)
    revoked = revoke_all(cloud, owner, "file", file_id)
    for upload in (item for item in cloud.library.file_partition(file_id) if item["sk"].startswith("UPLOAD#")):
        cloud.objects.abort_upload(upload["objectKey"], upload["s3UploadId"])
    removed = cloud.objects.delete_all(file_prefix(file_id))
    library = cloud.library
    partition = library.file_partition(file_id)
    # Replaced versions' records, as many as uploads in a month, go one by one (their objects are gone), the rest
    # with the head and the audit entry.
    for kept in (item for item in partition if item["sk"].startswith("VERSION#")):
        library.remove(kept["pk"], kept["sk"])
    rest = [
        library.delete(item["pk"], item["sk"])
        for item in partition
        if item["sk"] != HEAD and not item["sk"].startswith("VERSION#")
    ]
    cloud.audited.commit(
        rest + [library.delete(file_pk(file_id), HEAD, NotFound(f"no file {file_id}"))],
        action="delete",
        actor=owner,
        subject={"fileId": file_id, "version": head["version"], "revokedShares": revoked},
    )
    return {"fileId": file_id, "deleted": True, "objectVersionsRemoved": removed, "revokedShares": revoked}


# --- folders and albums ------------------------------------------------------------------


def _check_collection_keys(kind: str, body: dict) -> None:
    for field in ("wrappedKey", "metadata"):
        if body[field]["kind"] != COLLECTION_KEY[kind]:
            raise InvalidRequest(
                f"{field}/kind", f"a {kind} holds an {COLLECTION_KEY[kind]}, not a {body[field]['kind']}"
            )


@tracer.capture_method
def create_collection(cloud: Cloud, owner: str, kind: str, body: dict) -> dict:
    """A folder (with a new FK) or an album (with a new AK), its name sealed under that key."""
    _check_collection_keys(kind, body)
    item = {
        "kind": kind,
        "id": body["id"],
        "wrappedKey": body["wrappedKey"],
        "metadata": body["metadata"],
        "createdAt": now(),
        "gsi1pk": COLLECTION_LIST[kind],
        "gsi1sk": collection_pk(kind, body["id"]),
    }
    new = cloud.library.put(
        collection_pk(kind, body["id"]),
        HEAD,
        item,
        new=True,
        refusal=Conflict(f"a {kind} with id {body['id']} exists already"),
    )
    cloud.audited.commit([new], action="create", actor=owner, subject={kind + "Id": body["id"]})
    return {name: value for name, value in item.items() if not name.startswith("gsi1")}


@tracer.capture_method
def list_collections(cloud: Cloud, kind: str) -> list[dict]:
    return cloud.library.everything_listed(COLLECTION_LIST[kind])


@tracer.capture_method
def delete_collection(cloud: Cloud, owner: str, kind: str, collection_id: str) -> dict:
    """A folder goes once empty; an album lets go of its files (which stay in the library). Its shares are revoked."""
    library, audited = cloud.library, cloud.audited
    if library.get(collection_pk(kind, collection_id), HEAD) is None:
        raise NotFound(f"no {kind} {collection_id}")
    members = library.everything_listed(f"IN#{collection_id}")
    if kind == "folder" and members:
        raise Conflict(f"the folder holds {len(members)} files: delete them or move them out first")
    revoked = revoke_all(cloud, owner, kind, collection_id)
    for start in range(0, len(members), MAX_WRITES):
        batch = members[start : start + MAX_WRITES]
        audited.commit(
            [library.delete(file_pk(member["fileId"]), member_sk(collection_id)) for member in batch],
            action="remove",
            actor=owner,
            subject={"albumId": collection_id, "fileIds": [member["fileId"] for member in batch]},
        )
    audited.commit(
        [library.delete(collection_pk(kind, collection_id), HEAD, NotFound(f"no {kind} {collection_id}"))],
        action="delete",
        actor=owner,
        subject={kind + "Id": collection_id, "revokedShares": revoked},
    )
    return {"id": collection_id, "deleted": True, "revokedShares": revoked}


@tracer.capture_method
def add_to_album(cloud: Cloud, owner: str, album_id: str, file_id: str, body: dict) -> dict:
    """Put a file in an album: its current FEK wrapped by the album's AK, for the album's readers."""
    library = cloud.library
    head = _file_item(library, file_id)
    if body["version"] != head["version"]:
        raise Conflict(f"the file is at version {head['version']}, not {body['version']}: wrap that version's key")
    item = {
        "fileId": file_id,
        "version": head["version"],
        "ciphertextSize": head["ciphertextSize"],
        "metadata": head["metadata"],
        "updatedAt": now(),
        "collectionKind": "album",
        "collectionId": album_id,
        "wrappedKey": body["wrappedKey"],
        "gsi1pk": f"IN#{album_id}",
        "gsi1sk": file_pk(file_id),
    }
    cloud.audited.commit(
        [
            library.put(
                file_pk(file_id),
                member_sk(album_id),
                item,
                new=True,
                refusal=Conflict("the file is in this album already"),
            ),
            library.require(collection_pk("album", album_id), HEAD, NotFound(f"no album {album_id}")),
            library.require(file_pk(file_id), HEAD, Conflict("the file changed meanwhile: try again"), head["version"]),
        ],
        action="add",
        actor=owner,
        subject={"albumId": album_id, "fileId": file_id, "version": head["version"]},
    )
    return _listed_file(item)


@tracer.capture_method
def remove_from_album(cloud: Cloud, owner: str, album_id: str, file_id: str) -> None:
    cloud.audited.commit(
        [cloud.library.delete(file_pk(file_id), member_sk(album_id), NotFound("the file is not in this album"))],
        action="remove",
        actor=owner,
        subject={"albumId": album_id, "fileIds": [file_id]},
    )


# --- the owner's keys, kept here too ---------------------------------------------------------


def keep_account_keys(cloud: Cloud, owner: str, keys: dict) -> dict:
    """Keep the owner's keys as their recovery phrase opens them (sealed on their device: nothing here opens them),
    with an audit entry."""
    cloud.audited.commit([cloud.library.keep_keys(owner, keys)], action="keep-keys", actor=owner, subject={})
    return {"kept": True}


def account_keys(cloud: Cloud) -> dict:
    kept = cloud.library.account_keys()
    if kept is None:
        raise NotFound("this cloud keeps no copy of your keys yet: 'imegha cloud status' puts one here")
    return kept
