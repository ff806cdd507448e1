"""A person's profile (display name, bio, phone, picture), kept in their own cloud, never on the platform.

The profile is one file of the person's library, ``iMegha profile.json``, sealed under its own FEK like any file
and kept in their bucket, the picture inside it. Their connections read it the way a shared file is read: the
profile is shared with each connection (its FEK wrapped for their RSA key, a share record in the owner's cloud,
zero-copy), which makes that FEK the key for connections. Ending a connection revokes that person's share and seals
the profile again under a new FEK (``Library.rotate``), given to the connections that remain: a key the former
connection kept opens nothing new. The platform sees a file id and share ids, never a field of the profile.

What others' profiles hold is text a hostile peer chose: it is read with the JSON bounds of the crypto layer,
only the known fields are kept, each checked for its type and length, and shown through :mod:`imegha.safe_text`.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from imegha_crypto import CryptoError, parse_json_object

from .accounts import Account
from .documents import JSONObject
from .library import FilesError, Library, StoredFile
from .platform_api import ApiError
from .safe_text import shown
from .sharing import Sharing

PROFILE_FILE = "iMegha profile.json"
TEXT_FIELDS = {"displayName": 64, "bio": 500, "phone": 32}
"""Each text field, and the most characters it holds."""
PICTURE_BYTES = 256 * 1024
PICTURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
_DOCUMENT_BYTES = 2 * PICTURE_BYTES  # the picture in base64, and the text


class ProfileError(FilesError):
    """A profile that cannot be set or read as given; the message says why."""


class ProfileInputError(ProfileError, ValueError):
    """What the person typed cannot be a profile field (too long, a picture too big or of an unknown type)."""


class CloudProfile:
    """The signed-in person's profile in their cloud, and their connections' profiles in theirs.

    >>> CloudProfile(alice).set(display_name="Dr Asha Rao", bio="GP, Leeds")  # doctest: +SKIP
    >>> CloudProfile(bob).of_connections()["Alice"]["displayName"]  # doctest: +SKIP
    'Dr Asha Rao'
    """

    def __init__(self, account: Account):
        self.account = account
        self.sharing = Sharing(account)

    @property
    def library(self) -> Library:
        """The person's own library (a FilesError if they have no cloud yet): only their own profile needs it."""
        return self.sharing.library

    def _stored(self) -> StoredFile | None:
        found = [stored for stored in self.library.files() if stored.name == PROFILE_FILE]
        return found[0] if found else None

    def mine(self) -> JSONObject | None:
        stored = self._stored()
        if stored is None:
            return None
        with tempfile.TemporaryDirectory() as scratch:
            return _document(self.library.get(stored, Path(scratch)))

    def set(
        self,
        *,
        display_name: str | None = None,
        bio: str | None = None,
        phone: str | None = None,
        picture: Path | None = None,
    ) -> JSONObject:
        """Change the fields given ('' clears one), keep the others; seal the profile as the file's next version and
        share it with every connection that lacks it. Returns the profile."""
        current = self.mine() or {}
        given = {"displayName": display_name, "bio": bio, "phone": phone}
        document = current | {name: value for name, value in given.items() if value is not None}
        document = {name: value for name, value in document.items() if value != ""}
        if picture is not None:
            document["picture"] = _picture(picture)
        document = _checked(document, ProfileInputError)
        stored = self._stored()
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / PROFILE_FILE
            path.write_text(json.dumps(document, ensure_ascii=False))
            stored = self.library.put(path, name=PROFILE_FILE, replace=stored)
        self.share_with_connections(stored)
        return document

    def share_with_connections(self, stored: StoredFile | None = None) -> list[str]:
        """Share the profile with each connection that does not have it yet; returns their iMTags."""
        stored = stored or self._stored()
        if stored is None:
            return []
        having = {share["with"].casefold() for share in self.sharing.shares() if share["id"] == stored.file_id}
        shared = []
        for connection in self.account.platform().connections():
            tag = connection["iMTag"]
            if connection["status"] == "connected" and tag.casefold() not in having:
                try:
                    self.sharing.share(stored, tag)
                except FilesError:
                    continue  # a connection whose key changed is not given it; 'imegha verify' first
                shared.append(tag)
        return shared

    def forget(self, imtag: str) -> bool:
        """Before ending a connection: revoke their share of the profile and seal it again under a new key, which
        the remaining connections get. False if they had none."""
        stored = self._stored()
        if stored is None:
            return False
        try:
            self.sharing.revoke_with(stored.file_id, imtag)
        except FilesError:
            return False
        self.library.rotate(stored)
        return True

    def of_connections(self) -> dict[str, JSONObject]:
        """Each connection's profile that opens, by iMTag, read from their cloud; those without one are left out."""
        shares, _ = self.sharing.received()
        found: dict[str, JSONObject] = {}
        with tempfile.TemporaryDirectory() as scratch:
            for share in shares:
                if share.kind != "file" or share.name != PROFILE_FILE or share.file is None:
                    continue
                directory = Path(scratch) / share.share_id
                directory.mkdir()
                try:
                    found[share.owner.imtag] = _document(self.sharing.get(share, share.file, directory))
                except FilesError:
                    continue
        return found


