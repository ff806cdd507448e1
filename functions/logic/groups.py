"""Group chats on the platform: who is in a group, and how each member gets their copy of each epoch's key.

The platform keeps memberships and delivers key copies, but it holds no group
key it can open (each copy is wrapped for one member's RSA key on a member's
device) and cannot change who is in a group (every roster is signed by the
admin, and each member's device checks the chain again). The checks here keep
the stored state consistent and refuse what no honest device would send.

Removing a member and starting the group's next epoch are one transaction: the
admin's device brings the new roster and the next epoch's key, wrapped for
every member who stays, and once the removal is committed nobody is handed the
old epoch to seal under. "Member Removed" then tells the others of the new key
and revokes the removed member's copies (the rekey function); losing that event
loses a notification, never the new epoch.

A group an earlier version moved to an epoch without a key (``needsNewKey``)
gets it from the next member to send (``store_epoch_key``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aws_lambda_powertools import Tracer

from dal.directory import DirectoryStore
from dal.groups import GroupStore, NewMember, Removal
from imegha_crypto import (
    CryptoError,
    IdentityPublicKey,
    Roster,
    b64url_decode,
    validate_envelope,
    verify_history_grant,
    verify_key_grant,
    verify_roster_chain,
)
from imegha_service.errors import Conflict, InvalidRequest, NotAllowed
from imegha_service.events import EventPublisher

tracer = Tracer()

MEMBER_REMOVED = "Member Removed"
GROUP_ID = re.compile(r"grp-[0-9a-f]{32}")
MAX_MEMBERS = 1000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --- reading -------------------------------------------------------------------------------


@tracer.capture_method
def my_groups(groups: GroupStore, caller: str) -> list[dict]:
    invited = {membership["groupId"]: membership.get("invited", False) for membership in groups.memberships(caller)}
    states = groups.groups(list(invited))
    return sorted(
        (_summary(state) | {"invited": invited[state["groupId"]]} for state in states),
        key=lambda group: group["groupId"],
    )


@tracer.capture_method
def group_state(groups: GroupStore, caller: str, group_id: str) -> dict:
    """What a member needs: the state, every roster (to check the chain), the sealed names, their key copies, and
    the admin's grant of the history if they were given it."""
    state = _member_state(groups, caller, group_id)
    epoch_records = groups.epoch_records(group_id)
    copies = groups.copies(caller, group_id, epoch_records)
    history_grant = (groups.membership(caller, group_id) or {}).get("historyGrant")
    return (
        _summary(state)
        | ({"historyGrant": history_grant} if history_grant else {})
        | {
            "members": state["members"],
            # Members whose accounts were deleted: still in the signed roster until the admin removes them.
            "departed": sorted(state.get("departed", ())),
            "epochs": state["epochs"],
            "rosters": groups.rosters(group_id),
            "names": {
                str(epoch): record["sealedName"]
                for epoch, record in epoch_records.items()
                if any(copy["epoch"] == epoch for copy in copies)
            },
            "copies": {
                str(copy["epoch"]): {name: copy[name] for name in ("wrappedKey", "grant", "maker")} for copy in copies
            },
        }
    )


@tracer.capture_method
def accept_invitation(groups: GroupStore, caller: str, group_id: str) -> dict:
    """The caller says yes to a group they were added to: its messages ring them from now on."""
    _member_state(groups, caller, group_id)
    groups.accept_invitation(caller, group_id)
    return {"groupId": group_id, "invited": False}


def _summary(state: dict) -> dict:
    return {name: state[name] for name in ("groupId", "admin", "epoch", "needsNewKey", "rosterVersion")} | {
        "memberCount": len(state["members"])
    }


def _member_state(groups: GroupStore, caller: str, group_id: str) -> dict:
    state = groups.group(group_id)
    if state is None or caller not in state["members"]:
        # The same answer whether the group exists or not: non-members learn nothing of it.
        raise NotAllowed("you are not a member of this group")
    return state


# --- creating and changing groups -------------------------------------------------------------


def new_group_state(group_id: str, admin: str, members: list[str], at: str) -> dict:
    """A group as it starts: its first roster, at epoch 0, whose key every member already has."""
    return {
        "groupId": group_id,
        "admin": admin,
        "members": members,
        "epoch": 0,
        "needsNewKey": False,
        "rosterVersion": 1,
        "epochs": [{"epoch": 0, "startedAt": at}],
        "createdAt": at,
    }


