"""Every format of layers/crypto/README.md both ways between imegha_crypto and the browser's module: what one side
makes, the other opens, and both refuse it tampered, truncated, moved to another context, or under the wrong key.

Each format below makes its artifact on either side and opens it on either side with parameters both sides read
the same way (a context, the name of a key, the name of a person), so every maker meets every opener.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import pytest

import imegha_crypto as ic
from imegha_crypto.errors import CryptoError
from tests.browser.conftest import EPOCH, ITERATIONS, KINDS, MOVED, PASSWORD, WHERE, BrowserError, World, context

pytestmark = pytest.mark.xdist_group("browser")

GROUP = "grp-" + "ab" * 16


def flip_b64(text: str, position: int = 8) -> str:
    """The same base64url with one character changed, still canonical (the middle of a field)."""
    replacement = "B" if text[position] != "B" else "C"
    return text[:position] + replacement + text[position + 1 :]


class Format:
    """A format: how each side makes it and opens it, and how it is tampered with and truncated."""

    ids: ClassVar[str]
    # The opening parameters of each case; tampered and truncated open with the genuine ones.
    cases: ClassVar[dict[str, dict[str, Any]]]

    def make_python(self, world: World) -> Any:
        raise NotImplementedError

    def make_browser(self, world: World) -> Any:
        raise NotImplementedError

    def open_python(self, world: World, artifact: Any, **params: Any) -> Any:
        raise NotImplementedError

    def open_browser(self, world: World, artifact: Any, **params: Any) -> Any:
        raise NotImplementedError

    def tampered(self, artifact: Any) -> Any:
        raise NotImplementedError

    def truncated(self, artifact: Any) -> Any:
        raise NotImplementedError


class Envelope(Format):
    """An envelope whose ciphertext is its ``ct``: tampered with in the middle, truncated at the end."""

    def tampered(self, artifact):
        return {**artifact, "ct": flip_b64(artifact["ct"])}

    def truncated(self, artifact):
        return {**artifact, "ct": artifact["ct"][:-4]}


class WrappedKey(Envelope):
    def __init__(self, kind: str, wrapper: str) -> None:
        self.kind, self.wrapper = kind, wrapper
        self.ids = f"wrapped-key-{kind}-under-{wrapper}"
        self.cases = {
            "genuine": {"context": WHERE, "key": wrapper},
            "moved": {"context": MOVED, "key": wrapper},
            "wrong-key": {"context": WHERE, "key": f"other-{wrapper}"},
        }

    def make_python(self, world):
        return ic.wrap_key(world.keys[self.kind], wrapping_key=world.keys[self.wrapper], context=context(WHERE))

    def make_browser(self, world):
        return world.run(
            "return m.wrapKey(key(args.kind), { wrappingKey: key(args.wrapper), context: ctx(args.where) });",
            kind=self.kind,
            wrapper=self.wrapper,
            where=WHERE,
        )

    def open_python(self, world, artifact, *, context: dict, key: str):
        opened = ic.unwrap_key(
            artifact, KINDS[self.kind], unwrapping_key=world.keys[key], context=globals()["context"](context)
        )
        return [opened.secret_bytes().hex(), getattr(opened, "epoch", None)]

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const k = await m.unwrapKey(args.artifact, args.kind, { unwrappingKey: key(args.key), context: ctx(args.context), extractable: true });
            return [await exported(k), k.epoch ?? null];
            """,
            artifact=artifact,
            kind=self.kind,
            **params,
        )

    def expected(self, world, artifact):
        return [world.keys[self.kind].secret_bytes().hex(), EPOCH if self.kind == "GK" else None]


