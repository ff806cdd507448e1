"""A person's files, as their device handles them: sealed here, kept in their own cloud, opened here.

Each version of a file gets a new FEK; the file is sealed under it, bound to
(owner, file id, version), and goes straight to the owner's bucket through
presigned URLs. The cloud then records the FEK wrapped by the DEK (and by the
FK of its folder, the AK of each album, and for each recipient of a share) and
the metadata (name, size, type, modification time) sealed under the FEK. No
name, key or byte of content leaves this device in the clear.

An upload cut off part-way is resumed by running it again: the device keeps,
in the profile, the FEK wrapped by the DEK, the sealed file's header and what
the source file looked like (inode, size, modification and change times). If
the file is unchanged, sealing goes on where the bucket's parts end and yields
exactly the bytes it would have; if it changed, the old upload is given up
and a new one starts under a new FEK, so no nonce ever seals two plaintexts.
"""

from __future__ import annotations

import json
import mimetypes
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as with_fields
from datetime import UTC, datetime
from functools import partial
from io import BufferedReader
from pathlib import Path

from imegha_crypto import (
    SEALED_DATA_MAX_BYTES,
    SEALED_FILE_HEADER_SIZE,
    AlbumKey,
    Context,
    CryptoError,
    DataKey,
    DecryptionError,
    FileKey,
    FolderKey,
    HeldDataKey,
    HeldExchangeKey,
    IdentityPublicKey,
    b64url_decode,
    b64url_encode,
    continue_seal_file,
    open_data,
    open_file,
    parse_json_object,
    seal_data,
    seal_file,
    sealed_file_position,
    sealed_file_size,
    unwrap_key,
    verify_key_statement,
    wrap_key,
)

from .accounts import Account
from .agent import AgentKeys
from .cloud_tokens import cloud_tokens
from .documents import JSONObject
from .files_api import FilesApi
from .platform_api import ApiError
from .safe_text import file_name
from .share_keys import rekeyed_shares
from .transfer import PartSender, Progress, TransferError, fetched, written_whole
from .trust import UntrustedPeer

UPLOADS = "uploads"  # the profile document of interrupted uploads
NAME_BYTES = 255  # what most file systems allow in one name
COLLECTION_KEYS: dict[str, type[FolderKey] | type[AlbumKey]] = {"folder": FolderKey, "album": AlbumKey}
PLURAL = {"folder": "folders", "album": "albums"}


class FilesError(Exception):
    """A refusal to show the person: what is wrong and, where there is one, what to do.

    >>> try:  # doctest: +SKIP
    ...     library.find("tax.pdf")
    ... except FilesError as refusal:
    ...     print(refusal)
    no file named 'tax.pdf'
    """


class FilesInputError(FilesError, ValueError):
    """A refusal of the person's own input: a name no file may have, a path that is no file."""


def _no_progress(_: int) -> None:
    pass


def new_id() -> str:
    # Hex, not urlsafe base64: an id that began with '-' would read as an option on the command line.
    return secrets.token_hex(16)


def file_context(owner: str, file_id: str, version: int) -> Context:
    return Context(owner=owner, object_id=file_id, version=version)


def collection_context(owner: str, collection_id: str) -> Context:
    return Context(owner=owner, object_id=collection_id, version=0)


def check_name(name: str) -> str:
    """A name to store: any script, but no path: no '/', no NUL, not '.' or '..', at most 255 UTF-8 bytes."""
    if not name or "/" in name or "\0" in name or name in (".", ".."):
        raise FilesInputError(f"{name!r} cannot be a file name: no '/', no NUL, not '.' or '..'")
    if len(name.encode("utf-8", "surrogatepass")) > NAME_BYTES:
        raise FilesInputError(f"a name is at most {NAME_BYTES} bytes of UTF-8; this one is longer")
    return name


def download_path(destination: Path, name: str) -> Path:
    """Where a download named ``name`` lands: in ``destination`` under that name made a plain one (a sealed name is
    someone else's, perhaps hostile), or at ``destination`` itself where it is no directory."""
    return destination / file_name(name) if destination.is_dir() else destination


