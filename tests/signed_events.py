"""People with keys in the platform's directory, and API Gateway events their devices signed, for calling the
platform's handlers and logic directly."""

from __future__ import annotations

import copy
from dataclasses import replace

from imegha.platform_api import PlatformApi, RequestSigner
from imegha_crypto import SIGNATURE_HEADER, NewAccount, create_account, sign_key_statement, sign_request

FAST = 100_000  # the lowest the envelopes accept; the default 600,000 is for people, not tests


def new_keys(user_id: str) -> tuple[NewAccount, dict]:
    """What a device makes at sign-up: the account's keys, and the first key statement naming them."""
    account = create_account(user_id, "a long test password", iterations=FAST)
    statement = sign_key_statement(
        account.keys.identity_key,
        user_id=user_id,
        exchange_key=account.keys.exchange_key.public_key,
        cloud_url=None,
        sequence=1,
    )
    return account, statement


def with_keys(directory_store, user_id: str, imtag: str) -> NewAccount:
    """``user_id`` signed up as ``imtag``, with keys and a first key statement, as a device uploads them."""
    from logic import directory

    directory.register_user(directory_store, user_id, f"{imtag.lower()}@example.org", imtag)
    account, statement = new_keys(user_id)
    directory.upload_keys(directory_store, user_id, 0, account.bundle, statement)
    return account


def keys_uploaded(api: PlatformApi, user_id: str) -> PlatformApi:
    """The first upload of keys and statement a device makes after its sign-up is confirmed; returns the API that
    signs what cannot be undone with the identity key it uploaded."""
    account, statement = new_keys(user_id)
    api.upload_keys(0, account.bundle, statement)
    return replace(api, signer=RequestSigner(user_id, lambda: account.keys.identity_key))


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