class RecipientWrappedKey(WrappedKey):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ids = f"recipient-wrapped-key-{kind}"
        self.cases = {
            "genuine": {"context": WHERE, "person": "bob"},
            "moved": {"context": MOVED, "person": "bob"},
            "wrong-key": {"context": WHERE, "person": "alice"},
        }

    def make_python(self, world):
        return ic.wrap_key(
            world.keys[self.kind], wrapping_key=world.people["bob"].exchange.public_key, context=context(WHERE)
        )

    def make_browser(self, world):
        return world.run(
            "return m.wrapKey(key(args.kind), { wrappingKey: person('bob').exchange.publicKey, context: ctx(args.where) });",
            kind=self.kind,
            where=WHERE,
        )

    def open_python(self, world, artifact, *, context: dict, person: str):
        opened = ic.unwrap_key(
            artifact,
            KINDS[self.kind],
            unwrapping_key=world.people[person].exchange,
            context=globals()["context"](context),
        )
        return [opened.secret_bytes().hex(), getattr(opened, "epoch", None)]

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const k = await m.unwrapKey(args.artifact, args.kind, { unwrappingKey: person(args.person).exchange, context: ctx(args.context), extractable: true });
            return [await exported(k), k.epoch ?? null];
            """,
            artifact=artifact,
            kind=self.kind,
            **params,
        )


class SealedData(Envelope):
    PLAINTEXT = "scan.pdf, 1 page: ünïcødé ✓".encode()

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ids = f"sealed-data-{kind}"
        self.cases = {
            "genuine": {"context": WHERE, "key": kind},
            "moved": {"context": MOVED, "key": kind},
            "wrong-key": {"context": WHERE, "key": f"other-{kind}"},
        }

    def make_python(self, world):
        return ic.seal_data(world.keys[self.kind], self.PLAINTEXT, context(WHERE))

    def make_browser(self, world):
        return world.run(
            "return m.sealData(key(args.kind), m.fromHex(args.plaintext), ctx(args.where));",
            kind=self.kind,
            plaintext=self.PLAINTEXT.hex(),
            where=WHERE,
        )

    def open_python(self, world, artifact, *, context: dict, key: str):
        return ic.open_data(world.keys[key], artifact, globals()["context"](context)).hex()

    def open_browser(self, world, artifact, **params):
        return world.run(
            "return hex(await m.openData(key(args.key), args.artifact, ctx(args.context)));",
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return self.PLAINTEXT.hex()


class SealedFile(Format):
    def __init__(self, size: int) -> None:
        self.size = size
        self.plaintext = bytes(index % 253 for index in range(size))
        self.ids = f"sealed-file-{size}B"
        self.cases = {
            "genuine": {"context": WHERE, "key": "FEK"},
            "moved": {"context": MOVED, "key": "FEK"},
            "wrong-key": {"context": WHERE, "key": "other-FEK"},
        }

    def make_python(self, world):
        import io

        sealed = io.BytesIO()
        ic.seal_file(world.keys["FEK"], io.BytesIO(self.plaintext), sealed, context(WHERE))
        return sealed.getvalue().hex()

    def make_browser(self, world):
        return world.run(
            """
            const sealed = new Blob([m.fromHex(args.plaintext)]).stream().pipeThrough(m.sealFileStream(key("FEK"), ctx(args.where)));
            return hex(await drained(sealed));
            """,
            plaintext=self.plaintext.hex(),
            where=WHERE,
        )

    def open_python(self, world, artifact, *, context: dict, key: str):
        import io

        opened = io.BytesIO()
        ic.open_file(world.keys[key], io.BytesIO(bytes.fromhex(artifact)), opened, globals()["context"](context))
        return opened.getvalue().hex()

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const opened = new Blob([m.fromHex(args.artifact)]).stream().pipeThrough(m.openFileStream(key(args.key), ctx(args.context)));
            return hex(await drained(opened));
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return self.plaintext.hex()

    def tampered(self, artifact):
        middle = len(artifact) // 4 * 2
        return artifact[:middle] + f"{int(artifact[middle : middle + 2], 16) ^ 1:02x}" + artifact[middle + 2 :]

    def truncated(self, artifact):
        return artifact[:-10]


class SignedRecord(Format):
    ids = "signed-record-share"
    BODY = {"file": "file-7", "version": 3, "to": "bob", "note": 'naïve "quoted"\n', "tags": [1, None, True]}
    cases = {
        "genuine": {"type": "share", "signer": "alice"},
        "moved": {"type": "message", "signer": "alice"},
        "wrong-key": {"type": "share", "signer": "bob"},
    }

    def make_python(self, world):
        return ic.sign_record(world.people["alice"].identity, "share", self.BODY)

    def make_browser(self, world):
        return world.run("return m.signRecord(person('alice').identity, 'share', args.body);", body=self.BODY)

    def open_python(self, world, artifact, *, type: str, signer: str):
        return ic.verify_record(artifact, type, world.people[signer].identity.public_key)

    def open_browser(self, world, artifact, **params):
        return world.run(
            "return m.verifyRecord(args.artifact, args.type, person(args.signer).identity.publicKey);",
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return self.BODY

    def tampered(self, artifact):
        return {**artifact, "body": {**artifact["body"], "to": "mallory"}}

    def truncated(self, artifact):
        return {**artifact, "sig": artifact["sig"][:-2]}


class KeyStatement(Format):
    ids = "key-statement"
    cases = {
        "genuine": {"user": "alice", "pinned": "alice"},
        "moved": {"user": "bob", "pinned": "alice"},
        "wrong-key": {"user": "alice", "pinned": "bob"},
    }
    OPTIONS = {"cloud_url": "https://alice.example/api", "sequence": 7, "cloud_confirmed": "stack"}

    def make_python(self, world):
        alice = world.people["alice"]
        return ic.sign_key_statement(
            alice.identity, user_id="alice", exchange_key=alice.exchange.public_key, **self.OPTIONS
        )

    def make_browser(self, world):
        return world.run(
            """
            const alice = person("alice");
            return m.signKeyStatement(alice.identity, { userId: "alice", exchangeKey: alice.exchange.publicKey, cloudUrl: args.url, sequence: 7, cloudConfirmed: "stack" });
            """,
            url=self.OPTIONS["cloud_url"],
        )

    def open_python(self, world, artifact, *, user: str, pinned: str):
        statement = ic.verify_key_statement(
            artifact, user_id=user, pinned_identity=world.people[pinned].identity.public_key, min_sequence=7
        )
        return [
            statement.user_id,
            statement.exchange_key.fingerprint.hex,
            statement.identity_key.fingerprint.hex,
            statement.cloud_url,
            statement.sequence,
            statement.cloud_confirmed,
        ]

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const s = await m.verifyKeyStatement(args.artifact, { userId: args.user, pinnedIdentity: person(args.pinned).identity.publicKey, minSequence: 7 });
            return [s.userId, s.exchangeKey.fingerprint.hex, s.identityKey.fingerprint.hex, s.cloudUrl, s.sequence, s.cloudConfirmed];
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        alice = world.people["alice"]
        return [
            "alice",
            alice.exchange.public_key.fingerprint.hex,
            alice.identity.public_key.fingerprint.hex,
            "https://alice.example/api",
            7,
            "stack",
        ]

    def tampered(self, artifact):
        return {**artifact, "body": {**artifact["body"], "cloudUrl": "https://mallory.example/api"}}

    def truncated(self, artifact):
        return {
            **artifact,
            "body": {name: value for name, value in artifact["body"].items() if name != "cloudConfirmed"},
        }


class Message(Format):
    TEXT = "héllo 👋, see you at 10"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ids = f"message-{kind}"
        self.cases = {
            "genuine": {"conversation": GROUP, "key": kind},
            "moved": {"conversation": "grp-" + "cd" * 16, "key": kind},
            "wrong-key": {"conversation": GROUP, "key": f"other-{kind}"},
        }

    def make_python(self, world):
        return ic.seal_message(
            world.keys[self.kind],
            world.people["alice"].identity,
            conversation_id=GROUP,
            sender="alice",
            sequence=7,
            text=self.TEXT,
            sent_at="2025-11-23T10:00:00Z",
        )

    def make_browser(self, world):
        return world.run(
            """
            return m.sealMessage(key(args.kind), person("alice").identity,
              { conversationId: args.group, sender: "alice", sequence: 7, text: args.text, sentAt: "2025-11-23T10:00:00Z" });
            """,
            kind=self.kind,
            group=GROUP,
            text=self.TEXT,
        )

    def open_python(self, world, artifact, *, conversation: str, key: str):
        message = ic.open_message(
            artifact,
            world.keys[key],
            sender_identity=world.people["alice"].identity.public_key,
            conversation_id=conversation,
            sender="alice",
        )
        return [message.text, message.sequence, message.sent_at, message.epoch]

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const message = await m.openMessage(args.artifact, key(args.key),
              { senderIdentity: person("alice").identity.publicKey, conversationId: args.conversation, sender: "alice" });
            return [message.text, message.sequence, message.sentAt, message.epoch];
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return [self.TEXT, 7, "2025-11-23T10:00:00Z", EPOCH if self.kind == "GK" else None]

    def tampered(self, artifact):
        sealed = artifact["body"]["sealed"]
        return {**artifact, "body": {**artifact["body"], "sealed": {**sealed, "ct": flip_b64(sealed["ct"])}}}

    def truncated(self, artifact):
        sealed = artifact["body"]["sealed"]
        return {**artifact, "body": {**artifact["body"], "sealed": {**sealed, "ct": sealed["ct"][:-4]}}}


class RosterChain(Format):
    ids = "group-roster-chain"
    MEMBERS = [{"userId": "alice", "iMTag": "@alice"}, {"userId": "bob", "iMTag": "@bob"}]
    CAROL = {"userId": "carol", "iMTag": "@carol"}
    cases = {
        "genuine": {"group": GROUP, "admin": "alice"},
        "moved": {"group": "grp-" + "cd" * 16, "admin": "alice"},
        "wrong-key": {"group": GROUP, "admin": "bob"},
    }

    def make_python(self, world):
        admin = world.people["alice"].identity
        first = ic.sign_roster(admin, group_id=GROUP, admin="alice", members=[*self.MEMBERS, self.CAROL], previous=None)
        second = ic.sign_roster(
            admin, group_id=GROUP, admin="alice", members=self.MEMBERS, previous=first, departed={"carol": 12}
        )
        third = ic.sign_roster(
            admin, group_id=GROUP, admin="alice", members=self.MEMBERS[:1], previous=second, departed={"bob": None}
        )
        return [first, second, third]

    def make_browser(self, world):
        return world.run(
            """
            const admin = person("alice").identity;
            const first = await m.signRoster(admin, { groupId: args.group, admin: "alice", members: [...args.members, args.carol], previous: null });
            const second = await m.signRoster(admin, { groupId: args.group, admin: "alice", members: args.members, previous: first, departed: { carol: 12 } });
            const third = await m.signRoster(admin, { groupId: args.group, admin: "alice", members: args.members.slice(0, 1), previous: second, departed: { bob: null } });
            return [first, second, third];
            """,
            group=GROUP,
            members=self.MEMBERS,
            carol=self.CAROL,
        )

    def open_python(self, world, artifact, *, group: str, admin: str):
        roster = ic.verify_roster_chain(
            artifact, group_id=group, admin_identity=world.people[admin].identity.public_key
        )
        return [roster.version, roster.admin, list(roster.members), dict(roster.departed)]

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const roster = await m.verifyRosterChain(args.artifact, { groupId: args.group, adminIdentity: person(args.admin).identity.publicKey });
            return [roster.version, roster.admin, roster.members, roster.departed];
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return [3, "alice", self.MEMBERS[:1], {"carol": 12, "bob": None}]

    def tampered(self, artifact):
        second = copy.deepcopy(artifact[1])
        second["body"]["members"].append({"userId": "mallory", "iMTag": "@mallory"})
        return [artifact[0], second]

    def truncated(self, artifact):
        return artifact[1:]


class KeyGrant(Format):
    ids = "key-grant"
    cases = {
        "genuine": {"member": "bob", "maker": "alice"},
        "moved": {"member": "carol", "maker": "alice"},
        "wrong-key": {"member": "bob", "maker": "bob"},
    }

    def make_python(self, world):
        copy_ = ic.wrap_key(
            world.keys["GK"],
            wrapping_key=world.people["bob"].exchange.public_key,
            context=ic.group_key_context(GROUP, "bob", EPOCH),
        )
        grant = ic.sign_key_grant(
            world.people["alice"].identity, conversation_id=GROUP, version=EPOCH, member="bob", copy=copy_
        )
        return {"grant": grant, "copy": copy_}

    def make_browser(self, world):
        return world.run(
            """
            const copy = await m.wrapKey(key("GK"), { wrappingKey: person("bob").exchange.publicKey, context: m.groupKeyContext(args.group, "bob", args.epoch) });
            const grant = await m.signKeyGrant(person("alice").identity, { conversationId: args.group, version: args.epoch, member: "bob", copy });
            return { grant, copy };
            """,
            group=GROUP,
            epoch=EPOCH,
        )

    def open_python(self, world, artifact, *, member: str, maker: str):
        ic.verify_key_grant(
            artifact["grant"],
            artifact["copy"],
            maker_identity=world.people[maker].identity.public_key,
            conversation_id=GROUP,
            version=EPOCH,
            member=member,
        )
        opened = ic.unwrap_key(
            artifact["copy"],
            ic.GroupKey,
            unwrapping_key=world.people["bob"].exchange,
            context=ic.group_key_context(GROUP, member, EPOCH),
        )
        return opened.secret_bytes().hex()

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            await m.verifyKeyGrant(args.artifact.grant, args.artifact.copy,
              { makerIdentity: person(args.maker).identity.publicKey, conversationId: args.group, version: args.epoch, member: args.member });
            const k = await m.unwrapKey(args.artifact.copy, "GK",
              { unwrappingKey: person("bob").exchange, context: m.groupKeyContext(args.group, args.member, args.epoch), extractable: true });
            return exported(k);
            """,
            artifact=artifact,
            group=GROUP,
            epoch=EPOCH,
            **params,
        )

    def expected(self, world, artifact):
        return world.keys["GK"].secret_bytes().hex()

    def tampered(self, artifact):
        return {**artifact, "copy": {**artifact["copy"], "ct": flip_b64(artifact["copy"]["ct"])}}

    def truncated(self, artifact):
        return {**artifact, "grant": {**artifact["grant"], "sig": artifact["grant"]["sig"][:-2]}}


