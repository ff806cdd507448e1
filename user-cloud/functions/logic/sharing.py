"""Zero-copy sharing: the owner's share records, and what a recipient may open with their platform token.

A share gives one connection a file (at its current version), a folder or an
album: the key (FEK, FK or AK) wrapped on the owner's device for the
recipient's RSA key, and a record the owner signed over who, what and that
wrapped key, which the recipient's device checks before using the key. This
cloud checks the shape of both and that the record says what the share is; it
cannot check the signature (it holds no directory) and never needs to.

A recipient's request is checked against the share, read consistently: a
revoked share, another person's share, or a file the share does not cover is
refused alike (403), so a stranger learns nothing. Every opening and download
is audited, and a download gets a URL for that one object, valid for a minute.
Share created and revoked ring the platform's doorbell, with ids only.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import BotoCoreError, ClientError

from dal.cloud import Cloud
from dal.library import HEAD, LibraryStore, collection_pk, file_pk, member_sk
from dal.objects import DOWNLOAD_URL_SECONDS
from dal.shares import SHARES_LIST, ShareStore
from imegha_service.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from imegha_service.events import Announcer, PublishFailed

logger = Logger()
tracer = Tracer()

SHARE_CREATED, SHARE_REVOKED = "Share Created", "Share Revoked"
KEY_KIND = {"file": "FEK", "folder": "FK", "album": "AK"}
NOT_YOURS = "no share of yours has this id: it was revoked, or it was never yours"


def share_target(kind: str, target_id: str, version: int | None) -> dict:
    return {"kind": kind, "id": target_id} | ({"version": version} if kind == "file" else {})


def check_share_record(
    record: dict, *, field: str, share_id: str, owner: str, recipient: str, target: dict, wrapped_key: dict
) -> None:
    """Refuse a signed record that does not say exactly what the share it comes with is."""
    expected = {
        "shareId": share_id,
        "owner": owner,
        "recipient": recipient,
        "target": target,
        "wrappedKey": wrapped_key,
    }
    for name, value in expected.items():
        if record["body"].get(name) != value:
            raise InvalidRequest(
                f"{field}/body/{name}",
                f"the signed record says {record['body'].get(name)!r}, but the share is {value!r}",
            )


def public_share(share: dict) -> dict:
    return {
        name: share[name]
        for name in ("shareId", "targetKind", "targetId", "recipientId", "wrappedKey", "record", "createdAt", "version")
        if name in share
    }


# --- the owner's side -------------------------------------------------------------------


@tracer.capture_method
def create_share(cloud: Cloud, owner: str, body: dict) -> dict:
    kind, target_id, recipient = body["target"]["kind"], body["target"]["id"], body["recipientId"]
    if recipient == owner:
        raise InvalidRequest("recipientId", "you cannot share with yourself")
    if body["wrappedKey"]["kind"] != KEY_KIND[kind]:
        raise InvalidRequest(
            "wrappedKey/kind", f"a {kind} is shared by its {KEY_KIND[kind]}, not a {body['wrappedKey']['kind']}"
        )
    head = cloud.library.get(file_pk(target_id) if kind == "file" else collection_pk(kind, target_id), HEAD)
    if head is None:
        raise NotFound(f"no {kind} {target_id}")
    target = share_target(kind, target_id, head.get("version"))
    check_share_record(
        body["record"],
        field="record",
        share_id=body["shareId"],
        owner=owner,
        recipient=recipient,
        target=target,
        wrapped_key=body["wrappedKey"],
    )
    for link in cloud.shares.links(kind, target_id):
        if link["recipientId"] == recipient:
            raise Conflict(f"this {kind} is already shared with this user (share {link['shareId']}); revoke that first")
    share = {
        "shareId": body["shareId"],
        "targetKind": kind,
        "targetId": target_id,
        "recipientId": recipient,
        "wrappedKey": body["wrappedKey"],
        "record": body["record"],
        "createdAt": body["record"]["body"]["sharedAt"],
    }
    if kind == "file":
        share["version"] = head["version"]
    still_there = cloud.library.require(
        file_pk(target_id) if kind == "file" else collection_pk(kind, target_id),
        HEAD,
        Conflict(f"the {kind} changed or went while sharing it: try again"),
        head.get("version"),
    )
    cloud.audited.commit(
        cloud.shares.create(share) + [still_there],
        action="share",
        actor=owner,
        subject={"shareId": share["shareId"], "target": target, "recipientId": recipient},
    )
    return public_share(share) | {"notified": _announce(cloud.platform_bus, SHARE_CREATED, owner, share)}


@tracer.capture_method
def list_shares(cloud: Cloud, target_kind: str | None, target_id: str | None) -> list[dict]:
    if target_id is None:
        return [public_share(share) for share in cloud.library.everything_listed(SHARES_LIST)]
    found = (cloud.shares.share(link["shareId"]) for link in cloud.shares.links(target_kind, target_id))
    return [public_share(share) for share in found if share is not None]


@tracer.capture_method
def revoke_share(cloud: Cloud, owner: str, share_id: str) -> dict:
    share = cloud.shares.share(share_id)
    if share is None:
        raise NotFound(f"no share {share_id}: it was revoked already, or never made")
    target = share_target(share["targetKind"], share["targetId"], share.get("version"))
    cloud.audited.commit(
        cloud.shares.remove(share),
        action="revoke",
        actor=owner,
        subject={"shareId": share_id, "target": target, "recipientId": share["recipientId"]},
    )
    return {
        "shareId": share_id,
        "revoked": True,
        "notified": _announce(cloud.platform_bus, SHARE_REVOKED, owner, share),
    }


def revoke_all(cloud: Cloud, owner: str, kind: str, target_id: str) -> list[str]:
    """Revoke every share of a file, folder or album that is going away; returns their ids."""
    revoked = [link["shareId"] for link in cloud.shares.links(kind, target_id)]
    for share_id in revoked:
        revoke_share(cloud, owner, share_id)
    return revoked


def _announce(events: Announcer, detail_type: str, owner: str, share: dict) -> bool:
    """Ring the platform's doorbell: who shared, with whom, which share. The share stands even if this fails."""
    try:
        events.publish(
            detail_type, {"shareId": share["shareId"], "senderId": owner, "recipients": [share["recipientId"]]}
        )
    except (PublishFailed, ClientError, BotoCoreError):
        logger.exception(
            "the platform's doorbell did not ring; the recipient is not notified", extra={"detailType": detail_type}
        )
        return False
    return True