class DownloadExists(FilesError):
    """A download would replace what is there already: refused, nothing written, unless replacing is asked for."""

    def __init__(self, paths: list[Path]):
        named = ", ".join(map(str, paths))
        them = "it" if len(paths) == 1 else "them"
        super().__init__(
            f"{named} {'is' if len(paths) == 1 else 'are'} there already; nothing was written: "
            f"--force replaces {them}, or -o names another place"
        )
        self.paths = paths


def refuse_existing(paths: list[Path]) -> None:
    """Refuse downloads into names something holds already (a file, a link, even a dangling one, a directory)."""
    taken = [path for path in paths if os.path.lexists(path)]
    if taken:
        raise DownloadExists(taken)


@dataclass(frozen=True)
class StoredFile:
    """A version of a file as its owner (or a recipient) sees it once its key and metadata opened.

    >>> stored = library.find("scan.pdf")  # doctest: +SKIP
    >>> stored.name, stored.size, stored.version  # doctest: +SKIP
    ('scan.pdf', 48213, 2)
    """

    file_id: str
    version: int
    name: str
    size: int
    media_type: str
    modified: str | None
    ciphertext_size: int
    updated_at: str | None
    owner: str
    key: FileKey | None = field(repr=False, default=None)
    folder_id: str | None = None
    problem: str | None = None
    """Why the key or metadata did not open; the file is then listed but cannot be fetched."""
    kept_until: int | None = None
    """For a version a newer one replaced: until when (Unix time) the cloud keeps it; None for the current one."""

    @property
    def context(self) -> Context:
        return file_context(self.owner, self.file_id, self.version)

    def as_json(self) -> JSONObject:
        shown = {
            "fileId": self.file_id,
            "version": self.version,
            "name": self.name,
            "size": self.size,
            "type": self.media_type,
            "modified": self.modified,
            "updatedAt": self.updated_at,
            "folderId": self.folder_id,
        }
        kept: JSONObject = {"current": self.kept_until is None}
        if self.kept_until is not None:
            kept["keptUntil"] = datetime.fromtimestamp(self.kept_until, UTC).isoformat(timespec="seconds")
        return shown | kept | ({"problem": self.problem} if self.problem else {})