class HistoryGrant(Format):
    ids = "group-history"
    cases = {
        "genuine": {"member": "bob", "admin": "alice"},
        "moved": {"member": "carol", "admin": "alice"},
        "wrong-key": {"member": "bob", "admin": "bob"},
    }

    def make_python(self, world):
        return ic.sign_history_grant(world.people["alice"].identity, group_id=GROUP, member="bob", through_epoch=EPOCH)

    def make_browser(self, world):
        return world.run(
            "return m.signHistoryGrant(person('alice').identity, { groupId: args.group, member: 'bob', throughEpoch: args.epoch });",
            group=GROUP,
            epoch=EPOCH,
        )

    def open_python(self, world, artifact, *, member: str, admin: str):
        return ic.verify_history_grant(
            artifact, admin_identity=world.people[admin].identity.public_key, group_id=GROUP, member=member
        )

    def open_browser(self, world, artifact, **params):
        return world.run(
            "return m.verifyHistoryGrant(args.artifact, { adminIdentity: person(args.admin).identity.publicKey, groupId: args.group, member: args.member });",
            artifact=artifact,
            group=GROUP,
            **params,
        )

    def expected(self, world, artifact):
        return EPOCH

    def tampered(self, artifact):
        return {**artifact, "body": {**artifact["body"], "throughEpoch": EPOCH + 1}}

    def truncated(self, artifact):
        return {**artifact, "sig": artifact["sig"][:-2]}