def _document(path: Path) -> JSONObject:
    """A profile as stored (perhaps by a hostile peer): the known fields, each checked; a ProfileError if it is
    not a profile at all."""
    try:
        document = parse_json_object(path.read_bytes(), max_bytes=_DOCUMENT_BYTES)
    except (CryptoError, ValueError) as error:
        raise ProfileError(f"not a profile: {error}") from None
    return _checked({name: document[name] for name in (*TEXT_FIELDS, "picture") if name in document}, ProfileError)


def _checked(document: JSONObject, error: type[ProfileError]) -> JSONObject:
    for name, limit in TEXT_FIELDS.items():
        value = document.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise error(f"{name}: text of at most {limit} characters")
    picture = document.get("picture")
    if picture is not None:
        if (
            not isinstance(picture, dict)
            or picture.get("type") not in PICTURE_TYPES.values()
            or not isinstance(picture.get("data"), str)
        ):
            raise error("picture: a PNG, JPEG or WebP image")
        try:
            size = len(base64.b64decode(picture["data"], validate=True))
        except (binascii.Error, ValueError):
            raise error("picture: its data is not base64") from None
        if size > PICTURE_BYTES:
            raise error(f"picture: at most {PICTURE_BYTES // 1024} KiB")
    return document


def _picture(path: Path) -> JSONObject:
    media_type = PICTURE_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ProfileInputError(f"{path.name}: a picture is a .png, .jpg or .webp file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProfileInputError(f"{path}: {error.strerror}") from None
    if len(data) > PICTURE_BYTES:
        raise ProfileInputError(f"{path.name}: a picture is at most {PICTURE_BYTES // 1024} KiB")
    return {"type": media_type, "data": base64.b64encode(data).decode()}


def summary(document: JSONObject) -> JSONObject:
    """A profile as listed: its text fields, and the picture's type and size instead of its bytes."""
    listed: JSONObject = {name: document[name] for name in TEXT_FIELDS if name in document}
    picture = document.get("picture")
    if isinstance(picture, dict):
        listed["picture"] = {"type": picture["type"], "bytes": len(base64.b64decode(picture["data"]))}
    return listed


def described(document: JSONObject | None) -> str:
    """A profile on one line; its fields are the owner's text, shown escaped."""
    if not document:
        return "no profile"
    listed = summary(document)
    parts = [shown(str(listed[name])) for name in ("displayName", "phone") if name in listed]
    if "bio" in listed:
        parts.append(f'"{shown(listed["bio"])}"')
    if "picture" in listed:
        parts.append(f"picture ({listed['picture']['bytes']} bytes)")
    return ", ".join(parts)


def quietly[T](read: Callable[[], T]) -> T | None:
    """What reading profiles gave, or None where they could not be read (no cloud yet, a cloud that does not
    answer): a command that only shows them beside its own answer goes on without them."""
    try:
        return read()
    except (FilesError, ApiError, OSError):
        return None