def version_name(name: str, version: int) -> str:
    """The name an older version is written under: ``scan (v2).pdf`` for version 2 of ``scan.pdf``."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem} (v{version}).{extension}" if dot and stem else f"{name} (v{version})"


@dataclass(frozen=True)
class Collection:
    """A folder or an album, with its key (FK or AK) and its name.

    >>> taxes = library.create("folder", "Taxes")  # doctest: +SKIP
    >>> library.put(Path("return.pdf"), folder=taxes)  # doctest: +SKIP
    >>> Sharing(alice, library).share(taxes, "Bob")  # one key shares the whole folder  # doctest: +SKIP
    """

    kind: str
    collection_id: str
    name: str
    key: FolderKey | AlbumKey = field(repr=False)
    created_at: str | None = None

    def as_json(self) -> JSONObject:
        return {"kind": self.kind, "id": self.collection_id, "name": self.name, "createdAt": self.created_at}


def opened_file(
    entry: JSONObject, owner: str, unwrapping_key: HeldDataKey | DataKey | FolderKey | AlbumKey | HeldExchangeKey
) -> StoredFile:
    """A listed file with its FEK unwrapped (by the DEK, an FK, an AK or an RSA key) and its metadata opened; one
    that does not open says why."""
    context = file_context(owner, entry["fileId"], entry["version"])
    try:
        key = unwrap_key(entry["wrappedKey"], FileKey, unwrapping_key=unwrapping_key, context=context)
        metadata = opened_metadata(key, entry["metadata"], context)
    except (CryptoError, ValueError) as error:
        return StoredFile(
            entry["fileId"],
            entry["version"],
            "(does not open)",
            -1,
            "",
            None,
            entry.get("ciphertextSize", 0),
            entry.get("updatedAt"),
            owner,
            folder_id=entry.get("folderId"),
            problem=f"its key or metadata does not open ({error}): altered, or not sealed for you",
        )
    return StoredFile(
        entry["fileId"],
        entry["version"],
        metadata["name"],
        metadata["size"],
        metadata["type"],
        metadata.get("modified"),
        entry["ciphertextSize"],
        entry.get("updatedAt"),
        owner,
        key,
        entry.get("folderId"),
    )


def opened_metadata(key: FileKey | FolderKey | AlbumKey, sealed: JSONObject, context: Context) -> JSONObject:
    """Sealed metadata opened: a JSON object, or a ``CryptoError`` saying why not (whoever sealed it may be hostile)."""
    return parse_json_object(open_data(key, sealed, context), max_bytes=SEALED_DATA_MAX_BYTES)


def sealed_metadata(
    key: FileKey, context: Context, name: str, size: int, media_type: str, modified: str | None
) -> JSONObject:
    document = {"name": name, "size": size, "type": media_type, "modified": modified}
    sealed: JSONObject = seal_data(key, json.dumps(document, ensure_ascii=False).encode(), context)
    return sealed


def save_opened(
    url: str, stored: StoredFile, destination: Path, progress: Progress = _no_progress, *, replace: bool = False
) -> Path:
    """Fetch a sealed file and open it into ``destination``, which appears only if every chunk authenticated, and
    never in place of what is there already unless ``replace``."""
    if stored.key is None:
        raise FilesError(f"{stored.file_id}: {stored.problem}")
    if not replace:
        refuse_existing([destination])
    try:
        with (
            fetched(url, stored.ciphertext_size, progress) as sealed,
            written_whole(destination, replace=replace) as out,
        ):
            open_file(stored.key, sealed, out, stored.context)
    except FileExistsError:
        raise DownloadExists([destination]) from None
    except DecryptionError as error:
        raise FilesError(
            f"{stored.name} does not open: {error}. The stored file was altered or is not the one its "
            "record names; nothing was written."
        ) from None
    except TransferError as error:
        raise FilesError(f"{stored.name}: {error}") from None
    return destination


def own_cloud_url(account: Account) -> str:
    """The cloud URL in the key statement this person signed: the one place their device sends their files."""
    session = account.live_session()
    statement: JSONObject | None = account.platform().me().get("keyStatement")
    unsigned = FilesError(
        "the platform serves a key statement for you that your identity key did not sign; "
        "your device will not send files where it points"
    )
    if statement is None:
        raise unsigned
    try:
        checked = verify_key_statement(
            statement, user_id=session.user_id, pinned_identity=IdentityPublicKey(b64url_decode(session.identity_key))
        )
    except (CryptoError, TypeError):
        raise unsigned from None
    if not checked.cloud_url:
        raise FilesError("you have no cloud yet: deploy one with 'imegha cloud deploy'")
    cloud_url: str = checked.cloud_url
    return cloud_url


@dataclass
class _Upload:
    """An upload under way, as the profile keeps it between attempts."""

    file_id: str
    version: int
    upload_id: str
    part_size: int
    part_count: int
    ciphertext_size: int
    wrapped_key: JSONObject
    source: JSONObject
    """What the file looked like when the upload started (:func:`_identity_of`)."""
    header: str | None = None

    @classmethod
    def load(cls, document: JSONObject) -> _Upload:
        return cls(**{name: document[name] for name in cls.__dataclass_fields__ if name in document})


def _identity_of(path: Path) -> JSONObject:
    status = path.stat()
    return {
        "dev": status.st_dev,
        "ino": status.st_ino,
        "size": status.st_size,
        "mtimeNs": status.st_mtime_ns,
        "ctimeNs": status.st_ctime_ns,
    }


class Library:
    """The owner's side: their files, folders and albums in their own cloud.

    >>> library = Library(alice)  # doctest: +SKIP
    >>> stored = library.put(Path("scan.pdf"))  # sealed here, sent to her bucket  # doctest: +SKIP
    >>> library.get(library.find("scan.pdf"), Path("copy.pdf"))  # doctest: +SKIP
    PosixPath('copy.pdf')
    """

    def __init__(self, account: Account, cloud_url: str | None = None):
        self.account = account
        session = account.live_session()
        self.owner = session.user_id
        self.cloud_url = cloud_url or own_cloud_url(account)
        self.api = FilesApi(self.cloud_url, cloud_tokens(account).for_cloud(self.owner))
        self._keys: AgentKeys | None = None

    @property
    def keys(self) -> AgentKeys:
        if self._keys is None:
            self._keys = self.account.keys()
        return self._keys

    # --- listing and finding ---------------------------------------------------------

    def files(self, holder: Collection | None = None) -> list[StoredFile]:
        if holder is None:
            entries = self.api.files()
            return [opened_file(entry, self.owner, self.keys.data_key) for entry in entries]
        in_folder = {"folderId": holder.collection_id} if holder.kind == "folder" else {}
        return [
            opened_file(entry | in_folder, self.owner, holder.key) for entry in self.api.files(holder.collection_id)
        ]

    def collections(self, kind: str) -> list[Collection]:
        opened = []
        for entry in self.api.collections(PLURAL[kind]):
            context = collection_context(self.owner, entry["id"])
            try:
                key = unwrap_key(
                    entry["wrappedKey"], COLLECTION_KEYS[kind], unwrapping_key=self.keys.data_key, context=context
                )
                name = opened_metadata(key, entry["metadata"], context)["name"]
            except (CryptoError, ValueError) as error:
                raise FilesError(f"{kind} {entry['id']} does not open ({error}): its record was altered") from None
            opened.append(Collection(kind, entry["id"], name, key, entry.get("createdAt")))
        return opened

    def collection(self, kind: str, name_or_id: str) -> Collection:
        found = [c for c in self.collections(kind) if name_or_id in (c.name, c.collection_id)]
        if len(found) != 1:
            raise FilesError(
                f"no {kind} named {name_or_id!r}"
                if not found
                else f"{len(found)} {PLURAL[kind]} are named {name_or_id!r}; give its id"
            )
        return found[0]

    def find(self, name_or_id: str, folder: Collection | None = None) -> StoredFile:
        """The one file with this name (in ``folder``, if given), or whose id is or starts with this."""
        files = self.files()
        named = [f for f in files if f.name == name_or_id and (folder is None or f.folder_id == folder.collection_id)]
        by_id = [
            f for f in files if f.file_id == name_or_id or (len(name_or_id) >= 6 and f.file_id.startswith(name_or_id))
        ]
        found = named or by_id
        if not found:
            raise FilesError(f"no file named {name_or_id!r}" + (f" in {folder.name}" if folder else ""))
        if len(found) > 1:
            raise FilesError(
                f"{len(found)} files are named {name_or_id!r}; give one of their ids: "
                + ", ".join(f.file_id for f in found)
            )
        return found[0]

    # --- uploading --------------------------------------------------------------------

    def put(
        self,
        path: Path,
        *,
        name: str | None = None,
        folder: Collection | None = None,
        replace: StoredFile | None = None,
        progress: Progress = _no_progress,
        on_resume: Callable[[int, int], None] = lambda done, total: None,
    ) -> StoredFile:
        """Upload a local file as a new file (in ``folder``), or as the next version of ``replace``.

        Run again after an interruption, it resumes where the bucket's parts end.
        """
        path = path.resolve()
        if not path.is_file():
            raise FilesInputError(f"{path} is not a file")
        name = check_name(name or (replace.name if replace else path.name))
        if replace is None and any(
            f.name == name and f.folder_id == (folder and folder.collection_id) for f in self.files()
        ):
            raise FilesError(
                f"a file named {name!r} is already there: --replace uploads a new version of it, "
                "--name stores this one under another name"
            )
        size = path.stat().st_size
        upload = self._resumed(path)
        known_urls: dict[int, str] = {}
        received: set[int] = set()
        if upload is None:
            upload, known_urls = self._started(
                path, replace.file_id if replace else new_id(), replace.version + 1 if replace else 1, size
            )
        else:
            received = {part["partNumber"] for part in self.api.upload(upload.file_id, upload.upload_id)["received"]}
        context = file_context(self.owner, upload.file_id, upload.version)
        key = unwrap_key(upload.wrapped_key, FileKey, unwrapping_key=self.keys.data_key, context=context)
        first_missing = next((n for n in range(1, upload.part_count + 1) if n not in received), upload.part_count + 1)
        if first_missing > 1:
            on_resume((first_missing - 1) * upload.part_size, upload.ciphertext_size)
            progress((first_missing - 1) * upload.part_size)
        with path.open("rb") as source:
            if first_missing <= upload.part_count:
                self._send(
                    source,
                    upload,
                    key,
                    context,
                    first_missing,
                    progress,
                    remember_header=lambda header: self._remember(path, upload, header),
                    known_urls=known_urls,
                )
        if _identity_of(path) != upload.source:
            self.abort(path)
            raise FilesError(f"{path.name} changed while it was uploaded; nothing was stored: upload it again")
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        modified = datetime.fromtimestamp(upload.source["mtimeNs"] / 1e9, UTC).isoformat(timespec="seconds")
        stored = self._commit(upload, key, name, size, media_type, modified, folder, replace)
        self._forget(path)
        return stored

    def abort(self, path: Path) -> bool:
        """Give up an interrupted upload of ``path``: its parts go from the bucket, its record from the cloud."""
        path = path.resolve()
        document = self._uploads().get(self._upload_key(path))
        if document is None:
            return False
        upload = _Upload.load(document)
        self.api.abort_upload(upload.file_id, upload.upload_id)
        self._forget(path)
        return True

    def _started(self, path: Path, file_id: str, version: int, size: int) -> tuple[_Upload, dict[int, str]]:
        """A new upload, remembered in the profile, and the URLs of its first parts."""
        started = self.api.start_upload(file_id, version, sealed_file_size(size))
        key = FileKey.generate()
        upload = _Upload(
            file_id,
            version,
            started["uploadId"],
            started["partSize"],
            started["partCount"],
            started["ciphertextSize"],
            wrap_key(key, wrapping_key=self.keys.data_key, context=file_context(self.owner, file_id, version)),
            _identity_of(path),
        )
        self._remember(path, upload, None)
        return upload, {int(number): url for number, url in started["partUrls"].items()}

    def _resumed(self, path: Path) -> _Upload | None:
        """The interrupted upload of this very file, if it can go on; a stale one is given up."""
        document = self._uploads().get(self._upload_key(path))
        if document is None:
            return None
        upload = _Upload.load(document)
        try:
            self.api.upload(upload.file_id, upload.upload_id)
        except ApiError as error:
            if error.status != 404:
                raise
            self._forget(path)
            return None
        if upload.source != _identity_of(path):
            self.abort(path)  # sealing other bytes under the old header would reuse its nonces
            return None
        return upload

    def _send(
        self,
        source: BufferedReader,
        upload: _Upload,
        key: FileKey,
        context: Context,
        first_part: int,
        progress: Progress,
        remember_header: Callable[[bytes], None],
        known_urls: dict[int, str],
    ) -> None:
        def urls(numbers: list[int]) -> dict[int, str]:
            return self.api.part_urls(upload.file_id, upload.upload_id, numbers)

        sender_of = partial(
            PartSender,
            part_size=upload.part_size,
            part_count=upload.part_count,
            total_size=upload.ciphertext_size,
            part_urls=urls,
            known_urls=known_urls,
            progress=progress,
        )
        seal: Callable[[], int]
        if first_part == 1 or upload.header is None:
            # Nothing arrived: seal from the start under a new header (new nonces) with the same key.
            sender = sender_of(first_part=1, header_size=SEALED_FILE_HEADER_SIZE, on_header=remember_header)
            seal = partial(seal_file, key, source, sender, context)
        else:
            header = b64url_decode(upload.header)
            position = sealed_file_position((first_part - 1) * upload.part_size)
            source.seek(position.plaintext_offset)
            sender = sender_of(first_part=first_part, skip=position.skip)
            seal = partial(continue_seal_file, key, source, sender, context, header=header, first_chunk=position.chunk)
        try:
            seal()
            sender.close()
        except TransferError as error:
            sender.abandon()
            raise FilesError(f"the upload stopped: {error}. Run the same command again to resume it.") from None
        except BaseException:
            sender.abandon()
            raise

    def _commit(
        self,
        upload: _Upload,
        key: FileKey,
        name: str,
        size: int,
        media_type: str,
        modified: str | None,
        folder: Collection | None,
        replace: StoredFile | None,
    ) -> StoredFile:
        context = file_context(self.owner, upload.file_id, upload.version)
        commit: JSONObject = {
            "wrappedKey": upload.wrapped_key,
            "metadata": sealed_metadata(key, context, name, size, media_type, modified),
        }
        if replace is not None:
            commit |= self._keys_for_holders(replace, key, context)
        elif folder is not None:
            commit["folder"] = {
                "id": folder.collection_id,
                "wrappedKey": wrap_key(key, wrapping_key=folder.key, context=context),
            }
        try:
            committed = self.api.complete_upload(upload.file_id, upload.upload_id, commit)
        except ApiError as error:
            if error.status == 409 and "parts have not arrived" not in error.message:
                self._forget_upload(upload)
            raise FilesError(f"the cloud did not take the new version: {error.message}") from None
        return StoredFile(
            upload.file_id,
            upload.version,
            name,
            size,
            media_type,
            modified,
            upload.ciphertext_size,
            committed.get("updatedAt"),
            self.owner,
            key,
            committed.get("folderId"),
        )

    def _keys_for_holders(self, replaced: StoredFile, key: FileKey, context: Context) -> JSONObject:
        """The new FEK for everyone who holds the file now: its folder, its albums, its shares' recipients."""
        holders = self.api.holders(replaced.file_id)
        keys: JSONObject = {}
        if holders["folderId"]:
            folder = self.collection("folder", holders["folderId"])
            keys["folder"] = {
                "id": folder.collection_id,
                "wrappedKey": wrap_key(key, wrapping_key=folder.key, context=context),
            }
        if holders["albumIds"]:
            albums = {album.collection_id: album for album in self.collections("album")}
            keys["albums"] = {
                album_id: wrap_key(key, wrapping_key=albums[album_id].key, context=context)
                for album_id in holders["albumIds"]
            }
        if holders["shares"]:
            try:
                keys["shares"] = rekeyed_shares(self.account, self.api, replaced.file_id, context, key)
            except UntrustedPeer as warning:
                raise FilesError(
                    f"{warning} Their share cannot be given the new key: revoke it, or verify them first."
                ) from None
        return keys

    # --- the profile's record of uploads under way ----------------------------------

    def _upload_key(self, path: Path) -> str:
        return f"{self.cloud_url} {path}"

    def _uploads(self) -> JSONObject:
        return self.account.profile.read(UPLOADS) or {}

    def _remember(self, path: Path, upload: _Upload, header: bytes | None) -> None:
        if header is not None:
            upload.header = b64url_encode(header)
        uploads = self._uploads()
        uploads[self._upload_key(path)] = upload.__dict__
        self.account.profile.write(UPLOADS, uploads)

    def _forget(self, path: Path) -> None:
        uploads = self._uploads()
        if uploads.pop(self._upload_key(path), None) is not None:
            self.account.profile.write(UPLOADS, uploads)

    def _forget_upload(self, upload: _Upload) -> None:
        uploads = {
            where: document
            for where, document in self._uploads().items()
            if document.get("uploadId") != upload.upload_id
        }
        self.account.profile.write(UPLOADS, uploads)

    # --- fetching, deleting, new versions ----------------------------------------------

    def versions(self, stored: StoredFile) -> list[StoredFile]:
        """Every version of the file its owner can still read, newest first, each opened with its own key (under the
        DEK, bound to its version): the current one, then those replaced in the last days the cloud keeps them."""
        listed = self.api.versions(stored.file_id)
        found = []
        for entry in listed["versions"]:
            opened = opened_file(entry | {"fileId": stored.file_id}, self.owner, self.keys.data_key)
            found.append(opened if entry.get("current") else with_fields(opened, kept_until=entry["expiresAt"]))
        return found

    def get(
        self,
        stored: StoredFile,
        destination: Path,
        progress: Progress = _no_progress,
        *,
        replace: bool = False,
        version: int | None = None,
    ) -> Path:
        """Fetch and open a file into ``destination`` (a directory: under its name as listed, made a plain one);
        what is there already stays, unless ``replace``. With ``version``, that version of it (an older one lands
        as ``name (vN).ext``)."""
        if stored.problem:
            raise FilesError(f"{stored.file_id}: {stored.problem}")
        older = version not in (None, stored.version)
        if version is None or not older:
            answer = self.api.download(stored.file_id)
        else:
            answer = self.api.download_version(stored.file_id, version)
        opened = opened_file(answer | {"fileId": stored.file_id}, self.owner, self.keys.data_key)
        if opened.problem:
            raise FilesError(f"{stored.name}: {opened.problem}")
        if older and opened.version != version:
            raise FilesError(f"asked for version {version} of {stored.name}, your cloud answered with {opened.version}")
        target = download_path(destination, version_name(stored.name, opened.version) if older else stored.name)
        return save_opened(answer["url"], opened, target, progress, replace=replace)

    def delete(self, stored: StoredFile) -> JSONObject:
        return self.api.delete_file(stored.file_id)

    def rotate(self, stored: StoredFile, progress: Progress = _no_progress) -> StoredFile:
        """Seal the file again under a new FEK, as its next version: a key kept from before opens nothing new.

        The plaintext flows from the download straight into the upload through a
        pipe, never to disk; the remaining shares, folder and albums get the new key.
        """
        answer = self.api.download(stored.file_id)
        current = opened_file(answer, self.owner, self.keys.data_key)
        current_key = current.key
        if current_key is None:
            raise FilesError(f"{stored.name}: {current.problem}")
        reading, writing = os.pipe()
        failure: list[BaseException] = []

        def decrypt_into_pipe() -> None:
            try:
                with fetched(answer["url"], current.ciphertext_size) as sealed, os.fdopen(writing, "wb") as sink:
                    open_file(current_key, sealed, sink, current.context)
            except BaseException as error:
                failure.append(error)

        worker = threading.Thread(target=decrypt_into_pipe, name="imegha-rotate-reader", daemon=True)
        worker.start()
        context = file_context(self.owner, current.file_id, current.version + 1)
        key = FileKey.generate()
        started = self.api.start_upload(current.file_id, current.version + 1, sealed_file_size(current.size))
        upload = _Upload(
            current.file_id,
            current.version + 1,
            started["uploadId"],
            started["partSize"],
            started["partCount"],
            started["ciphertextSize"],
            wrap_key(key, wrapping_key=self.keys.data_key, context=context),
            {},
        )
        try:
            with os.fdopen(reading, "rb") as plaintext:
                self._send(
                    plaintext,
                    upload,
                    key,
                    context,
                    1,
                    progress,
                    remember_header=lambda header: None,
                    known_urls={int(number): url for number, url in started["partUrls"].items()},
                )
        except BaseException:
            self.api.abort_upload(upload.file_id, upload.upload_id)
            worker.join()
            if failure and isinstance(failure[0], (DecryptionError, TransferError)):
                raise FilesError(f"{stored.name} could not be read back to seal it again: {failure[0]}") from None
            raise
        worker.join()
        return self._commit(
            upload, key, current.name, current.size, current.media_type, current.modified, None, current
        )

    # --- folders and albums ---------------------------------------------------------

    def create(self, kind: str, name: str) -> Collection:
        check_name(name)
        if any(c.name == name for c in self.collections(kind)):
            raise FilesError(f"a {kind} named {name!r} exists already")
        collection_id, key = new_id(), COLLECTION_KEYS[kind].generate()
        context = collection_context(self.owner, collection_id)
        created = self.api.create_collection(
            PLURAL[kind],
            {
                "id": collection_id,
                "wrappedKey": wrap_key(key, wrapping_key=self.keys.data_key, context=context),
                "metadata": seal_data(key, json.dumps({"name": name}, ensure_ascii=False).encode(), context),
            },
        )
        return Collection(kind, collection_id, name, key, created.get("createdAt"))

    def remove(self, collection: Collection, *, with_files: bool = False) -> JSONObject:
        """Delete a folder (once empty, or with its files) or an album (its files stay)."""
        if collection.kind == "folder" and with_files:
            for stored in self.files(collection):
                self.api.delete_file(stored.file_id)
        return self.api.delete_collection(PLURAL[collection.kind], collection.collection_id)

    def add_to_album(self, album: Collection, stored: StoredFile) -> JSONObject:
        if stored.key is None:
            raise FilesError(f"{stored.name}: {stored.problem}")
        wrapped = wrap_key(stored.key, wrapping_key=album.key, context=stored.context)
        return self.api.add_to_album(album.collection_id, stored.file_id, stored.version, wrapped)

    def remove_from_album(self, album: Collection, stored: StoredFile) -> None:
        self.api.remove_from_album(album.collection_id, stored.file_id)
