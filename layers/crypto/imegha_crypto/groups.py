"""Group chats' rosters the admin signs, and the grants that vouch for each copy of a conversation or group key.

The platform keeps a group's memberships, but it cannot change who is in it:
every roster is a ``signed-record`` of type ``group-roster`` by the admin's
identity key, numbered from 1 and chained to the one before by its digest, so
a member's device that checks the chain sees any member the admin did not add
(a ghost), any roster dropped or replayed, and any other signer.

A conversation or group key travels to each member as a ``recipient-wrapped-key``
(RSA-OAEP), which anyone holding the member's public key could make; a
``key-grant`` signed by the member who made the copy says this copy, of this
version (a group key's epoch; 0 for a 1:1 conversation's key), is from them,
so neither the platform nor a cloud can hand anyone a key of its own making.

A member joins with the current epoch only. When the admin shares the history,
they also sign a ``group-history`` grant: this member may read the group's
messages through this epoch. Each sender's cloud serves its older messages to
whoever shows such a grant signed by the admin its owner's device recorded.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from .canonical import Context, JSONObject, canonical_json
from .errors import SignatureError
from .held import IdentitySigner
from .keys import IdentityPublicKey
from .signing import sign_record, verify_record

ROSTER_RECORD = "group-roster"
KEY_GRANT_RECORD = "key-grant"
HISTORY_GRANT_RECORD = "group-history"
DEPARTURE_UNKNOWN = "unknown"
"""What a roster records for a removed member whose last sequence the admin's device could not read."""


def new_group_id() -> str:
    """A fresh group id: ``"grp-"`` and 16 random bytes in hex, made on the creator's device."""
    return "grp-" + secrets.token_hex(16)


def record_digest(record: JSONObject) -> str:
    """SHA-256 of a record's canonical JSON, in hex: how a roster names the one before it and a grant its copy."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def group_key_context(group_id: str, member: str, epoch: int) -> Context:
    """Where a member's copy of a group key belongs."""
    return Context(owner=member, object_id=group_id, version=epoch)


def group_name_context(group_id: str, epoch: int) -> Context:
    """Where a group's name, sealed under the key of an epoch, belongs."""
    return Context(owner=group_id, object_id="group-name", version=epoch)


@dataclass(frozen=True)
class Roster:
    """A checked roster: the latest of a verified chain."""

    group_id: str
    version: int
    admin: str
    members: tuple[JSONObject, ...]
    """``{"userId": …, "iMTag": …}`` for each member, the admin included."""
    departed: Mapping[str, int | None] = field(default_factory=dict)
    """For each member the admin removed, the last sequence of theirs the admin saw in their cloud (a former
    member's cloud can hold nothing later that belongs to the group), or None when their cloud could not be read
    then: a reader accepts only what it had seen of theirs before it learned of the removal."""

    @property
    def member_ids(self) -> frozenset[str]:
        return frozenset(member["userId"] for member in self.members)


def sign_roster(
    admin_key: IdentitySigner,
    *,
    group_id: str,
    admin: str,
    members: list[JSONObject],
    previous: JSONObject | None,
    departed: Mapping[str, int | None] | None = None,
) -> JSONObject:
    """The admin's roster after ``previous`` (None for a new group): version one more, chained to it.

    ``departed`` names, for each member this roster removes, the last sequence of theirs in their cloud, or None
    when it could not be read (recorded as ``"unknown"``).
    """
    ids = [member["userId"] for member in members]
    if len(set(ids)) != len(ids):
        raise ValueError("a roster names each member once")
    if admin not in ids:
        raise ValueError("the admin is a member of their group")
    body = {
        "groupId": group_id,
        "version": 1 if previous is None else previous["body"]["version"] + 1,
        "admin": admin,
        "members": [{"userId": member["userId"], "iMTag": member["iMTag"]} for member in members],
        "previous": None if previous is None else record_digest(previous),
    }
    if departed:
        body["departed"] = {
            member: DEPARTURE_UNKNOWN if sequence is None else sequence for member, sequence in departed.items()
        }
    return sign_record(admin_key, ROSTER_RECORD, body)


