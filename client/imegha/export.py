"""Taking everything with you: a person's data, decrypted, in a directory of their own (``imegha export``).

The layout of the export directory, the same whichever way it was read::

    DIR/manifest.json                what was exported, when, from where; each file, and what did not open
    DIR/files/<name>                 a file in no folder, decrypted
    DIR/files/<folder>/<name>        a file in a folder, decrypted
    DIR/versions/<folder>/<name (vN).ext>  with --versions: each older version the cloud still keeps (30 days)
    DIR/conversations/<iMTag>.json   a conversation with a connection: every message, as ``imegha chat read --json``
    DIR/conversations/<iMTag>.md     the same as a transcript to read
    DIR/groups/<name> [<id>].json    a group: its members, epochs and every message you may read
    DIR/groups/<name> [<id>].md      the same as a transcript
    DIR/audit/log.json               the audit log's entries and head, as the cloud served them
    DIR/audit/verification.json      whether the chain held against every signed checkpoint, and if not, why

Names are the sealed names made plain file names (:func:`~imegha.safe_text.file_name`: no separator, no leading
dot, no control character), so a name never leads out of DIR; two files that would take one name are told apart by
their id (``report [3f2a9c1e].pdf``), the same ones on every run. An export is resumable: a file already there
with the size its sealed metadata names is skipped, and each file appears whole or not at all.

Conversations, groups and the audit log come through the API, and are written again on each run. ``--from-aws``
reaches the person's own cloud alone, so it writes what that cloud keeps: every message they sent (a message is kept
in its sender's cloud) with the keys they kept there, each group's roster as they last checked it, and no more: the
others' messages are in the others' clouds, which open only to tokens the platform issues, and a group's name and
epochs live on the platform. The audit log it reads from the table and verifies as ``imegha audit --verify`` does,
against every checkpoint the person's identity key signed, without signing a new one. Text from others stays exact in the JSON; in a transcript each message is an indented
block whose lines are screened (:func:`~imegha.safe_text.shown`), so no message can pass for a line of the
transcript itself, nor carry markup a viewer would render.

Two sources give the files: the person's cloud through its API, signed in (:func:`library_files`), and the
person's own AWS account read directly, with their own AWS credentials and the 24 words alone, no platform and no
sign-in (:class:`OwnAwsCloud`), for the day iMegha is gone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as with_fields
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from imegha_crypto import (
    EMPTY_LOG,
    AccountKeys,
    AuditHead,
    ChainError,
    Context,
    ConversationKey,
    CryptoError,
    DecryptionError,
    FolderKey,
    GroupKey,
    IdentityPublicKey,
    b64url_decode,
    group_key_context,
    open_account_with_phrase,
    open_file,
    unwrap_key,
    verify_audit_chain,
    verify_audit_checkpoint,
    verify_record,
)
from imegha_crypto.chunked import BinarySource

from . import audit_log
from .accounts import Account
from .chat import Chat, Line, open_line, refused_line
from .documents import JSONObject
from .group_chat import Groups
from .library import (
    Library,
    StoredFile,
    collection_context,
    opened_file,
    opened_metadata,
    version_name,
)
from .safe_text import file_name, shown
from .transfer import fetched, written_whole

MANIFEST = "manifest.json"
# The stack a user's cloud is deployed as, in their own account (functions/dal/user_cloud_stack.py names it so).
USER_CLOUD_STACK = "imegha-user-cloud"

type SealedBytes = Callable[[], AbstractContextManager[BinarySource]]
"""Opens the stored ciphertext of one file version, as a stream."""
type Progress = Callable[[int], None]


class ExportError(Exception):
    """The export cannot start or go on; the message says why."""


@dataclass(frozen=True)
class ExportedFile:
    """One file version to export: as opened (name, size, key), the name of its folder, where its ciphertext is."""

    stored: StoredFile
    folder: str | None
    sealed: SealedBytes


@dataclass
class ExportDirectory:
    """An export directory being filled: where each file goes, what was written, skipped, or did not open."""

    root: Path
    source: str
    outcome: dict[str, list[JSONObject]] = field(default_factory=lambda: {"written": [], "skipped": [], "failed": []})

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def files(self, files: Iterable[ExportedFile], progress: Progress = lambda _: None) -> None:
        """Write each file into its place (see the module), telling ``progress`` the bytes each one took."""
        taken: set[Path] = set()
        for exported in sorted(
            files, key=lambda f: (f.folder or "", f.stored.name, f.stored.file_id, -f.stored.version)
        ):
            stored = exported.stored
            path = self._place(exported, taken)
            entry = {
                "fileId": stored.file_id,
                "version": stored.version,
                "folder": exported.folder,
                "name": stored.name,
                "path": str(path.relative_to(self.root)),
            }
            if stored.problem:
                self.outcome["failed"].append(entry | {"problem": stored.problem})
            elif path.is_file() and path.stat().st_size == stored.size:
                self.outcome["skipped"].append(entry)
            else:
                try:
                    self._write(exported, path)
                except (DecryptionError, CryptoError, OSError) as error:
                    self.outcome["failed"].append(entry | {"problem": f"does not open: {error}"})
                else:
                    self.outcome["written"].append(entry)
            progress(max(stored.ciphertext_size, 0))

    def _place(self, exported: ExportedFile, taken: set[Path]) -> Path:
        stored = exported.stored
        older = stored.kept_until is not None
        directory = (
            self.root / ("versions" if older else "files") / (file_name(exported.folder) if exported.folder else "")
        )
        path = directory / file_name(version_name(stored.name, stored.version) if older else stored.name)
        if path in taken:
            stem, dot, extension = path.name.rpartition(".")
            tag = f" [{exported.stored.file_id[:8]}]"
            path = directory / (f"{stem}{tag}.{extension}" if dot and stem else path.name + tag)
        taken.add(path)
        return path

    @staticmethod
    def _write(exported: ExportedFile, path: Path) -> None:
        stored = exported.stored
        assert stored.key is not None  # a file whose key did not open has a problem
        path.parent.mkdir(parents=True, exist_ok=True)
        with exported.sealed() as sealed, written_whole(path, replace=True) as out:
            open_file(stored.key, sealed, out, stored.context)

    def conversation(self, kind: str, file_stem: str, document: JSONObject, title: str, lines: list[Line]) -> str:
        """Write one conversation (``kind``: "conversations" or "groups") as JSON and as a transcript; returns the
        JSON's path within the export."""
        directory = self.root / kind
        directory.mkdir(parents=True, exist_ok=True)
        stem = file_name(file_stem)
        (directory / f"{stem}.json").write_text(json.dumps(document, indent=2, ensure_ascii=False))
        (directory / f"{stem}.md").write_text(transcript(title, lines))
        return f"{kind}/{stem}.json"

    def audit(self, entries: list[JSONObject], head: JSONObject, verification: JSONObject) -> JSONObject:
        directory = self.root / "audit"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "log.json").write_text(json.dumps({"entries": entries, "head": head}, indent=2))
        (directory / "verification.json").write_text(json.dumps(verification, indent=2))
        return verification

    def finish(self, **more: object) -> JSONObject:
        """Write the manifest; returns it."""
        manifest: JSONObject = {
            "exportedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": self.source,
            "layout": "files/<folder>/<name>, versions/<folder>/<name (vN).ext> (see client/imegha/export.py)",
            **self.outcome,
            **more,
        }
        handle = self.root / MANIFEST
        handle.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        return manifest


