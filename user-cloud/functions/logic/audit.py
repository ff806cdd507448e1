"""Reading the audit log: entries in order with the head, for the owner's device to verify.

The cloud hands the log out as stored and does not vouch for it; the device
checks the chain and keeps the head it verified, so a log edited, cut short or
rewritten here is caught there (``imegha audit --verify``).
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from dal.audit import AuditedTable

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