@tracer.capture_method
def create_group(groups: GroupStore, directory: DirectoryStore, caller: str, request: dict) -> dict:
    roster_record, copies = request["roster"], request["copies"]
    group_id = roster_record["body"].get("groupId")
    roster = _checked_rosters(directory, caller, group_id, [roster_record])
    members = sorted(roster.member_ids)
    if len(members) > MAX_MEMBERS:
        raise InvalidRequest("roster", f"a group has at most {MAX_MEMBERS:,} members")
    _check_copies(directory, caller, group_id, 0, members, copies)
    at = _now()
    state = new_group_state(group_id, caller, members, at)
    groups.create(
        state,
        roster_record,
        {"epoch": 0, "maker": caller, "sealedName": request["sealedName"]},
        _made_by(caller, copies),
        at,
    )
    return _summary(state)


@tracer.capture_method
def add_member(groups: GroupStore, directory: DirectoryStore, caller: str, group_id: str, request: dict) -> dict:
    """The admin adds one member, giving them the current epoch's key, and the history only if the admin chooses to
    share it (``request["history"]``: earlier epochs' keys and the admin's grant to read every message through the
    current epoch). Only the admin makes these, and only for the member joining now: a removed member never gets one."""
    state, roster = _next_roster(groups, directory, caller, group_id, request["roster"])
    added = roster.member_ids - set(state["members"])
    if len(added) != 1 or not set(state["members"]) <= roster.member_ids:
        raise InvalidRequest("roster", "adding a member: the new roster is the current one and one member more")
    if len(roster.member_ids) > MAX_MEMBERS:
        raise InvalidRequest("roster", f"a group has at most {MAX_MEMBERS:,} members")
    if state["needsNewKey"]:
        raise Conflict(f"epoch {state['epoch']} has no key yet: make it before adding anyone")
    (member,) = added
    history = request.get("history")
    copies = {state["epoch"]: request["copy"]} | (_earlier_epochs(state, history["copies"]) if history else {})
    for epoch, copy in copies.items():
        _check_copies(directory, caller, group_id, epoch, [member], {member: copy})
    if history:
        _check_history_grant(directory, caller, group_id, member, state["epoch"], history["grant"])
    groups.change_members(
        group_id,
        state["rosterVersion"],
        request["roster"],
        sorted(roster.member_ids),
        _now(),
        added=NewMember(
            member,
            {epoch: _made_by(caller, {member: copy})[member] for epoch, copy in copies.items()},
            history["grant"] if history else None,
        ),
    )
    return _summary(groups.group(group_id)) | {"added": member}


@tracer.capture_method
def remove_member(
    groups: GroupStore, directory: DirectoryStore, events: EventPublisher, caller: str, group_id: str, request: dict
) -> dict:
    """The admin removes one member and starts the group's next epoch in the same transaction, with the key their
    device made for exactly the members who stay."""
    state, roster = _next_roster(groups, directory, caller, group_id, request["roster"])
    removed = set(state["members"]) - roster.member_ids
    if len(removed) != 1 or not roster.member_ids <= set(state["members"]):
        raise InvalidRequest("roster", "removing a member: the new roster is the current one and one member fewer")
    (member,) = removed
    epoch, staying = state["epoch"] + 1, sorted(roster.member_ids)
    _check_copies(directory, caller, group_id, epoch, staying, request["copies"])
    at = _now()
    groups.change_members(
        group_id,
        state["rosterVersion"],
        request["roster"],
        staying,
        at,
        removed=Removal(
            member,
            epoch,
            {"epoch": epoch, "maker": caller, "sealedName": request["sealedName"], "madeAt": at},
            _made_by(caller, request["copies"]),
        ),
    )
    events.publish(MEMBER_REMOVED, {"groupId": group_id, "removedUserId": member, "epoch": epoch})
    return _summary(groups.group(group_id)) | {"removed": member}


@tracer.capture_method
def store_epoch_key(
    groups: GroupStore, directory: DirectoryStore, caller: str, group_id: str, epoch: int, request: dict
) -> dict:
    """A member brings the new epoch's key, wrapped for every current member; the first to claim the epoch wins."""
    state = _member_state(groups, caller, group_id)
    if epoch != state["epoch"] or not state["needsNewKey"]:
        raise Conflict(
            f"the group is at epoch {state['epoch']}, which "
            + ("needs a key" if state["needsNewKey"] else "has its key already")
        )
    _check_copies(directory, caller, group_id, epoch, state["members"], request["copies"])
    groups.claim_new_key(group_id, epoch, caller, state["members"])
    groups.store_new_key(
        group_id,
        epoch,
        caller,
        {"epoch": epoch, "maker": caller, "sealedName": request["sealedName"], "madeAt": _now()},
        _made_by(caller, request["copies"]),
    )
    return _summary(groups.group(group_id))


