"""The doorbell's front door: a user's cloud rings, as its own AWS role, for its owner alone.

The doorbell API takes only requests signed with an AWS role (``AWS_IAM``), so
API Gateway tells who rang: the account the signature's key belongs to. A ring
is believed only from the account registered as the claimed sender's cloud
(``cloudAccountId`` on their directory entry); anything else is refused with
403 and reaches no one. A believed ring goes on the platform bus as the event
the cloud described, from the platform itself, carrying the account it came
from (``cloudAccountId``) for the notifier to check again. So no account but
the platform's ever puts events on the bus, and onboarding a user changes no
policy: the bus has none, and the API's one statement covers every cloud.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer

from dal.directory import DirectoryStore
from imegha_service.errors import NotAllowed, NotFound
from imegha_service.events import EventPublisher

logger = Logger()
tracer = Tracer()

RELAYED_ACCOUNT = "cloudAccountId"
"""Where a relayed event carries the account that rang; a cloud may not set it (the ring's schema forbids it)."""


@tracer.capture_method
def relay(directory: DirectoryStore, bus: EventPublisher, account: str, detail_type: str, detail: dict) -> dict:
    """Put the ring on the bus if ``account`` (who signed it) runs the claimed sender's cloud; else NotAllowed."""
    sender = detail["senderId"]
    try:
        registered = directory.user(sender).get("cloudAccountId")
    except NotFound:
        registered = None
    if registered is None or registered != account:
        logger.warning("ring refused", extra={"account": account, "senderId": sender, "detailType": detail_type})
        raise NotAllowed(f"account {account} does not run {sender}'s cloud: a cloud rings for its owner only")
    bus.publish(detail_type, {**detail, RELAYED_ACCOUNT: account})
    return {"rung": True}
