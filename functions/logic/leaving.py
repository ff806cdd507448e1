"""Leaving iMegha: a person deletes their account, and the platform forgets them.

The request is signed by the person's identity key (:mod:`logic.signed_requests`) and names their iMTag, which the
person typed to confirm. What goes, in this order, so that a step that fails leaves the rest for the same request
again (the directory entry, which the signature is checked against, goes last but one):

- their connections and requests, both directions, and what they caused in those people's inboxes; each
  connection's own list says they left (the iMTag it knew them by, their user id, when) for ``TAG_HOLD_DAYS``, or
  until that person removes the line;
- their group memberships and key copies: each group names them among its ``departed`` (no more doorbell for
  them), and the admin's device removes them from the signed roster with a new epoch the next time it sends or
  changes the group (:mod:`client.imegha.group_chat`); a group whose admin left keeps its members and its current
  key, and nobody can change who is in it any more. The groups' signed records (rosters, epochs, key grants) are
  the other members' history and keep naming them;
- their own inbox, devices and the push endpoints those rang through;
- the records of their cloud and its deployments (refused while a deployment is under way); the cloud itself stays
  in their AWS account, theirs to keep or to remove ('imegha cloud destroy' before leaving);
- their directory entry and the email's pointer to it; the iMTag and its look-alike skeleton are held, naming no
  one, for ``TAG_HOLD_DAYS``, so that nobody takes the tag over at once and passes for them;
- their Cognito user, which ends their sign-ins (an ID token already issued opens an account that is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger, Tracer

from dal.connections import CONNECTED, ConnectionsStore
from dal.deployments import DeploymentStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.groups import COPY_PREFIX, MEMBERSHIP_PREFIX, GroupStore
from dal.inbox import InboxStore
from dal.phones import PhoneEndpoints
from dal.user_pool import UserPool
from imegha_service.errors import InvalidRequest
from logic.imtags import skeleton

logger = Logger()
tracer = Tracer()

TAG_HOLD_DAYS = 30


@dataclass(frozen=True)
class Platform:
    """Every store that holds something of a person."""

    directory: DirectoryStore
    connections: ConnectionsStore
    groups: GroupStore
    inbox: InboxStore
    devices: DeviceStore
    phones: PhoneEndpoints
    deployments: DeploymentStore
    user_pool: UserPool


@tracer.capture_method
def delete_account(platform: Platform, caller: str, username: str, typed_tag: str, now: datetime | None = None) -> dict:
    """Forget ``caller`` (see the module), if ``typed_tag`` is their iMTag; returns what went, counted."""
    now = now or datetime.now(UTC)
    user = platform.directory.user(caller)
    if typed_tag != user["iMTag"]:
        raise InvalidRequest("iMTag", "type your own iMTag, exactly, to confirm that you are deleting your account")
    deployment_records = platform.deployments.forget(caller, now.isoformat(timespec="seconds"))

    held_until = now + timedelta(days=TAG_HOLD_DAYS)
    partition = platform.connections.partition(caller)
    connections = [item for item in partition if not item["peerId"].startswith("GROUP")]
    peers = [item["peerId"] for item in connections]
    group_ids = [item["groupId"] for item in partition if item["peerId"].startswith(MEMBERSHIP_PREFIX)]
    fellow_members: set[str] = set()
    for group_id in group_ids:
        fellow_members |= set((platform.groups.group(group_id) or {}).get("members", ()))
        platform.groups.leave(caller, group_id)
    # Copies a removal's revocation has not reached yet, of groups they had been removed from before.
    for group_id in {
        item["groupId"] for item in platform.connections.partition(caller) if item["peerId"].startswith(COPY_PREFIX)
    }:
        platform.groups.revoke_copies(caller, group_id)
    told = 0
    for connection in connections:
        if connection["status"] == CONNECTED:
            platform.connections.tell_left(
                caller, connection["peerId"], now.isoformat(timespec="seconds"), int(held_until.timestamp())
            )
            told += 1
        else:  # a request, or someone who left before them: nobody to tell
            platform.connections.delete_pair(caller, connection["peerId"])
    caused = sum(platform.inbox.remove(someone, sender=caller) for someone in (set(peers) | fellow_members) - {caller})
    inbox = platform.inbox.remove(caller)

    devices = platform.devices.of(caller)
    for device in devices:
        platform.phones.disconnect(platform.devices.delete(caller, device["deviceId"]))

    platform.directory.remove_user(
        caller, user["email"], user["iMTag"], skeleton(user["iMTag"]), int(held_until.timestamp())
    )
    platform.user_pool.delete_user(username)
    removed = {
        "connections": len(peers),
        "connectionsTold": told,
        "groups": len(group_ids),
        "inboxEntries": inbox,
        "entriesInOthersInboxes": caused,
        "devices": len(devices),
        "deploymentRecords": deployment_records,
    }
    logger.info("account deleted", extra=removed)
    return {"deleted": True, "removed": removed, "iMTagHeldUntil": held_until.isoformat(timespec="seconds")}
