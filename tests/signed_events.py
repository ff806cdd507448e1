"""People with keys in the platform's directory, and API Gateway events their devices signed, for calling the
platform's handlers and logic directly."""

from __future__ import annotations

import copy

from imegha_crypto import SIGNATURE_HEADER, NewAccount, sign_request
from imegha_local.people import first_keys

FAST = 100_000  # the lowest the envelopes accept; the default 600,000 is for people, not tests


def with_keys(directory_store, user_id: str, imtag: str) -> NewAccount:
    """``user_id`` signed up as ``imtag``, with keys and a first key statement, as a device uploads them."""
    from logic import directory

    directory.register_user(directory_store, user_id, f"{imtag.lower()}@example.org", imtag)
    account, statement = first_keys(user_id, f"{imtag}'s long password", FAST)
    directory.upload_keys(directory_store, user_id, 0, account.bundle, statement)
    return account


def signed(event: dict, account: NewAccount, user_id: str, nonce: str) -> dict:
    """``event`` with the identity signature ``account``'s device would send with it, under ``nonce``."""
    header = sign_request(
        account.keys.identity_key,
        method=event["httpMethod"],
        path=event["path"],
        body=(event.get("body") or "").encode(),
        user_id=user_id,
        nonce=nonce,
    )
    changed = copy.deepcopy(event)
    changed["headers"] = (changed.get("headers") or {}) | {SIGNATURE_HEADER: header}
    changed["multiValueHeaders"] = (changed.get("multiValueHeaders") or {}) | {SIGNATURE_HEADER: [header]}
    return changed


def calling_as(event: dict, user_id: str) -> dict:
    """``event`` with its Cognito authorizer's claims naming ``user_id``: a valid token of theirs."""
    changed = copy.deepcopy(event)
    changed["requestContext"]["authorizer"]["claims"]["sub"] = user_id
    return changed