def verify_roster_chain(rosters: list[JSONObject], *, group_id: str, admin_identity: IdentityPublicKey) -> Roster:
    """Check every roster of a group, oldest first, and return the latest; ``SignatureError`` on any break."""
    if not rosters:
        raise SignatureError(f"group {group_id} has no roster")
    previous: JSONObject | None = None
    admin: str | None = None
    departed: dict[str, int | None] = {}
    for position, record in enumerate(rosters, start=1):
        body = verify_record(record, ROSTER_RECORD, admin_identity)
        if body.get("groupId") != group_id:
            raise SignatureError(f"roster {position} is of group {body.get('groupId')!r}, not {group_id!r}")
        if body.get("version") != position:
            raise SignatureError(
                f"roster {position} says it is version {body.get('version')}: one is missing or replayed"
            )
        if body.get("previous") != (None if previous is None else record_digest(previous)):
            raise SignatureError(f"roster {position} does not follow roster {position - 1}")
        members = body.get("members")
        if not isinstance(members, list) or not all(
            isinstance(member, dict) and set(member) == {"userId", "iMTag"} for member in members
        ):
            raise SignatureError(f"roster {position} lists its members in another shape")
        ids = [member["userId"] for member in members]
        if len(set(ids)) != len(ids) or body.get("admin") not in ids:
            raise SignatureError(f"roster {position} names a member twice, or not its admin")
        if admin is not None and body["admin"] != admin:
            raise SignatureError(f"roster {position} names another admin")
        departed |= _departed(position, body, previous, ids)
        admin, previous = body["admin"], record
    # ``body`` is now the latest roster's, verified.
    return Roster(
        group_id=group_id,
        version=body["version"],
        admin=body["admin"],
        members=tuple(body["members"]),
        departed=departed,
    )


def _departed(
    position: int, body: JSONObject, previous: JSONObject | None, members: list[str]
) -> dict[str, int | None]:
    """The last sequences a roster records for the members it removes (None: unknown), only for members it removes."""
    departed = body.get("departed", {})
    if not isinstance(departed, dict) or not all(
        sequence == DEPARTURE_UNKNOWN
        or (isinstance(sequence, int) and not isinstance(sequence, bool) and sequence >= 0)
        for sequence in departed.values()
    ):
        raise SignatureError(f"roster {position} records departures in another shape")
    before = set() if previous is None else {member["userId"] for member in previous["body"]["members"]}
    if not set(departed) <= before - set(members):
        raise SignatureError(f"roster {position} records a departure of someone it does not remove")
    return {member: None if sequence == DEPARTURE_UNKNOWN else sequence for member, sequence in departed.items()}


def sign_key_grant(
    maker_key: IdentitySigner, *, conversation_id: str, version: int, member: str, copy: JSONObject
) -> JSONObject:
    """Vouch, as the one who made it, for ``copy``: ``member``'s wrapped key of ``version`` of a conversation."""
    body = {"conversationId": conversation_id, "version": version, "member": member, "copy": record_digest(copy)}
    return sign_record(maker_key, KEY_GRANT_RECORD, body)


def verify_key_grant(
    grant: JSONObject,
    copy: JSONObject,
    *,
    maker_identity: IdentityPublicKey,
    conversation_id: str,
    version: int,
    member: str,
) -> None:
    """Refuse (``SignatureError``) a copy its grant does not vouch for, or a grant not signed by ``maker_identity``."""
    body = verify_record(grant, KEY_GRANT_RECORD, maker_identity)
    expected = {"conversationId": conversation_id, "version": version, "member": member, "copy": record_digest(copy)}
    if body != expected:
        changed = sorted(name for name in expected if body.get(name) != expected[name])
        raise SignatureError(f"the grant does not vouch for this key copy (it differs in {', '.join(changed)})")


def sign_history_grant(admin_key: IdentitySigner, *, group_id: str, member: str, through_epoch: int) -> JSONObject:
    """Let ``member``, joining now, read the group's messages of every epoch up to ``through_epoch``."""
    return sign_record(
        admin_key, HISTORY_GRANT_RECORD, {"groupId": group_id, "member": member, "throughEpoch": through_epoch}
    )


def verify_history_grant(grant: JSONObject, *, admin_identity: IdentityPublicKey, group_id: str, member: str) -> int:
    """The last epoch whose messages the admin let ``member`` read; ``SignatureError`` for any other grant."""
    body = verify_record(grant, HISTORY_GRANT_RECORD, admin_identity)
    if (body.get("groupId"), body.get("member")) != (group_id, member):
        raise SignatureError("this history grant is for another group or member")
    through = body.get("throughEpoch")
    if not isinstance(through, int) or isinstance(through, bool) or through < 0:
        raise SignatureError("this history grant names no epoch")
    return through
