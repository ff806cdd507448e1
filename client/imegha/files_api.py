"""A user's cloud as the files client calls it: storage and audit (the owner's), sharing (the owner's and
recipients'), each request with the caller's token for that cloud. The cloud decides what the caller may do."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .cloud_tokens import CloudToken
from .documents import JSONObject
from .platform_api import ApiError, call_json


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


@dataclass
class FilesApi:
    base_url: str
    token: CloudToken

    def _call(self, method: str, path: str, body: JSONObject | None = None, **query: str | int | None) -> JSONObject:
        """The route's answer (one with no body is an empty object); ``query``'s None values are left out."""
        given = {name: value for name, value in query.items() if value is not None}
        url = self.base_url.rstrip("/") + path + (f"?{urlencode(given)}" if given else "")
        return call_json(method, url, f"Bearer {self.token()}", body) or {}

    # --- uploads --------------------------------------------------------------------

    def start_upload(self, file_id: str, version: int, ciphertext_size: int) -> JSONObject:
        return self._call(
            "POST",
            _path("storage", "files", file_id, "uploads"),
            {"version": version, "ciphertextSize": ciphertext_size},
        )

    def upload(self, file_id: str, upload_id: str) -> JSONObject:
        return self._call("GET", _path("storage", "files", file_id, "uploads", upload_id))

    def part_urls(self, file_id: str, upload_id: str, numbers: list[int]) -> dict[int, str]:
        answer = self._call(
            "POST", _path("storage", "files", file_id, "uploads", upload_id, "parts"), {"partNumbers": numbers}
        )
        return {int(number): url for number, url in answer["partUrls"].items()}

    def complete_upload(self, file_id: str, upload_id: str, commit: JSONObject) -> JSONObject:
        return self._call("POST", _path("storage", "files", file_id, "uploads", upload_id, "complete"), commit)

    def abort_upload(self, file_id: str, upload_id: str) -> None:
        self._call("DELETE", _path("storage", "files", file_id, "uploads", upload_id))

    # --- files, folders and albums -----------------------------------------------------

    def files_page(self, holder: str | None = None, cursor: str | None = None, limit: int = 1000) -> JSONObject:
        """A page of the files (keys under the DEK), or of one folder's or album's (keys under its FK or AK)."""
        return self._call("GET", "/storage/files", None, **{"in": holder, "cursor": cursor, "limit": limit})

    def files(self, holder: str | None = None) -> list[JSONObject]:
        listed: list[JSONObject] = []
        cursor = None
        while True:
            page = self.files_page(holder, cursor)
            listed += page["files"]
            if page["cursor"] is None:
                return listed
            cursor = page["cursor"]

    def download(self, file_id: str) -> JSONObject:
        return self._call("GET", _path("storage", "files", file_id))

    def versions(self, file_id: str) -> JSONObject:
        """The file's versions its owner can read, newest first: the current one, then each one kept
        (``{"fileId", "keptDays", "versions": [...]}``)."""
        return self._call("GET", _path("storage", "files", file_id, "versions"))

    def download_version(self, file_id: str, version: int) -> JSONObject:
        return self._call("GET", _path("storage", "files", file_id, "versions", str(version)))

    def holders(self, file_id: str) -> JSONObject:
        return self._call("GET", _path("storage", "files", file_id, "holders"))

    def delete_file(self, file_id: str) -> JSONObject:
        return self._call("DELETE", _path("storage", "files", file_id))

    def collections(self, plural: str) -> list[JSONObject]:
        listed: list[JSONObject] = self._call("GET", _path("storage", plural))[plural]
        return listed

    def create_collection(self, plural: str, collection: JSONObject) -> JSONObject:
        return self._call("POST", _path("storage", plural), collection)

    def delete_collection(self, plural: str, collection_id: str) -> JSONObject:
        return self._call("DELETE", _path("storage", plural, collection_id))

    def add_to_album(self, album_id: str, file_id: str, version: int, wrapped_key: JSONObject) -> JSONObject:
        return self._call(
            "PUT",
            _path("storage", "albums", album_id, "files", file_id),
            {"version": version, "wrappedKey": wrapped_key},
        )

    def remove_from_album(self, album_id: str, file_id: str) -> None:
        self._call("DELETE", _path("storage", "albums", album_id, "files", file_id))

    # --- sharing --------------------------------------------------------------------

    def create_share(self, share: JSONObject) -> JSONObject:
        return self._call("POST", "/sharing/shares", share)

    def shares(self, kind: str | None = None, target: str | None = None) -> list[JSONObject]:
        listed: list[JSONObject] = self._call("GET", "/sharing/shares", kind=kind, target=target)["shares"]
        return listed

    def revoke(self, share_id: str) -> JSONObject:
        return self._call("DELETE", _path("sharing", "shares", share_id))

    def received(self) -> list[JSONObject]:
        listed: list[JSONObject] = self._call("GET", "/sharing/received")["shares"]
        return listed

    def open_received(self, share_id: str) -> JSONObject:
        """A share given to the caller, with every file in it for a folder or album."""
        opened = self._call("GET", _path("sharing", "received", share_id), limit=1000)
        files = opened.get("files")
        while opened.get("cursor"):
            opened = self._call("GET", _path("sharing", "received", share_id), cursor=opened["cursor"], limit=1000)
            files += opened["files"]
        return opened | ({"files": files} if files is not None else {})

    def download_received(self, share_id: str, file_id: str) -> JSONObject:
        return self._call("GET", _path("sharing", "received", share_id, "files", file_id))

    # --- audit ----------------------------------------------------------------------

    def keep_account_keys(self, keys: JSONObject) -> JSONObject:
        return self._call("PUT", "/storage/account-keys", keys)

    def account_keys(self) -> JSONObject | None:
        """The owner's keys as this cloud keeps them (``{"userId", "keys"}``); None if it keeps none yet."""
        try:
            return self._call("GET", "/storage/account-keys")
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    def audit(self) -> tuple[list[JSONObject], JSONObject]:
        """Every entry of the log, oldest first, and the head the last page came with."""
        entries, last_page = self._after_pages("/audit/entries", "entries")
        return entries, last_page["head"]

    def audit_checkpoints(self) -> list[JSONObject]:
        """Every checkpoint record the owner's devices stored, by entry, as the cloud hands them out (unchecked)."""
        return self._after_pages("/audit/checkpoints", "checkpoints")[0]

    def _after_pages(self, path: str, field: str) -> tuple[list[JSONObject], JSONObject]:
        """The ``field`` lists of every page of ``path``, each page naming the entry to go on ``after`` (``next``);
        and the last page."""
        found: list[JSONObject] = []
        after = 0
        while True:
            page = self._call("GET", path, after=after, limit=1000)
            found += page[field]
            if page["next"] is None:
                return found, page
            after = page["next"]

    def store_audit_checkpoint(self, record: JSONObject) -> JSONObject:
        return self._call("POST", "/audit/checkpoints", record)