# --- the recipient's side ---------------------------------------------------------------


def _share_for(shares: ShareStore, caller: str, share_id: str) -> dict:
    share = shares.share(share_id)
    if share is None or share["recipientId"] != caller:
        raise NotAllowed(NOT_YOURS)
    return share


def _summary(library: LibraryStore, share: dict) -> dict:
    """The share as its recipient sees it: the signed record, the key wrapped for them, and what it opens."""
    kind, target_id = share["targetKind"], share["targetId"]
    target = library.get(file_pk(target_id) if kind == "file" else collection_pk(kind, target_id), HEAD) or {}
    shown = {"metadata": target.get("metadata")}
    if kind == "file":
        shown |= {"version": target.get("version"), "ciphertextSize": target.get("ciphertextSize")}
    return {
        "shareId": share["shareId"],
        "target": {"kind": kind, "id": target_id} | shown,
        "wrappedKey": share["wrappedKey"],
        "record": share["record"],
        "createdAt": share["createdAt"],
    }


@tracer.capture_method
def received(cloud: Cloud, caller: str) -> list[dict]:
    return [_summary(cloud.library, share) for share in cloud.shares.for_recipient(caller)]


@tracer.capture_method
def open_received(cloud: Cloud, caller: str, share_id: str, cursor: str | None, limit: int) -> dict:
    """A share's record and key; for a folder or album, a page of the files in it, each FEK wrapped by its FK or AK."""
    share = _share_for(cloud.shares, caller, share_id)
    opened = _summary(cloud.library, share)
    if share["targetKind"] != "file":
        page = cloud.library.listed(f"IN#{share['targetId']}", cursor, limit)
        opened |= {"files": [_member(item) for item in page.items], "cursor": page.cursor}
    cloud.audited.commit([], action="view", actor=caller, subject={"shareId": share_id})
    return opened


def _member(item: dict) -> dict:
    return {name: item[name] for name in ("fileId", "version", "ciphertextSize", "metadata", "wrappedKey", "updatedAt")}


@tracer.capture_method
def download_received(cloud: Cloud, caller: str, share_id: str, file_id: str) -> dict:
    """The URL of one file's ciphertext, for the recipient of a share that covers it."""
    share = _share_for(cloud.shares, caller, share_id)
    if share["targetKind"] == "file":
        holder = share if share["targetId"] == file_id else None
    else:
        holder = cloud.library.get(file_pk(file_id), member_sk(share["targetId"]))
    head = cloud.library.file(file_id) if holder else None
    if head is None:
        raise NotAllowed("this share does not give you that file")
    if holder["version"] != head["version"]:
        raise Conflict("the file is being replaced; try again in a moment")
    cloud.audited.commit(
        [],
        action="download",
        actor=caller,
        subject={"shareId": share_id, "fileId": file_id, "version": head["version"]},
    )
    return {
        "fileId": file_id,
        "version": head["version"],
        "ciphertextSize": head["ciphertextSize"],
        "metadata": head["metadata"],
        "wrappedKey": holder["wrappedKey"],
        "url": cloud.objects.download_url(head["objectKey"]),
        "urlExpiresIn": DOWNLOAD_URL_SECONDS,
    }