def transcript(title: str, lines: list[Line]) -> str:
    """A conversation to read: a heading, then each message under its sender and time, as an indented block."""
    out = [f"# {shown(title)}", ""]
    for line in lines:
        out.append(
            f"**{shown(line.sender)}**, {shown(line.sent_at)}" + (f" (epoch {line.epoch})" if line.epoch else "")
        )
        out.append("")
        body = line.text if line.text is not None else f"(refused: {line.refused})"
        out += ["    " + shown(text) for text in body.split("\n")]
        out.append("")
    return "\n".join(out)


# --- through the cloud's API, signed in -------------------------------------------------------


def library_files(library: Library, versions: bool = False) -> list[ExportedFile]:
    """Every file of the signed-in person's cloud, with its folder's name, fetched through the cloud's API; with
    ``versions``, each older version the cloud keeps too."""
    folders = {folder.collection_id: folder.name for folder in library.collections("folder")}

    def sealed(stored: StoredFile) -> SealedBytes:
        def opened() -> AbstractContextManager[BinarySource]:
            if stored.kept_until is None:
                answer = library.api.download(stored.file_id)
            else:
                answer = library.api.download_version(stored.file_id, stored.version)
            return fetched(answer["url"], stored.ciphertext_size)

        return opened

    exported = []
    for stored in library.files():
        folder = folders.get(stored.folder_id or "")
        exported.append(ExportedFile(stored, folder, sealed(stored)))
        if versions and not stored.problem:
            older = [kept for kept in library.versions(stored) if kept.kept_until is not None]
            exported += [ExportedFile(kept, folder, sealed(kept)) for kept in older]
    return exported