@tracer.capture_method
def after_removal(groups: GroupStore, group_id: str, removed: str, epoch: int) -> dict:
    """Revoke the removed member's key copies (unless they are back in the group) and say who must hear of the
    epoch the removal started: its members, or nobody once the group has moved past it. Repeating changes nothing."""
    state = groups.group(group_id) or {"members": [], "epoch": None}
    revoked = 0 if removed in state["members"] else groups.revoke_copies(removed, group_id)
    current = state["epoch"] == epoch
    return {
        "groupId": group_id,
        "revokedCopies": revoked,
        "epoch": epoch,
        "notify": state["members"] if current else [],
    }


def _made_by(maker: str, copies: dict) -> dict:
    """Each copy with who made it, so a member's device knows whose identity key its grant must verify under."""
    return {member: {**copy, "maker": maker} for member, copy in copies.items()}


# --- checks -------------------------------------------------------------------------------------


def _identity_of(directory: DirectoryStore, user_id: str) -> IdentityPublicKey:
    keys = directory.user(user_id).get("keys")
    if keys is None:
        raise Conflict("upload your keys before taking part in groups")
    return IdentityPublicKey(b64url_decode(keys["identityKey"]))


def _checked_rosters(directory: DirectoryStore, caller: str, group_id: object, rosters: list[dict]) -> Roster:
    if not isinstance(group_id, str) or not GROUP_ID.fullmatch(group_id):
        raise InvalidRequest("roster/body/groupId", "'grp-' and 32 lowercase hex digits")
    try:
        roster = verify_roster_chain(rosters, group_id=group_id, admin_identity=_identity_of(directory, caller))
    except CryptoError as error:
        raise InvalidRequest("roster", str(error)) from None
    if roster.admin != caller:
        raise NotAllowed("only the group's admin changes who is in it")
    return roster


def _next_roster(
    groups: GroupStore, directory: DirectoryStore, caller: str, group_id: str, record: dict
) -> tuple[dict, Roster]:
    state = _member_state(groups, caller, group_id)
    if state["admin"] != caller:
        raise NotAllowed("only the group's admin changes who is in it")
    roster = _checked_rosters(directory, caller, group_id, [*groups.rosters(group_id), record])
    return state, roster


def _earlier_epochs(state: dict, copies: dict[str, dict]) -> dict[int, dict]:
    earlier = {started["epoch"] for started in state["epochs"]} - {state["epoch"]}
    shared = {int(epoch): copy for epoch, copy in copies.items()}
    if not set(shared) <= earlier:
        raise InvalidRequest(
            "history/copies", f"only the group's earlier epochs ({', '.join(map(str, sorted(earlier))) or 'none'})"
        )
    return shared


def _check_history_grant(
    directory: DirectoryStore, admin: str, group_id: str, member: str, epoch: int, grant: dict
) -> None:
    try:
        through = verify_history_grant(
            grant, admin_identity=_identity_of(directory, admin), group_id=group_id, member=member
        )
    except CryptoError as error:
        raise InvalidRequest("history/grant", str(error)) from None
    if through != epoch:
        raise InvalidRequest("history/grant", f"the history reaches the current epoch, {epoch}, not {through}")


def _check_copies(
    directory: DirectoryStore, maker: str, group_id: str, epoch: int, members: list[str], copies: dict
) -> None:
    if set(copies) != set(members):
        raise InvalidRequest("copies", "one key copy for each member, and for no one else")
    identity = _identity_of(directory, maker)
    for member, copy in copies.items():
        try:
            validate_envelope("recipient-wrapped-key", copy["wrappedKey"])
            if copy["wrappedKey"]["kind"] != "GK" or copy["wrappedKey"].get("epoch") != epoch:
                raise InvalidRequest(f"copies/{member}/wrappedKey", f"must hold the group key of epoch {epoch}")
            verify_key_grant(
                copy["grant"],
                copy["wrappedKey"],
                maker_identity=identity,
                conversation_id=group_id,
                version=epoch,
                member=member,
            )
        except CryptoError as error:
            raise InvalidRequest(f"copies/{member}", str(error)) from None
