"""Zero-copy sharing, as the two devices handle it: only a wrapped key travels; the file stays in the owner's bucket.

The owner's device looks the recipient up in the directory and checks their
key statement against the identity key pinned for them: a changed key is
refused with a warning until the two have compared safety codes, never used
quietly. It wraps the FEK (or a folder's FK, an album's AK) for the RSA key that
statement names, signs a share record over who, what and that wrapped key with
the owner's identity key, and stores both in the owner's cloud. Only
connections receive shares.

The recipient's device asks each connection's cloud (at the URL in their signed
statement) what it shares with them, checks each record's signature under the
owner's pinned identity key and that it says what the share is, and only then
opens the key with its own RSA key. A record that does not check out is shown
as a warning and its key is never used. Downloads come from the owner's bucket
through a URL that works for one object, for a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from imegha_crypto import (
    AlbumKey,
    CryptoError,
    FileKey,
    FolderKey,
    HeldExchangeKey,
    unwrap_key,
    verify_record,
)

from .accounts import Account
from .cloud_tokens import cloud_tokens
from .documents import JSONObject
from .files_api import FilesApi
from .library import (
    COLLECTION_KEYS,
    Collection,
    FilesError,
    Library,
    StoredFile,
    collection_context,
    download_path,
    new_id,
    opened_file,
    opened_metadata,
    save_opened,
)
from .platform_api import ApiError
from .share_keys import SHARE_RECORD, share_target, signed_share
from .transfer import Progress
from .trust import Peer, UntrustedPeer


def _no_progress(_: int) -> None:
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ReceivedShare:
    """A share someone gave this person, its record checked and its key opened.

    >>> shares, warnings = Sharing(bob).received()  # doctest: +SKIP
    >>> [(share.name, share.owner.imtag) for share in shares]  # doctest: +SKIP
    [('scan.pdf', 'Alice')]
    """

    share_id: str
    owner: Peer
    kind: str
    target_id: str
    version: int | None
    name: str
    shared_at: str
    key: FileKey | FolderKey | AlbumKey = field(repr=False)
    wrapped_key: JSONObject = field(repr=False)
    """The key as the owner wrapped it for this person, and signed."""
    api: FilesApi = field(repr=False)
    file: StoredFile | None = field(repr=False, default=None)

    def as_json(self) -> JSONObject:
        return {
            "shareId": self.share_id,
            "from": self.owner.imtag,
            "kind": self.kind,
            "name": self.name,
            "id": self.target_id,
            "version": self.version,
            "sharedAt": self.shared_at,
        }


class Sharing:
    """Zero-copy sharing, both sides: the owner shares and revokes, the recipient lists, checks and fetches.

    >>> Sharing(alice).share(Library(alice).find("scan.pdf"), "Bob")  # doctest: +SKIP
    >>> share = Sharing(bob).find("scan.pdf")  # doctest: +SKIP
    >>> Sharing(bob).get(share, share.file, Path("."))  # from her bucket, opened here  # doctest: +SKIP
    """

    def __init__(self, account: Account, library: Library | None = None):
        self.account = account
        self._library = library

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.account)
        return self._library

    # --- the owner's side ------------------------------------------------------------

    def recipient(self, imtag: str) -> Peer:
        """A connection, their keys checked against their pin: a changed key is a refusal with a warning."""
        connected = {c["iMTag"].casefold() for c in self.account.platform().connections() if c["status"] == "connected"}
        if imtag.casefold() not in connected:
            raise FilesError(f"{imtag} is not one of your connections: 'imegha connect {imtag}' first")
        try:
            return self.account.peer(imtag)
        except UntrustedPeer as warning:
            raise FilesError(f"{warning} Nothing was shared.") from None

    def share(self, target: StoredFile | Collection, recipient: str | Peer) -> JSONObject:
        """Share ``target`` with a connection, by iMTag, or as :meth:`recipient` checked them."""
        if isinstance(recipient, str):
            recipient = self.recipient(recipient)
        share_id = new_id()
        key: FileKey | FolderKey | AlbumKey
        if isinstance(target, StoredFile):
            if target.key is None:
                raise FilesError(f"{target.name}: {target.problem}")
            kind, target_id, version, context, key = "file", target.file_id, target.version, target.context, target.key
        else:
            kind, target_id, version, key = target.kind, target.collection_id, None, target.key
            context = collection_context(self.library.owner, target_id)
        share = signed_share(self.account, share_id, recipient, kind, target_id, version, key, context, _now())
        created = self.library.api.create_share(
            {"shareId": share_id, "recipientId": recipient.user_id, "target": {"kind": kind, "id": target_id}} | share
        )
        return {
            "shareId": share_id,
            "with": recipient.imtag,
            "kind": kind,
            "id": target_id,
            "recipientKey": str(recipient.exchange_key.fingerprint),
            "verified": recipient.verified,
            "firstSeen": recipient.first_seen,
            "notified": created.get("notified", False),
        }

    def shares(self) -> list[JSONObject]:
        """What this person shares, with whom."""
        pins = self.account.pins
        return [
            {
                "shareId": share["shareId"],
                "kind": share["targetKind"],
                "id": share["targetId"],
                "with": (pins.get(share["recipientId"]) or {}).get("iMTag", share["recipientId"]),
                "sharedAt": share["createdAt"],
            }
            for share in self.library.api.shares()
        ]

    def revoke(self, share_id: str) -> JSONObject:
        return self.library.api.revoke(share_id)

    def revoke_with(self, target_id: str, imtag: str) -> list[str]:
        """Revoke whatever of ``target_id`` is shared with ``imtag``; returns the share ids revoked."""
        found = [s for s in self.shares() if s["id"] == target_id and s["with"].casefold() == imtag.casefold()]
        if not found:
            raise FilesError(f"nothing of that is shared with {imtag}")
        for share in found:
            self.revoke(share["shareId"])
        return [share["shareId"] for share in found]

    # --- the recipient's side -----------------------------------------------------------

    def received(self, from_imtag: str | None = None) -> tuple[list[ReceivedShare], list[str]]:
        """What connections share with this person, checked; and a warning for each share or cloud that did not."""
        tokens = cloud_tokens(self.account)
        shares: list[ReceivedShare] = []
        warnings: list[str] = []
        for connection in self.account.platform().connections():
            if connection["status"] != "connected" or (
                from_imtag and connection["iMTag"].casefold() != from_imtag.casefold()
            ):
                continue
            try:
                owner = self.account.peer(connection["iMTag"])
            except UntrustedPeer as warning:
                warnings.append(str(warning))
                continue
            if not owner.cloud_url:
                continue
            api = FilesApi(owner.cloud_url, tokens.for_cloud(owner.user_id))
            try:
                offered = api.received()
            except (ApiError, OSError) as error:
                warnings.append(f"{owner.imtag}'s cloud did not answer: {error}")
                continue
            for share in offered:
                try:
                    shares.append(self._checked(owner, api, share))
                except (CryptoError, KeyError, ValueError, FilesError) as error:
                    warnings.append(
                        f"WARNING: share {share.get('shareId')} from {owner.imtag} does not check out "
                        f"({error}); its key was not used."
                    )
        return shares, warnings

    def _checked(self, owner: Peer, api: FilesApi, share: JSONObject) -> ReceivedShare:
        body = verify_record(share["record"], SHARE_RECORD, owner.identity_key)
        target = share["target"]
        kind, version = target["kind"], target.get("version")
        claimed = {
            "shareId": share["shareId"],
            "owner": owner.user_id,
            "recipient": self.account.session.user_id,
            "target": share_target(kind, target["id"], version),
            "wrappedKey": share["wrappedKey"],
        }
        for name, value in claimed.items():
            if body.get(name) != value:
                raise FilesError(f"the record signed by {owner.imtag} names another {name}")
        exchange_key = self.account.keys().exchange_key
        stored = None
        key: FileKey | FolderKey | AlbumKey
        if kind == "file":
            stored = opened_file(
                target | {"fileId": target["id"], "wrappedKey": share["wrappedKey"]}, owner.user_id, exchange_key
            )
            if stored.problem or stored.key is None:
                raise FilesError(stored.problem)
            key, name = stored.key, stored.name
        else:
            context = collection_context(owner.user_id, target["id"])
            key = unwrap_key(share["wrappedKey"], COLLECTION_KEYS[kind], unwrapping_key=exchange_key, context=context)
            name = opened_metadata(key, target["metadata"], context)["name"]
        return ReceivedShare(
            share["shareId"],
            owner,
            kind,
            target["id"],
            version,
            name,
            body["sharedAt"],
            key,
            share["wrappedKey"],
            api,
            stored,
        )

    def find(self, share_or_name: str, from_imtag: str | None = None) -> ReceivedShare:
        shares, warnings = self.received(from_imtag)
        found = [s for s in shares if share_or_name in (s.share_id, s.name, s.target_id)]
        if len(found) != 1:
            hint = f" ({'; '.join(warnings)})" if warnings else ""
            raise FilesError(
                f"nothing named {share_or_name!r} is shared with you{hint}"
                if not found
                else f"{len(found)} shares are named {share_or_name!r}; give a share id"
            )
        return found[0]

    def files_in(self, share: ReceivedShare) -> list[StoredFile]:
        """The files a shared folder or album holds, each FEK opened with the share's FK or AK."""
        if share.file is not None:  # a shared file
            return [share.file]
        opened = share.api.open_received(share.share_id)
        return [opened_file(entry, share.owner.user_id, self._opening_key(share)) for entry in opened["files"]]

    def get(
        self,
        share: ReceivedShare,
        stored: StoredFile,
        destination: Path,
        progress: Progress = _no_progress,
        *,
        replace: bool = False,
    ) -> Path:
        """Fetch one file a share covers from its owner's bucket and open it here: into ``destination`` (a directory:
        under the name ``stored`` was listed with, made a plain one, whatever name the download answer carries);
        what is there already stays, unless ``replace``."""
        try:
            answer = share.api.download_received(share.share_id, stored.file_id)
        except ApiError as error:
            raise FilesError(f"{share.owner.imtag}'s cloud refused: {error.message}") from None
        holder_key = self._opening_key(share)
        if share.kind == "file" and (answer["wrappedKey"] != share.wrapped_key or answer["version"] != share.version):
            raise FilesError("the owner's cloud serves another key or version than the one signed for you")
        current = opened_file(answer, share.owner.user_id, holder_key)
        if current.problem:
            raise FilesError(f"{stored.name}: {current.problem}")
        return save_opened(answer["url"], current, download_path(destination, stored.name), progress, replace=replace)

    def _opening_key(self, share: ReceivedShare) -> FolderKey | AlbumKey | HeldExchangeKey:
        """What opens the keys of the files a share covers: the folder's FK or album's AK it gave; a shared file's
        FEK came wrapped for this person's RSA key."""
        return self.account.keys().exchange_key if isinstance(share.key, FileKey) else share.key