def everything_else(export: ExportDirectory, account: Account, library: Library) -> JSONObject:
    """Conversations with each connection, every group, and the audit log verified, into ``export``; returns what
    was written, for the manifest. A cloud that did not answer is named, its messages missing."""
    chat = Chat(account)
    conversations: list[str] = []
    unanswered: list[str] = []
    for connection in account.connections():
        if connection.get("status") not in ("connected", "left"):  # of one who left, one's own side is still here
            continue
        tag = connection["iMTag"]
        lines = chat.read(tag, unanswered)
        document = {"with": tag, "messages": [line.as_json() for line in lines]}
        conversations.append(export.conversation("conversations", tag, document, f"Conversation with {tag}", lines))
    groups = Groups(chat)
    written_groups: list[str] = []
    for view in groups.list():
        lines = groups.read(view.group_id, unanswered)
        name = view.name or "(name not readable)"
        document = view.summary() | {"epochs": list(view.epochs), "messages": [line.as_json() for line in lines]}
        stem = f"{name} [{view.group_id[4:12]}]"
        written_groups.append(export.conversation("groups", stem, document, f"Group {name}", lines))
    try:
        checked = audit_log.verify(library)
        verification: JSONObject = {
            "verified": True,
            "head": {"seq": checked.head.seq, "hash": checked.head.hash},
            "checkpoints": checked.checkpoints,
        }
        entries = checked.entries
    except ChainError as broken:
        verification = {"verified": False, "problem": str(broken)}
        entries, _ = audit_log.read(library)
    export.audit(entries, verification.get("head") or {}, verification)
    return {"conversations": conversations, "groups": written_groups, "audit": verification, "unanswered": unanswered}


# --- straight from the person's own AWS account -----------------------------------------------