class SignedRequest(Format):
    ids = "request"
    BODY = b'{"action":"destroy"}'
    NONCE = "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    cases = {
        "genuine": {"path": "/deployments", "signer": "alice"},
        "moved": {"path": "/me/keys", "signer": "alice"},
        "wrong-key": {"path": "/deployments", "signer": "bob"},
    }

    def make_python(self, world):
        return {
            "header": ic.sign_request(
                world.people["alice"].identity,
                method="POST",
                path="/deployments",
                body=self.BODY,
                user_id="alice",
                nonce=self.NONCE,
            ),
            "body": self.BODY.hex(),
        }

    def make_browser(self, world):
        header = world.run(
            """
            return m.signRequest(person("alice").identity, { method: "POST", path: "/deployments", body: m.fromHex(args.body), userId: "alice", nonce: args.nonce });
            """,
            body=self.BODY.hex(),
            nonce=self.NONCE,
        )
        return {"header": header, "body": self.BODY.hex()}

    def open_python(self, world, artifact, *, path: str, signer: str):
        return ic.verify_request(
            artifact["header"],
            world.people[signer].identity.public_key,
            method="POST",
            path=path,
            body=bytes.fromhex(artifact["body"]),
            user_id="alice",
        )

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            return m.verifyRequest(args.artifact.header, person(args.signer).identity.publicKey,
              { method: "POST", path: args.path, body: m.fromHex(args.artifact.body), userId: "alice" });
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return self.NONCE

    def tampered(self, artifact):
        return {**artifact, "body": b'{"action":"keep"}'.hex()}

    def truncated(self, artifact):
        return {**artifact, "header": artifact["header"][:-2]}


