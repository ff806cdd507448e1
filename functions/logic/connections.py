"""Connection requests between users: ask, accept, decline, remove, list."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from aws_lambda_powertools import Tracer

from dal.connections import CONNECTED, INCOMING, OUTGOING, ConnectionsStore
from dal.directory import DirectoryStore
from imegha_service.errors import InvalidRequest, NotFound

tracer = Tracer()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@tracer.capture_method
def request_connection(directory: DirectoryStore, connections: ConnectionsStore, caller: str, peer_tag: str) -> dict:
    """Ask ``peer_tag`` to connect; if they already asked the caller, this accepts instead."""
    peer_id = directory.user_id_for_tag(peer_tag)
    if peer_id is None:
        raise NotFound(f"no user has the iMTag {peer_tag!r}")
    if peer_id == caller:
        raise InvalidRequest("iMTag", "you cannot connect to yourself")
    if connections.status(caller, peer_id) == INCOMING:
        connections.accept(caller, peer_id, _now())
        return {"peerId": peer_id, "iMTag": directory.user(peer_id)["iMTag"], "status": CONNECTED}
    me, peer = directory.user(caller), directory.user(peer_id)
    connections.request(caller, peer_id, me["iMTag"], peer["iMTag"], _now())
    return {"peerId": peer_id, "iMTag": peer["iMTag"], "status": OUTGOING}


def _other_than(caller: str, peer_id: str) -> str:
    """``peer_id``, unless it is the caller's own (both sides of a connection would be one item)."""
    if peer_id == caller:
        raise InvalidRequest("peerId", "you cannot be connected to yourself")
    return peer_id


@tracer.capture_method
def accept_connection(connections: ConnectionsStore, caller: str, peer_id: str) -> dict:
    connections.accept(caller, _other_than(caller, peer_id), _now())
    return {"peerId": peer_id, "status": CONNECTED}


@tracer.capture_method
def decline_connection(connections: ConnectionsStore, caller: str, peer_id: str) -> None:
    connections.delete_pair(caller, _other_than(caller, peer_id), only_if=INCOMING)


@tracer.capture_method
def remove_connection(connections: ConnectionsStore, caller: str, peer_id: str) -> None:
    """End a connection, or withdraw a request the caller made."""
    connections.delete_pair(caller, _other_than(caller, peer_id))


@tracer.capture_method
def list_connections(connections: ConnectionsStore, caller: str) -> list[dict]:
    """The caller's connections and requests, and the lines saying a connection left, until they lapse (the TTL
    clears an item up to two days after its ``expiresAt``; by then the iMTag may be someone else's)."""
    now = time.time()
    return [
        {"peerId": item["peerId"], "iMTag": item["peerTag"], "status": item["status"], "since": item["since"]}
        for item in connections.list(caller)
        if item.get("expiresAt", now + 1) > now
    ]