class OwnAwsCloud:
    """A user's cloud read with their own AWS credentials: CloudFormation finds its table and bucket, DynamoDB and
    S3 give what is stored there. No platform, no Cognito; the keys come from the copy the cloud keeps, opened with
    the recovery phrase."""

    def __init__(self, session: Any, endpoint_url: str | None = None, stack_name: str = USER_CLOUD_STACK):
        def client(service: str) -> Any:
            return session.client(service, endpoint_url=endpoint_url) if endpoint_url else session.client(service)

        outputs = self._outputs(client("cloudformation"), stack_name)
        self.bucket, self.table_name = outputs["BucketName"], outputs["TableName"]
        self.s3 = client("s3")
        self.dynamodb = client("dynamodb")

    @staticmethod
    def _outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
        try:
            stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        except Exception as error:  # botocore's errors: no such stack, no access, no credentials
            raise ExportError(
                f"your AWS account shows no stack {stack_name!r} with these credentials ({error})"
            ) from None
        return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}

    def _items(self, prefix: str, sort_prefix: str | None = "HEAD") -> Iterator[JSONObject]:
        """Every item whose ``pk`` begins with ``prefix`` and ``sk`` with ``sort_prefix`` (any, for None), its
        numbers as integers."""
        deserializer = TypeDeserializer()
        values = {":prefix": {"S": prefix}} | ({":sort": {"S": sort_prefix}} if sort_prefix else {})
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.table_name,
            FilterExpression="begins_with(pk, :prefix)" + (" AND begins_with(sk, :sort)" if sort_prefix else ""),
            ExpressionAttributeValues=values,
            ConsistentRead=True,
        )
        for page in pages:
            for item in page["Items"]:
                yield _plain({name: deserializer.deserialize(value) for name, value in item.items()})

    def open_keys(self, recovery_phrase: str) -> tuple[str, AccountKeys]:
        """The owner's id and keys, opened from the copy kept in the table with the 24 words alone."""
        item = self.dynamodb.get_item(
            TableName=self.table_name, Key={"pk": {"S": "ACCOUNT"}, "sk": {"S": "KEYS"}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            raise ExportError(
                "this cloud keeps no copy of your keys (clouds deployed before it did get one at 'imegha cloud status')"
            )
        kept = _plain({name: TypeDeserializer().deserialize(value) for name, value in item.items()})
        try:
            return kept["userId"], open_account_with_phrase(kept["keys"], kept["userId"], recovery_phrase)
        except (CryptoError, ValueError) as error:
            raise ExportError(f"these 24 words do not open the keys this cloud keeps: {error}") from None

    def files(self, owner: str, keys: AccountKeys, versions: bool = False) -> list[ExportedFile]:
        """Every file, opened with the DEK; with ``versions``, each older version still kept too (in its file's
        folder), its object read by its S3 version id."""
        folders: dict[str, str] = {}
        for entry in self._items("FOLDER#"):
            context = collection_context(owner, entry["id"])
            try:
                key = unwrap_key(entry["wrappedKey"], FolderKey, unwrapping_key=keys.data_key, context=context)
                folders[entry["id"]] = opened_metadata(key, entry["metadata"], context)["name"]
            except (CryptoError, ValueError):
                folders[entry["id"]] = f"folder {entry['id']} (name does not open)"
        exported = []
        folder_of: dict[str, str | None] = {}
        for entry in self._items("FILE#"):
            stored = opened_file(entry, owner, keys.data_key)
            folder_of[entry["fileId"]] = folders.get(entry.get("folderId") or "")
            exported.append(ExportedFile(stored, folder_of[entry["fileId"]], self._sealed(entry)))
        for entry in self._items("FILE#", "VERSION#") if versions else ():
            if entry["fileId"] in folder_of and entry["expiresAt"] > time.time():
                stored = with_fields(opened_file(entry, owner, keys.data_key), kept_until=entry["expiresAt"])
                exported.append(ExportedFile(stored, folder_of[entry["fileId"]], self._sealed(entry)))
        return exported

    def conversations(self) -> dict[str, KeptConversation]:
        """What the table keeps of each conversation, by id: whom it is with, the keys kept, the owner's messages."""
        kept: dict[str, KeptConversation] = {}
        for item in self._items("CONV#", None):
            conversation = kept.setdefault(item["pk"].removeprefix("CONV#"), KeptConversation())
            if item["sk"] == "META":
                conversation.meta = item
            elif item["sk"].startswith("KEY#"):
                conversation.keys[item["version"]] = item
            elif item["sk"].startswith("MSG#"):
                conversation.messages.append(item)
        return kept

    def audit(self) -> tuple[list[JSONObject], AuditHead, list[JSONObject]]:
        """The audit log's entries, oldest first, as they were hashed; its head; and every checkpoint record the
        owner's devices stored (unchecked)."""
        log = self._partition("AUDIT")
        entries = sorted(
            ({n: v for n, v in item.items() if n not in ("pk", "sk")} for item in log if item["sk"].startswith("E#")),
            key=lambda entry: entry["seq"],
        )
        head = next((AuditHead(item["seq"], item["hash"]) for item in log if item["sk"] == "HEAD"), EMPTY_LOG)
        checkpoints = [item["record"] for item in self._partition("AUDIT-CHECKPOINTS") if item["sk"].startswith("C#")]
        return entries, head, checkpoints

    def _partition(self, pk: str) -> list[JSONObject]:
        deserializer = TypeDeserializer()
        pages = self.dynamodb.get_paginator("query").paginate(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        return [
            _plain({name: deserializer.deserialize(value) for name, value in item.items()})
            for page in pages
            for item in page["Items"]
        ]

    def _sealed(self, entry: JSONObject) -> SealedBytes:
        @contextmanager
        def opened() -> Iterator[BinarySource]:
            version = {"VersionId": entry["objectVersionId"]} if "objectVersionId" in entry else {}
            body = self.s3.get_object(Bucket=self.bucket, Key=entry["objectKey"], **version)["Body"]
            try:
                yield body
            finally:
                body.close()

        return opened


@dataclass
class KeptConversation:
    """One conversation as the owner's own table keeps it (``CONV#<id>``)."""

    meta: JSONObject = field(default_factory=dict)
    keys: dict[int, JSONObject] = field(default_factory=dict)
    messages: list[JSONObject] = field(default_factory=list)


NOT_RECOVERED = (
    "only your own messages: each message is kept in its sender's cloud, and the others' clouds open only to tokens "
    "the platform issues; a group's name and epochs are kept on the platform"
)


def own_conversations(export: ExportDirectory, cloud: OwnAwsCloud, owner: str, keys: AccountKeys) -> JSONObject:
    """Every conversation and group the person's own cloud keeps, with the messages they sent in it, opened with the
    keys they kept there, into ``export``; returns what was written, for the manifest."""
    kept = cloud.conversations()
    tags = {  # the iMTags the group rosters kept name; the platform's directory is out of reach
        member["userId"]: member["iMTag"]
        for conversation in kept.values()
        for member in ((conversation.meta.get("roster") or {}).get("body") or {}).get("members", [])
    }
    me = tags.get(owner, "you")
    identity = keys.identity_key.public_key
    written: dict[str, list[str]] = {"conversations": [], "groups": []}
    for conversation_id, conversation in sorted(kept.items()):
        messages = sorted(conversation.messages, key=lambda item: item["sequence"])
        if conversation_id.startswith("dm-"):
            peer: str = conversation.meta.get("peerId", "")
            key = _kept_key(conversation.keys.get(0), ConversationKey, keys, Context(owner, conversation_id, 0))
            lines = [_own_line(item, key, conversation_id, owner, me, identity) for item in messages]
            document = {"with": tags.get(peer), "withUserId": peer, "only": NOT_RECOVERED}
            title = f"Conversation with {tags.get(peer, peer)} (your messages only)"
            written["conversations"].append(
                export.conversation(
                    "conversations",
                    tags.get(peer, peer),
                    document | {"messages": [line.as_json() for line in lines]},
                    title,
                    lines,
                )
            )
            continue
        epochs = {
            epoch: _kept_key(wrapped, GroupKey, keys, group_key_context(conversation_id, owner, epoch))
            for epoch, wrapped in conversation.keys.items()
        }
        lines = [
            _own_line(item, epochs.get(item.get("epoch", -1)), conversation_id, owner, me, identity)
            for item in messages
        ]
        document = _kept_roster(conversation.meta, tags) | {"groupId": conversation_id, "only": NOT_RECOVERED}
        written["groups"].append(
            export.conversation(
                "groups",
                f"group [{conversation_id[4:12]}]",
                document | {"messages": [line.as_json() for line in lines]},
                f"Group {conversation_id} (your messages only)",
                lines,
            )
        )
    return written | {"notRecovered": NOT_RECOVERED}


def own_audit(export: ExportDirectory, cloud: OwnAwsCloud, owner: str, keys: AccountKeys) -> JSONObject:
    """The audit log as the person's own table keeps it, checked as ``imegha audit --verify`` checks it (the chain,
    against every checkpoint their identity key signed), into ``export``; nothing is signed or stored."""
    entries, head, records = cloud.audit()
    try:
        checkpoints = [
            verify_audit_checkpoint(record, user_id=owner, identity=keys.identity_key.public_key) for record in records
        ]
    except CryptoError as forged:
        verification: JSONObject = {
            "verified": False,
            "problem": f"a checkpoint in your cloud is not signed by your identity key as one of your log ({forged})",
        }
    else:
        try:
            verified = verify_audit_chain(entries, head, checkpoints=[checkpoint.head for checkpoint in checkpoints])
            verification = {
                "verified": True,
                "head": {"seq": verified.seq, "hash": verified.hash},
                "checkpoints": len(checkpoints),
            }
        except ChainError as broken:
            verification = {"verified": False, "problem": str(broken)}
    export.audit(entries, verification.get("head") or {}, verification)
    return {"audit": verification}


def _kept_key(
    wrapped: JSONObject | None, kind: type[ConversationKey] | type[GroupKey], keys: AccountKeys, context: Context
) -> ConversationKey | GroupKey | str:
    """A conversation's or group's key as the owner kept it, under their DEK; or why it does not open."""
    if wrapped is None:
        return "your cloud keeps no key for it"
    try:
        return unwrap_key(wrapped["wrappedKey"], kind, unwrapping_key=keys.data_key, context=context)
    except (CryptoError, KeyError) as error:
        return f"the key your cloud keeps for it does not open: {error}"


def _own_line(
    item: JSONObject,
    key: ConversationKey | GroupKey | str | None,
    conversation_id: str,
    owner: str,
    tag: str,
    identity: IdentityPublicKey,
) -> Line:
    if key is None:
        return refused_line(
            conversation_id, owner, tag, item, "sealed under an epoch whose key your cloud does not keep"
        )
    if isinstance(key, str):
        return refused_line(conversation_id, owner, tag, item, key)
    return open_line(item, key, conversation_id, owner, tag, identity)


def _kept_roster(meta: JSONObject, tags: dict[str, str]) -> JSONObject:
    """The group's roster as the owner last checked it, and whether its admin's signature (by the identity key kept
    beside it) holds."""
    record = meta.get("roster")
    if not record:
        return {"members": [], "rosterChecked": False}
    body = record.get("body") or {}
    try:
        verify_record(record, "group-roster", IdentityPublicKey(b64url_decode(meta["adminIdentity"])))
        checked = True
    except (CryptoError, KeyError, ValueError):
        checked = False
    return {
        "admin": tags.get(body.get("admin", ""), body.get("admin")),
        "members": sorted(member["iMTag"] for member in body.get("members", [])),
        "rosterVersion": body.get("version"),
        "rosterChecked": checked,
    }


def _plain(value: Any) -> Any:
    """DynamoDB's numbers (Decimal) as the integers iMegha stores; everything else as it is."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