class AuditChain(Format):
    """Entries and the head the log's table names; the reader keeps a checkpoint (entry 2) from an earlier read."""

    ids = "audit-chain"
    RECORDS = [
        {"action": "file.upload", "at": "2025-11-23T10:00:00Z", "detail": {"file": "file-7", "size": 9}},
        {"action": "share.add", "at": "2025-11-23T10:01:00Z", "detail": {"to": "bob", "note": "ça va"}},
        {"action": "file.delete", "at": "2025-11-23T10:02:00Z", "detail": {"file": "file-7", "versions": [1, 2]}},
    ]
    cases = {
        "genuine": {"checkpoint": "own", "head": "own"},
        "moved": {"checkpoint": "another log's", "head": "own"},
        "wrong-key": {"checkpoint": "own", "head": "forged"},
    }

    def make_python(self, world):
        entries, previous = [], ic.AUDIT_GENESIS
        for seq, record in enumerate(self.RECORDS, start=1):
            entry = {"seq": seq, "prev": previous, **record}
            entry["hash"] = previous = ic.audit_digest(entry)
            entries.append(entry)
        return {"entries": entries, "head": {"seq": 3, "hash": previous}}

    def make_browser(self, world):
        return world.run(
            """
            const entries = [];
            let previous = m.AUDIT_GENESIS;
            for (const [index, record] of args.records.entries()) {
              const entry = { seq: index + 1, prev: previous, ...record };
              entry.hash = previous = await m.auditDigest(entry);
              entries.push(entry);
            }
            return { entries, head: { seq: 3, hash: previous } };
            """,
            records=self.RECORDS,
        )

    @staticmethod
    def shown(artifact: dict, checkpoint: str, head: str) -> tuple[dict, dict]:
        """The head the reader is shown and the checkpoint it kept (or another log's, or a forged head)."""
        kept = {"seq": 2, "hash": artifact["entries"][1]["hash"] if checkpoint == "own" else "e" * 64}
        return ({**artifact["head"], "hash": "f" * 64} if head == "forged" else artifact["head"]), kept

    def open_python(self, world, artifact, **params):
        head, kept = self.shown(artifact, **params)
        return ic.verify_audit_chain(
            artifact["entries"], ic.AuditHead(**head), checkpoints=[ic.AuditHead(**kept)]
        ).as_json()

    def open_browser(self, world, artifact, **params):
        head, kept = self.shown(artifact, **params)
        return world.run(
            "return m.verifyAuditChain(args.entries, args.head, [args.kept]);",
            entries=artifact["entries"],
            head=head,
            kept=kept,
        )

    def expected(self, world, artifact):
        return artifact["head"]

    def tampered(self, artifact):
        edited = copy.deepcopy(artifact)
        edited["entries"][1]["detail"]["to"] = "mallory"
        return edited

    def truncated(self, artifact):
        return {**artifact, "entries": artifact["entries"][:-1]}


