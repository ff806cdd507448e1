"""Reading the audit log: entries in order with the head, for the owner's device to verify; and the checkpoints
the owner's devices signed, kept for all of them.

The cloud hands the log out as stored and does not vouch for it; the device
checks the chain against every checkpoint its owner signed, so a log edited,
cut short, rewritten or shown differently to two devices here is caught there
(``imegha audit --verify``).
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from dal.audit import AuditCheckpoints, AuditedTable
from imegha_service.errors import InvalidRequest

tracer = Tracer()


@tracer.capture_method
def read(log: AuditedTable, after: int, limit: int) -> dict:
    """Up to ``limit`` entries after entry ``after``, the head, and where to go on.

    The head is read after the entries, so it is never behind them; a reader
    goes on until a page reaches the head it comes with.
    """
    entries = log.entries(after, limit)
    head = log.head()
    following = entries[-1]["seq"] if entries and entries[-1]["seq"] < head.seq else None
    return {"entries": entries, "head": head.as_json(), "next": following}


@tracer.capture_method
def checkpoints(store: AuditCheckpoints, after: int, limit: int) -> dict:
    """Checkpoint records past entry ``after``, and where to go on (None: no more)."""
    records, following = store.page(after, limit)
    return {"checkpoints": records, "next": following}


@tracer.capture_method
def store_checkpoint(store: AuditCheckpoints, owner: str, record: dict) -> dict:
    """Keep a checkpoint of this cloud's log (its shape already checked), unless one of a later entry is held."""
    body = record["body"]
    if body["userId"] != owner:
        raise InvalidRequest("body/userId", "a checkpoint names the log of this cloud's owner")
    store.add(body["seq"], body["hash"], record)
    return {"seq": body["seq"], "hash": body["hash"]}
