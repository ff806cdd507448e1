"""The APIs iMChat calls: a user's cloud (conversations, messages) and the platform's groups and inbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from imegha_crypto import b64url_encode

from .cloud_tokens import CloudToken
from .documents import JSONObject
from .platform_api import ApiError, PlatformApi, call_json

PAGE = 500
HISTORY_GRANT_HEADER = "X-Imegha-History-Grant"


@dataclass
class UserCloudApi:
    """A user's cloud, as anyone signed in to the platform calls it with their token for that cloud; the cloud decides
    what the caller may see."""

    base_url: str
    token: CloudToken

    def _call(
        self, method: str, path: str, body: JSONObject | None = None, headers: dict[str, str] | None = None
    ) -> JSONObject:
        """The route's answer; one with no body is an empty object."""
        return (
            call_json(method, self.base_url.rstrip("/") + path, f"Bearer {self.token()}", body, headers=headers) or {}
        )

    def conversation(self, conversation_id: str) -> JSONObject | None:
        """The caller's view of this cloud's part of a conversation, or None if it holds nothing of it yet."""
        try:
            return self._call("GET", f"/conversations/{quote(conversation_id, safe='')}")
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    def save_conversation(self, conversation_id: str, document: JSONObject) -> JSONObject:
        return self._call("PUT", f"/conversations/{quote(conversation_id, safe='')}", document)

    def post(self, conversation_id: str, message: JSONObject, recipients: list[str]) -> JSONObject:
        return self._call(
            "POST",
            f"/conversations/{quote(conversation_id, safe='')}/messages",
            {"message": message, "recipients": recipients},
        )

    def messages(
        self,
        conversation_id: str,
        after: int = 0,
        limit: int = PAGE,
        *,
        every_page: bool = True,
        history_grant: JSONObject | None = None,
    ) -> JSONObject:
        """The messages after sequence ``after`` the caller may read here (every page of them, unless
        ``every_page`` is False), and the keys sent along; with a group admin's ``history_grant``, the history too."""
        path = f"/conversations/{quote(conversation_id, safe='')}/messages"
        headers = (
            None if history_grant is None else {HISTORY_GRANT_HEADER: b64url_encode(json.dumps(history_grant).encode())}
        )
        page = self._call("GET", f"{path}?{urlencode({'after': after, 'limit': limit})}", headers=headers)
        collected = page
        while every_page and page["more"]:
            page = self._call("GET", f"{path}?{urlencode({'after': page['next'], 'limit': limit})}", headers=headers)
            collected = {**page, "messages": collected["messages"] + page["messages"]}
        return collected


class ChatPlatformApi(PlatformApi):
    """The platform's REST API with its group and inbox routes."""

    def groups(self) -> list[JSONObject]:
        listed: list[JSONObject] = self._call("GET", "/groups")["groups"]
        return listed

    def create_group(self, request: JSONObject) -> JSONObject:
        return self._call("POST", "/groups", request)

    def group(self, group_id: str) -> JSONObject:
        return self._call("GET", f"/groups/{quote(group_id, safe='')}")

    def add_member(
        self, group_id: str, roster: JSONObject, copy: JSONObject, history: JSONObject | None = None
    ) -> JSONObject:
        """Add a member with the current epoch's key ``copy``; ``history``, if the admin shares it, is
        ``{"grant": …, "copies": {epoch: copy}}``."""
        body: JSONObject = {"roster": roster, "copy": copy}
        if history is not None:
            body["history"] = {
                "grant": history["grant"],
                "copies": {str(epoch): copy for epoch, copy in history["copies"].items()},
            }
        return self._call("POST", f"/groups/{quote(group_id, safe='')}/members", body)

    def remove_member(
        self, group_id: str, roster: JSONObject, copies: JSONObject, sealed_name: JSONObject
    ) -> JSONObject:
        """Remove a member (``roster``: the next one, without them) and start the next epoch with its key, one
        ``copies`` for each member who stays, in one request the platform commits whole."""
        return self._call(
            "POST",
            f"/groups/{quote(group_id, safe='')}/removals",
            {"roster": roster, "copies": copies, "sealedName": sealed_name},
        )

    def accept_group(self, group_id: str) -> JSONObject:
        """Say yes to a group one was added to: its messages ring this person from now on."""
        return self._call("POST", f"/groups/{quote(group_id, safe='')}/acceptance")

    def put_epoch_key(self, group_id: str, epoch: int, copies: JSONObject, sealed_name: JSONObject) -> JSONObject:
        return self._call(
            "PUT", f"/groups/{quote(group_id, safe='')}/epochs/{epoch}", {"copies": copies, "sealedName": sealed_name}
        )

    def notifications(self, after: str | None = None, limit: int = 50) -> JSONObject:
        query = {"limit": limit} | ({"after": after} if after else {})
        return self._call("GET", f"/notifications?{urlencode(query)}")