class AuditCheckpoint(Format):
    ids = "audit-checkpoint"
    HEAD = {"seq": 12, "hash": "3a7f09c2" * 8}
    SIGNED_AT = "2026-12-05T02:40:00+00:00"
    cases = {
        "genuine": {"user": "alice", "signer": "alice"},
        "moved": {"user": "bob", "signer": "alice"},
        "wrong-key": {"user": "alice", "signer": "bob"},
    }

    def make_python(self, world):
        return ic.sign_audit_checkpoint(
            world.people["alice"].identity, user_id="alice", head=ic.AuditHead(**self.HEAD), signed_at=self.SIGNED_AT
        )

    def make_browser(self, world):
        return world.run(
            "return m.signAuditCheckpoint(person('alice').identity, { userId: 'alice', head: args.head, signedAt: args.at });",
            head=self.HEAD,
            at=self.SIGNED_AT,
        )

    def open_python(self, world, artifact, *, user: str, signer: str):
        checkpoint = ic.verify_audit_checkpoint(
            artifact, user_id=user, identity=world.people[signer].identity.public_key
        )
        return checkpoint.as_json()

    def open_browser(self, world, artifact, **params):
        return world.run(
            """
            const checkpoint = await m.verifyAuditCheckpoint(args.artifact, { userId: args.user, identity: person(args.signer).identity.publicKey });
            return { ...checkpoint.head, signedAt: checkpoint.signedAt };
            """,
            artifact=artifact,
            **params,
        )

    def expected(self, world, artifact):
        return {**self.HEAD, "signedAt": self.SIGNED_AT}

    def tampered(self, artifact):
        return {**artifact, "body": {**artifact["body"], "seq": 13}}

    def truncated(self, artifact):
        return {**artifact, "body": {name: value for name, value in artifact["body"].items() if name != "signedAt"}}


