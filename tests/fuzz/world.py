"""The world the fuzzer sends requests into: the platform, Alice with a cloud holding a folder, an album, a file
shared with Bob, a conversation and a group; Bob, her connection, with a cloud; Carol, a stranger without one.

Requests go to the platform's API and to Alice's cloud, as raw HTTP through the local gateway, with one of the
callers below in the ``Authorization`` header: the platform's and each cloud's valid callers, and tokens that must
open nothing (lapsed, for another audience, forged, another issuer's, garbage, none).
"""

from __future__ import annotations

import http.client
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from imegha import accounts
from imegha.chat import Chat
from imegha.cloud_tokens import cloud_tokens
from imegha.group_chat import Groups
from imegha.library import Library
from imegha.sharing import Sharing
from imegha_local.cloud import LocalCloud
from imegha_local.people import Person, connect_everyone, endpoints_of, give_cloud, sign_up
from tests.fuzz.catalog import Api
from tests.integration.platform_tokens import signed_by_the_platform

FAST_KDF_ITERATIONS = 100_000
# Who may be asking. The valid ones per API; every other caller must be refused before any function runs.
CALLERS: dict[Api, tuple[str, ...]] = {
    "platform": ("alice", "bob", "carol", "lapsed", "forged", "cloud-token", "garbage", "none"),
    "cloud": ("owner", "peer", "stranger", "lapsed", "forged", "other-cloud", "cognito", "garbage", "none"),
}
VALID: dict[Api, frozenset[str]] = {
    "platform": frozenset({"alice", "bob", "carol"}),
    "cloud": frozenset({"owner", "peer", "stranger"}),
}
OWNER = "owner"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass
class FuzzWorld:
    cloud: LocalCloud
    people: dict[str, Person]
    ids: dict[str, str]
    """Ids that exist, by what they name ("alice", "group", "file", ...): path parameters worth trying."""
    _made: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:
        return f"FuzzWorld(ids={self.ids})"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """How hypothesis prints it in a failing example: the ids, not every account's keys."""
        printer.text(repr(self))

    def base_url(self, api: Api) -> str:
        alice = self.people["Alice"]
        if api == "platform":
            return alice.account.endpoints.platform_api_url
        assert alice.cloud is not None
        return alice.cloud.stack.outputs["CloudApiUrl"]

    def authorization(self, api: Api, caller: str, garbage: str) -> str | None:
        """The ``Authorization`` header of ``caller`` for ``api``; None for no header."""
        alice, bob, carol = (self.people[name] for name in ("Alice", "Bob", "Carol"))
        named = {"alice": alice, "bob": bob, "carol": carol, "owner": alice, "peer": bob, "stranger": carol}
        if caller == "none":
            return None
        if caller == "garbage":
            return garbage
        if api == "platform" and caller in named:
            return named[caller].account.live_session().id_token
        if api == "cloud" and caller in named:
            return "Bearer " + cloud_tokens(named[caller].account).token(alice.user_id)
        if caller == "cognito":
            return "Bearer " + alice.account.live_session().id_token
        if caller in ("cloud-token", "other-cloud"):
            return "Bearer " + cloud_tokens(alice.account).token(bob.user_id)
        return self._made_token(api, caller)

    def _made_token(self, api: Api, caller: str) -> str:
        """A lapsed or forged token with a valid caller's claims, made once per run."""
        if (api, caller) not in self._made:
            alice = self.people["Alice"]
            valid = (
                alice.account.live_session().id_token
                if api == "platform"
                else cloud_tokens(alice.account).token(alice.user_id)
            )
            claims = jwt.decode(valid, options={"verify_signature": False})
            header = jwt.get_unverified_header(valid)
            now = int(time.time())
            if caller == "forged":
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                token = jwt.encode(claims, key, algorithm="RS256", headers=header)
            elif api == "platform":  # lapsed, signed by the local Cognito's own key
                cognito_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
                token = jwt.encode(claims | {"iat": now - 7200, "exp": now - 3600}, cognito_key, "RS256", header)
            else:
                lapsed = claims | {"iat": now - 400, "exp": now - 100, "jti": str(uuid.uuid4())}
                token = signed_by_the_platform(self.cloud, lapsed)
            self._made[(api, caller)] = token if api == "platform" else "Bearer " + token  # type: ignore[index]
        return self._made[(api, caller)]  # type: ignore[index]

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Answer:
        """One raw HTTP request to the local gateway, on a kept-alive connection (opened again if it broke)."""
        where = urlsplit(url)
        target = where.path + (f"?{where.query}" if where.query else "")
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
            try:
                self._connection.request(method, target, body=body, headers=headers)
                response = self._connection.getresponse()
                answer = Answer(response.status, response.getheader("Content-Type") or "", response.read())
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return answer
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def build_world(local_cloud: LocalCloud, home: Path) -> FuzzWorld:
    endpoints = endpoints_of(local_cloud, home / "endpoints.json")
    people = {name: sign_up(endpoints, name, f"{name}'s own long password") for name in ("Alice", "Bob", "Carol")}
    for name in ("Alice", "Bob"):
        give_cloud(local_cloud, people[name])
    connect_everyone({name: people[name] for name in ("Alice", "Bob")})
    alice = people["Alice"].account
    library = Library(alice)
    folder = library.create("folder", "Invoices")
    album = library.create("album", "Summer")
    document = home / "invoice.txt"
    document.write_text("an invoice")
    stored = library.put(document, folder=folder)
    library.add_to_album(album, stored)
    share = Sharing(alice).share(stored, "Bob")
    chat = Chat(alice)
    line = chat.send("Bob", "hello")
    group = Groups(chat).create("Team", ["Bob"])
    ids = {
        "alice": people["Alice"].user_id,
        "bob": people["Bob"].user_id,
        "carol": people["Carol"].user_id,
        "folder": folder.collection_id,
        "album": album.collection_id,
        "file": stored.file_id,
        "share": share["shareId"],
        "conversation": line.conversation_id,
        "group": group.group_id,
        "imtag": "Bob",
    }
    return FuzzWorld(local_cloud, people, ids)


@pytest.fixture(scope="module")
def world(local_cloud, platform, tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMEGHA_HOME", str(home))
        patch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
        built = build_world(local_cloud, home)
        yield built
        built.close()
        for someone in built.people.values():
            someone.account.log_out()
