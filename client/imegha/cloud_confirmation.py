"""Confirming a cloud URL before the device signs it: is it the API of the stack in the account the person connected?

The platform reports the URL a deployment made; a platform that lied could name a cloud of its own choosing, and a
device that signed whatever it was told would vouch for it to every peer. So before signing, the device asks that
URL a fresh question (its health route with a nonce, under its token for the person's own cloud) and checks the
answer: the nonce it sent (not an answer recorded from another cloud), the account the person connected (the
account in the deployment role they gave, or the local cloud's simulated one), and, when the device holds the
person's own AWS credentials, that CloudFormation there sees that stack, naming that URL. A wrong answer, or none,
and the URL is not signed; with no account to check it against, it is signed as unconfirmed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from imegha_crypto import CloudConfirmed

from .documents import JSONObject
from .endpoints import Unreachable
from .platform_api import ApiError, call_json

StackLookup = Callable[[str], JSONObject | None]
"""The stack with this id as the person's own AWS credentials see it (DescribeStacks), or None if they see none."""


class CloudNotConfirmed(Exception):
    """The URL the platform reported did not answer as the person's own cloud: the device does not sign it."""


@dataclass(frozen=True)
class ConnectedAccount:
    """What this device knows, from the person rather than the platform, about where their cloud should be."""

    account_id: str | None
    """The AWS account the person connected; None when this device was not the one that connected it."""
    stacks: StackLookup | None = None
    """The person's own view of CloudFormation in that account, when they gave this device credentials for it."""


def role_account(role_arn: str) -> str:
    """The account a role ARN (``arn:aws:iam::123456789012:role/…``) lives in."""
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[4].isdigit():
        raise ValueError(f"{role_arn!r} is not an IAM role ARN")
    return parts[4]


def challenge(cloud_url: str, authorization: str, nonce: str | None = None) -> tuple[str, JSONObject]:
    """Ask ``cloud_url`` who it is; the nonce sent and the answer. No answer raises :class:`CloudNotConfirmed`."""
    nonce = nonce or secrets.token_urlsafe(24)
    try:
        answer = call_json("GET", f"{cloud_url.rstrip('/')}/health?nonce={quote(nonce)}", authorization)
    except (ApiError, Unreachable) as error:
        raise CloudNotConfirmed(f"the cloud at {cloud_url} did not answer as yours: {error}") from None
    return nonce, answer or {}


def confirm(cloud_url: str, nonce: str, answer: JSONObject, connected: ConnectedAccount) -> CloudConfirmed | None:
    """How far the answer confirms ``cloud_url``: ``"stack"``, ``"account"``, or None (nothing to check it against).
    An answer that contradicts what the person connected raises :class:`CloudNotConfirmed`."""
    if answer.get("nonce") != nonce:
        raise CloudNotConfirmed(
            f"the cloud at {cloud_url} did not answer this device's challenge (an answer replayed from elsewhere?)"
        )
    if connected.account_id is None:
        return None
    if answer.get("accountId") != connected.account_id:
        raise CloudNotConfirmed(
            f"the cloud at {cloud_url} runs in AWS account {answer.get('accountId')}, not in {connected.account_id}, "
            "the one you connected: the platform reported a cloud that is not yours"
        )
    if connected.stacks is None:
        return "account"
    stack_id = answer.get("stackId")
    stack = connected.stacks(stack_id) if isinstance(stack_id, str) else None
    if stack is None or stack.get("StackStatus", "").startswith("DELETE"):
        raise CloudNotConfirmed(
            f"your AWS credentials see no stack {stack_id} in account {connected.account_id}, "
            f"which the cloud at {cloud_url} says it is"
        )
    outputs = {str(output.get("OutputValue", "")).rstrip("/") for output in stack.get("Outputs", [])}
    if cloud_url.rstrip("/") not in outputs:
        raise CloudNotConfirmed(f"the stack {stack_id} your AWS credentials see does not name {cloud_url} as its API")
    return "stack"


def cloudformation_lookup(client_in: Callable[[str], Any]) -> StackLookup:
    """A :data:`StackLookup` over boto3 CloudFormation clients made from the person's own credentials, asked in the
    region the stack's id names (``arn:aws:cloudformation:<region>:…``: their cloud stands in the region they chose)."""

    def lookup(stack_id: str) -> JSONObject | None:
        parts = stack_id.split(":")
        if len(parts) < 6 or parts[2] != "cloudformation":
            return None
        try:
            stacks = client_in(parts[3]).describe_stacks(StackName=stack_id)["Stacks"]
        except (ClientError, BotoCoreError):  # refused, or no such stack: the person's credentials do not see it
            return None
        found: JSONObject | None = stacks[0] if stacks else None
        return found

    return lookup