class AccountKeys(Format):
    """The account-keys bundle opened with the password (KEK from PBKDF2: password-wrapped-key, then the private keys'
    wrapped-keys); the maker adds an FEK under the new DEK and one for the new RSA key, which the opener opens."""

    ids = "account-keys-by-password"
    cases = {
        "genuine": {"user": "alice", "password": PASSWORD},
        "moved": {"user": "bob", "password": PASSWORD},
        "wrong-key": {"user": "alice", "password": PASSWORD + "!"},
    }

    def make_python(self, world):
        account = ic.create_account("alice", PASSWORD, iterations=ITERATIONS)
        exchange = account.keys.exchange_key.public_key
        return {
            "bundle": account.bundle,
            "phrase": account.recovery_phrase,
            "wrappedFek": ic.wrap_key(world.keys["FEK"], wrapping_key=account.keys.data_key, context=context(WHERE)),
            "forMe": ic.wrap_key(world.keys["FEK"], wrapping_key=exchange, context=context(WHERE)),
        }

    def make_browser(self, world):
        return world.run(
            """
            const account = await m.createAccount("alice", args.password, { iterations: args.iterations });
            return {
              bundle: account.bundle, phrase: account.recoveryPhrase,
              wrappedFek: await m.wrapKey(key("FEK"), { wrappingKey: account.keys.dataKey, context: ctx(args.where) }),
              forMe: await m.wrapKey(key("FEK"), { wrappingKey: account.keys.exchangeKey.publicKey, context: ctx(args.where) }),
            };
            """,
            password=PASSWORD,
            iterations=ITERATIONS,
            where=WHERE,
        )

    @staticmethod
    def proof_python(keys: ic.AccountKeys, artifact: dict) -> list:
        """What the opened keys do: their public keys, the FEK under the DEK and for the RSA key, a signature."""
        record = ic.sign_record(keys.identity_key, "proof", {"n": 1})
        identity = ic.IdentityPublicKey(ic.b64url_decode(artifact["bundle"]["identityKey"]))
        return [
            keys.identity_key.public_key.fingerprint.hex,
            keys.exchange_key.public_key.fingerprint.hex,
            ic.unwrap_key(artifact["wrappedFek"], ic.FileKey, unwrapping_key=keys.data_key, context=context(WHERE))
            .secret_bytes()
            .hex(),
            ic.unwrap_key(artifact["forMe"], ic.FileKey, unwrapping_key=keys.exchange_key, context=context(WHERE))
            .secret_bytes()
            .hex(),
            ic.verify_record(record, "proof", identity),
        ]

    PROOF_BROWSER = """
    async function proof(keys, artifact) {
      const record = await m.signRecord(keys.identityKey, "proof", { n: 1 });
      const identity = await m.IdentityPublicKey.fromDer(m.b64urlDecode(artifact.bundle.identityKey));
      const opened = (envelope, unwrappingKey) => m.unwrapKey(envelope, "FEK", { unwrappingKey, context: ctx(args.where), extractable: true });
      return [
        keys.identityKey.publicKey.fingerprint.hex, keys.exchangeKey.publicKey.fingerprint.hex,
        await exported(await opened(artifact.wrappedFek, keys.dataKey)), await exported(await opened(artifact.forMe, keys.exchangeKey)),
        await m.verifyRecord(record, "proof", identity),
      ];
    }
    """

    def open_python(self, world, artifact, *, user: str, password: str):
        return self.proof_python(ic.open_account(artifact["bundle"], user, password), artifact)

    def open_browser(self, world, artifact, **params):
        return world.run(
            self.PROOF_BROWSER
            + "return proof(await m.openAccount(args.artifact.bundle, args.user, args.password), args.artifact);",
            artifact=artifact,
            where=WHERE,
            **params,
        )

    def expected(self, world, artifact):
        bundle = artifact["bundle"]
        fingerprints = [
            ic.Fingerprint.of(ic.b64url_decode(bundle[name])).hex for name in ("identityKey", "exchangeKey")
        ]
        return [*fingerprints, world.keys["FEK"].secret_bytes().hex(), world.keys["FEK"].secret_bytes().hex(), {"n": 1}]

    def tampered(self, artifact):
        bundle = artifact["bundle"]
        wrapped = bundle["wrappedIdentityKey"]
        return {**artifact, "bundle": {**bundle, "wrappedIdentityKey": {**wrapped, "ct": flip_b64(wrapped["ct"])}}}

    def truncated(self, artifact):
        bundle = artifact["bundle"]
        wrapped = bundle["passwordWrappedDek"]
        return {**artifact, "bundle": {**bundle, "passwordWrappedDek": {**wrapped, "ct": wrapped["ct"][:-4]}}}


