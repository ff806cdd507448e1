"""A share's key, as the owner's device gives it: wrapped for the recipient's RSA key, in a record the owner signs.

The key of a file, folder or album is given once when it is shared, and a
file's again with each new version (the cloud refuses a version that forgets
one of its holders). Sharing gives the first; the library, making a new
version, gives the next ones, each to a recipient looked up again and checked
against the pin made when it was shared. Both build on this module; it builds
on neither.
"""

from __future__ import annotations

from typing import Any

from imegha_crypto import AlbumKey, Context, FileKey, FolderKey, sign_record, wrap_key

from .accounts import Account
from .files_api import FilesApi
from .trust import Peer, UntrustedPeer

SHARE_RECORD = "share"


def share_target(kind: str, target_id: str, version: int | None) -> dict[str, Any]:
    """What a share record says is shared: a file names its version, a folder or an album only itself."""
    return {"kind": kind, "id": target_id} | ({"version": version} if kind == "file" else {})


def signed_share(
    account: Account,
    share_id: str,
    recipient: Peer,
    kind: str,
    target_id: str,
    version: int | None,
    key: FileKey | FolderKey | AlbumKey,
    context: Context,
    shared_at: str,
) -> dict[str, Any]:
    """The key wrapped for ``recipient``'s RSA key, and the owner's signed record of the share."""
    wrapped = wrap_key(key, wrapping_key=recipient.exchange_key, context=context)
    body = {
        "shareId": share_id,
        "owner": account.session.user_id,
        "recipient": recipient.user_id,
        "target": share_target(kind, target_id, version),
        "wrappedKey": wrapped,
        "sharedAt": shared_at,
    }
    return {"wrappedKey": wrapped, "record": sign_record(account.keys().identity_key, SHARE_RECORD, body)}


def pinned_recipient(account: Account, recipient_id: str) -> Peer:
    """A recipient met before, looked up again and checked against their pin; ``UntrustedPeer`` otherwise."""
    pin = account.pins.get(recipient_id)
    if pin is None:
        raise UntrustedPeer(f"user {recipient_id} holds a share but is not pinned on this device.")
    return account.peer(pin["iMTag"])


def rekeyed_shares(account: Account, api: FilesApi, file_id: str, context: Context, key: FileKey) -> dict[str, Any]:
    """For a new version of a shared file: each share's recipient gets the new FEK, in a record signed anew (by
    share id). A recipient whose keys no longer check out raises ``UntrustedPeer``: their share gets nothing."""
    rekeyed = {}
    for share in api.shares("file", file_id):
        recipient = pinned_recipient(account, share["recipientId"])
        rekeyed[share["shareId"]] = signed_share(
            account,
            share["shareId"],
            recipient,
            "file",
            file_id,
            context.version,
            key,
            context,
            share["record"]["body"]["sharedAt"],
        )
    return rekeyed
