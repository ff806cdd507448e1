"""The browser the browser tests run in: Debian's Chromium, headless, driven by Playwright, on a page that has loaded
the built module (web/dist/imegha-crypto.js) and can fetch the shared vectors (tests/vectors).

One browser and one page serve the whole session (make test installs chromium from apt; Playwright downloads no
browser). ``Page.run(body, **args)`` runs ``body`` as an async function of ``m`` (the module), ``args`` and
``state`` (an object that keeps CryptoKeys between calls) and returns its result, or raises ``BrowserError`` with
the name of the error the page threw (``DecryptionError``, ``FormatError``, …).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import pytest

import imegha_crypto as ic
from tests.browser.harness import missing, module_page

# An async function of the module, the arguments and the state; errors come back by name, not as exceptions.
_RUN = """async ([body, args]) => {
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  try {
    const result = await new AsyncFunction("m", "args", "state", body)(window.imegha, args, window.state);
    return { ok: result === undefined ? null : result };
  } catch (error) {
    return { error: String(error && error.name), message: String(error && error.message) };
  }
}"""


class BrowserError(Exception):
    """What the page threw: ``name`` is the error's name (``DecryptionError``, ``TypeError``, …)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class Page:
    def __init__(self, page: Any) -> None:
        self.page = page

    def run(self, body: str, /, **args: Any) -> Any:
        outcome = self.page.evaluate(_RUN, [body, args])
        if "error" in outcome:
            raise BrowserError(outcome["error"], outcome["message"])
        return outcome["ok"]


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Iterator[Page]:
    reason = missing()
    if reason:
        pytest.fail(reason)
    with module_page(chromium) as page:
        yield Page(page)


# --- The same keys and people on both sides -------------------------------------------------------------

KINDS = {
    "DEK": ic.DataKey,
    "FEK": ic.FileKey,
    "CK": ic.ConversationKey,
    "FK": ic.FolderKey,
    "AK": ic.AlbumKey,
    "AIK": ic.AIConversationKey,
    "GK": ic.GroupKey,
}
EPOCH = 4
WHERE = {"owner": "alice", "object": "file-7", "version": 3}
MOVED = {"owner": "alice", "object": "file-7", "version": 4}
PEOPLE = ("alice", "bob")
PASSWORD = "correct horse ☃ battery"
ITERATIONS = 100_000  # the schema's floor: the tests derive many KEKs

# Functions every browser snippet may use: contexts, keys and people by name, bytes as hex.
PRELUDE = """
const ctx = (c) => new m.Context(c.owner, c.object, c.version);
const key = (name) => state.keys[name];
const person = (name) => state.people[name];
const hex = (bytes) => m.toHex(new Uint8Array(bytes));
const exported = async (k) => hex(await crypto.subtle.exportKey("raw", k.aes));
// A stream's bytes, or its own error (Response.arrayBuffer() would turn it into a TypeError).
const drained = async (stream) => { const parts = []; for await (const part of stream) parts.push(part); return new Blob(parts).arrayBuffer(); };
"""


def context(fields: dict) -> ic.Context:
    return ic.Context(fields["owner"], fields["object"], fields["version"])


def symmetric(kind: str, secret: bytes) -> Any:
    return ic.GroupKey(secret, EPOCH) if kind == "GK" else KINDS[kind](secret)


@dataclasses.dataclass
class Person:
    identity: ic.IdentityPrivateKey
    exchange: ic.ExchangePrivateKey


@dataclasses.dataclass
class World:
    """The same keys on both sides: every kind twice (``other-`` is the wrong key), and two people."""

    keys: dict[str, Any]
    people: dict[str, Person]
    browser: Page

    def run(self, script: str, /, **args: Any) -> Any:
        return self.browser.run(PRELUDE + script, **args)


@pytest.fixture(scope="session")
def world(browser: Page) -> World:
    secrets = {f"{prefix}{kind}": os.urandom(32) for kind in KINDS for prefix in ("", "other-")}
    people = {name: Person(ic.IdentityPrivateKey.generate(), ic.ExchangePrivateKey.generate()) for name in PEOPLE}
    browser.run(
        """
        state.keys = {};
        for (const [name, secret] of Object.entries(args.secrets)) {
          const kind = name.replace("other-", "");
          state.keys[name] = await m.SymmetricKey.fromBytes(kind, m.fromHex(secret), { epoch: kind === "GK" ? args.epoch : undefined, extractable: true });
        }
        state.people = {};
        for (const [name, p] of Object.entries(args.people)) {
          state.people[name] = {
            identity: await m.IdentityPrivateKey.fromPkcs8(m.fromHex(p.identity), m.fromHex(p.identityPublic)),
            exchange: await m.ExchangePrivateKey.fromPkcs8(m.fromHex(p.exchange), m.fromHex(p.exchangePublic)),
          };
        }
        """,
        secrets={name: secret.hex() for name, secret in secrets.items()},
        epoch=EPOCH,
        people={
            name: {
                "identity": person.identity.secret_bytes().hex(),
                "identityPublic": person.identity.public_key.der.hex(),
                "exchange": person.exchange.secret_bytes().hex(),
                "exchangePublic": person.exchange.public_key.der.hex(),
            }
            for name, person in people.items()
        },
    )
    keys = {name: symmetric(name.removeprefix("other-"), secret) for name, secret in secrets.items()}
    return World(keys, people, browser)