class RecoveryWrappedKey(AccountKeys):
    """The same bundle recovered with the 24 words (recovery-wrapped-key), rewrapped for a new password and opened."""

    ids = "account-keys-by-recovery-phrase"
    ANOTHER_PHRASE = "abandon " * 23 + "art"
    cases = {
        "genuine": {"user": "alice", "phrase": "its own"},
        "moved": {"user": "bob", "phrase": "its own"},
        "wrong-key": {"user": "alice", "phrase": ANOTHER_PHRASE},
    }

    @staticmethod
    def phrase(artifact: dict, phrase: str) -> str:
        # Case and spacing do not matter to either side.
        return "  " + artifact["phrase"].upper().replace(" ", "\n ") if phrase == "its own" else phrase

    def open_python(self, world, artifact, *, user: str, phrase: str):
        recovered = ic.recover_account(
            artifact["bundle"], user, self.phrase(artifact, phrase), "new password", iterations=ITERATIONS
        )
        return self.proof_python(ic.open_account(recovered.bundle, user, "new password"), artifact)

    def open_browser(self, world, artifact, *, user: str, phrase: str):
        return world.run(
            self.PROOF_BROWSER
            + """
            const recovered = await m.recoverAccount(args.artifact.bundle, args.user, args.phrase, "new password", { iterations: args.iterations });
            return proof(await m.openAccount(recovered.bundle, args.user, "new password"), args.artifact);
            """,
            artifact=artifact,
            where=WHERE,
            user=user,
            phrase=self.phrase(artifact, phrase),
            iterations=ITERATIONS,
        )

    def tampered(self, artifact):
        bundle = artifact["bundle"]
        wrapped = bundle["recoveryWrappedDek"]
        return {**artifact, "bundle": {**bundle, "recoveryWrappedDek": {**wrapped, "ct": flip_b64(wrapped["ct"])}}}

    def truncated(self, artifact):
        return {**artifact, "phrase": artifact["phrase"].rsplit(" ", 1)[0]}


FORMATS: list[Format] = [
    *(WrappedKey(kind, "DEK") for kind in ("FEK", "CK", "FK", "AK", "AIK", "GK")),
    WrappedKey("FEK", "FK"),
    WrappedKey("FK", "FK"),
    WrappedKey("FEK", "AK"),
    *(RecipientWrappedKey(kind) for kind in ("FEK", "FK", "AK", "CK", "GK")),
    *(SealedData(kind) for kind in ("FEK", "CK", "FK", "AK", "AIK", "GK")),
    *(SealedFile(size) for size in (0, 5, 16 * 1024, 3 * 16 * 1024 + 9)),
    SignedRecord(),
    KeyStatement(),
    Message("CK"),
    Message("GK"),
    RosterChain(),
    KeyGrant(),
    HistoryGrant(),
    SignedRequest(),
    AuditChain(),
    AuditCheckpoint(),
    AccountKeys(),
    RecoveryWrappedKey(),
]
SIDES = ("python", "browser")
REFUSALS = {"DecryptionError", "FormatError", "SignatureError", "ChainError", "RecoveryPhraseError"}


@pytest.fixture(scope="module")
def made(world: World) -> Any:
    """Each format's artifact from each side, made once."""
    artifacts: dict[tuple[str, str], Any] = {}

    def artifact(fmt: Format, maker: str) -> Any:
        if (fmt.ids, maker) not in artifacts:
            make = fmt.make_python if maker == "python" else fmt.make_browser
            artifacts[fmt.ids, maker] = make(world)
        return copy.deepcopy(artifacts[fmt.ids, maker])

    return artifact


def opened(world: World, fmt: Format, side: str, artifact: Any, params: dict) -> Any:
    return (fmt.open_python if side == "python" else fmt.open_browser)(world, artifact, **params)


@pytest.mark.parametrize("maker", SIDES, ids=lambda side: f"made-in-{side}")
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.ids)
def test_what_either_side_makes_both_sides_open(world, made, fmt, maker):
    artifact = made(fmt, maker)

    assert opened(world, fmt, "python", artifact, fmt.cases["genuine"]) == fmt.expected(world, artifact)
    assert opened(world, fmt, "browser", artifact, fmt.cases["genuine"]) == fmt.expected(world, artifact)


@pytest.mark.parametrize("case", ["tampered", "truncated", "moved", "wrong-key"])
@pytest.mark.parametrize("maker", SIDES, ids=lambda side: f"made-in-{side}")
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.ids)
def test_both_sides_refuse_it_tampered_truncated_moved_or_under_the_wrong_key(world, made, fmt, maker, case):
    artifact, params = made(fmt, maker), fmt.cases["genuine"]
    if case == "tampered":
        artifact = fmt.tampered(artifact)
    elif case == "truncated":
        artifact = fmt.truncated(artifact)
    else:
        params = fmt.cases[case]

    with pytest.raises(CryptoError):
        opened(world, fmt, "python", artifact, params)
    with pytest.raises(BrowserError) as refused:
        opened(world, fmt, "browser", artifact, params)
    assert refused.value.name in REFUSALS, refused.value
