"""The directory: who is who. Email, iMTag, wrapped keys, public keys, the signed key statement.

Everything here is either public (public keys, statements) or sealed on the
user's device (wrapped keys); the checks below are about shape, ownership and
ordering, never about content, which this code cannot read.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

from aws_lambda_powertools import Tracer

from dal.connections import CONNECTED, ConnectionsStore
from dal.devices import DeviceStore
from dal.directory import DirectoryStore
from dal.phones import PhoneEndpoints
from dal.user_pool import UserPool
from imegha_crypto import (
    CryptoError,
    IdentityPublicKey,
    b64url_decode,
    recovery_verifier,
    validate_envelope,
    verify_key_statement,
)
from imegha_service.errors import Conflict, InvalidRequest, NotAllowed, NotFound
from logic.imtags import skeleton

tracer = Tracer()

IMTAG_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{2,31}")
# How long a sign-up holds its iMTag unconfirmed: as long as the code Cognito emails at sign-up stays valid.
RESERVATION_SECONDS = 24 * 3600
# Fields a device may replace after sign-up: re-wrapping the same DEK under a
# new password or phrase, or re-wrapping the private keys under it. The public
# keys stay: others have pinned them.
REWRAPPABLE = ("passwordWrappedDek", "recoveryWrappedDek", "wrappedExchangeKey", "wrappedIdentityKey")
# One answer for every refused recovery: an unknown email, a wrong phrase and an account without keys look alike.
NOT_THIS_ACCOUNTS_PHRASE = "this recovery phrase is not the one of that email's account: nothing was changed"


def check_imtag(imtag: str) -> str:
    if not isinstance(imtag, str) or not IMTAG_PATTERN.fullmatch(imtag):
        outside = next((character for character in str(imtag) if not character.isascii()), None)
        raise InvalidRequest(
            "iMTag",
            "3 to 32 characters: a letter, then letters, digits, '_', '.' or '-', where only the ASCII "
            "letters A-Z and a-z count" + (f" ({outside!r} is not one)" if outside else ""),
        )
    return imtag


@tracer.capture_method
def reserve_imtag(store: DirectoryStore, imtag: str, email: str, now: datetime) -> None:
    """PreSignUp: hold the tag for this email's sign-up, before Cognito creates the account.

    The database refuses a tag another sign-up holds or another user owns, in any
    letter case or as a look-alike (:mod:`logic.imtags`), so of two sign-ups racing
    for "Mona" and "MONA", or "Alice" and "AIice", the second is refused now, at
    sign-up, rather than after its confirmation, and told which tag it resembles.
    The same email may sign up again for the same tag; a reservation nobody
    confirms lapses.
    """
    at = int(now.timestamp())
    try:
        store.reserve_tag(check_imtag(imtag), skeleton(imtag), email, at, at + RESERVATION_SECONDS)
    except Conflict as taken:
        resembled = store.lookalike_holder(skeleton(imtag))
        if resembled is None or resembled.casefold() == imtag.casefold():
            raise
        raise Conflict(f"iMTag {imtag!r} looks like {resembled!r}, which is taken: choose another") from taken


@tracer.capture_method
def register_user(store: DirectoryStore, user_id: str, email: str, imtag: str) -> None:
    """Create the directory entry of a confirmed account from its reservation; repeating it for the same user is a
    no-op."""
    now = datetime.now(UTC)
    try:
        store.create_user(
            user_id, email, check_imtag(imtag), skeleton(imtag), int(now.timestamp()), now.isoformat(timespec="seconds")
        )
    except Conflict:
        existing = store.user_id_for_tag(imtag)
        if existing != user_id:
            raise


@tracer.capture_method
def confirm_sign_up(
    store: DirectoryStore, user_pool: UserPool, username: str, user_id: str, email: str, imtag: str
) -> None:
    """PostConfirmation of a sign-up: its reservation becomes its directory entry.

    If the tag went to someone else meanwhile (the reservation lapsed before this
    sign-up was confirmed, and another sign-up took the tag), the account Cognito
    has just confirmed is removed: it holds nothing yet, and left in place it would
    sign in to no directory entry while keeping its email from signing up again.
    """
    try:
        register_user(store, user_id, email, imtag)
    except Conflict:
        user_pool.delete_user(username)
        raise Conflict(
            f"iMTag {imtag!r} was taken while this sign-up waited for its confirmation: sign up again with another iMTag"
        ) from None


@tracer.capture_method
def my_profile(store: DirectoryStore, caller: str) -> dict:
    user = store.user(caller)
    return {
        "userId": caller,
        "email": user["email"],
        "iMTag": user["iMTag"],
        "keysVersion": int(user["keysVersion"]),
        "keys": user.get("keys"),
        "keyStatement": user.get("keyStatement"),
        "cloudUrl": user.get("cloudApiUrl"),
        "recoveredPasswordWrappedDek": user.get("recoveredPasswordWrappedDek"),
    }


@tracer.capture_method
def upload_keys(
    store: DirectoryStore,
    caller: str,
    expected_version: int,
    account_keys: dict,
    statement: dict | None = None,
    verifier: str | None = None,
) -> int:
    """Store the caller's wrapped keys; after the first upload only re-wrapped copies may replace them.

    The first upload may carry the first key statement, so that an account never
    has keys that no statement vouches for; any may carry the recovery ``verifier``
    (a device sends it when it knows the phrase: at sign-up).
    """
    _require_valid("keys", "account-keys", account_keys)
    stored = store.user(caller).get("keys")
    changes = {"keys": account_keys} | ({"recoveryVerifier": verifier} if verifier else {})
    if stored is not None:
        if statement is not None:
            raise InvalidRequest(
                "statement", "only the first upload of keys carries one; publish later ones with PUT /me/statement"
            )
        for field in set(account_keys) - set(REWRAPPABLE) - {"v"}:
            if account_keys[field] != stored[field]:
                raise Conflict(f"keys/{field} cannot change: others have pinned your public keys")
    elif statement is not None:
        changes["keyStatement"] = _checked_statement(caller, statement, account_keys, previous_sequence=None)
    return store.replace_keys(caller, expected_version, changes)


@tracer.capture_method
def open_recovery(store: DirectoryStore, email: str, lookup: str) -> dict:
    """For a device without a token that shows the lookup its recovery phrase gives: the email's account and its
    wrapped keys, so that it proves the phrase opens them before Cognito's password or anything else changes.

    Whoever has the email alone learns nothing here, not even whether it has an account: any refusal is the same
    403. What the answer holds opens only with the phrase (256 bits) or the password, and whoever shows the lookup
    holds the phrase.
    """
    user_id, user = _recovering(store, email, lookup)
    return {"userId": user_id, "keysVersion": int(user["keysVersion"]), "keys": user["keys"]}


@tracer.capture_method
def hold_recovered_wrapping(
    store: DirectoryStore, email: str, lookup: str, expected_version: int, envelope: dict
) -> None:
    """Keep the DEK under a recovery's new password beside the stored keys, before Cognito's reset sets that
    password: whichever of the two passwords Cognito then accepts opens the keys, whatever step fails after.

    It replaces nothing: the stored wrapping stays until a device signed in with the new password, and so holding
    the identity key, uploads its keys (``PUT /me/keys``, signed), which removes this one.
    """
    _require_valid("passwordWrappedDek", "password-wrapped-key", envelope)
    user_id, _ = _recovering(store, email, lookup)
    store.hold_recovered_wrapping(user_id, expected_version, envelope)


def _recovering(store: DirectoryStore, email: str, lookup: str) -> tuple[str, dict]:
    """The user id and entry of the account of ``email``, if its verifier is that of ``lookup``; else NotAllowed."""
    user_id = store.user_id_for_email(email)
    user = store.user(user_id) if user_id else {}
    expected = user.get("recoveryVerifier")
    if not (expected and user.get("keys") and hmac.compare_digest(recovery_verifier(lookup), expected)):
        raise NotAllowed(NOT_THIS_ACCOUNTS_PHRASE)
    return str(user_id), user


@tracer.capture_method
def publish_key_statement(store: DirectoryStore, caller: str, statement: dict) -> None:
    """Accept a statement only if it is the caller's, signed by their registered identity key, and newer."""
    user = store.user(caller)
    keys = user.get("keys")
    if keys is None:
        raise Conflict("upload your keys before publishing a key statement")
    previous = user.get("keyStatement")
    previous_sequence = int(previous["body"]["sequence"]) if previous else None
    store.set_statement(caller, _checked_statement(caller, statement, keys, previous_sequence), previous_sequence)


def _checked_statement(caller: str, statement: dict, keys: dict, previous_sequence: int | None) -> dict:
    """The statement, if it is the caller's, signed by the identity key in ``keys``, names its exchange key and is
    newer than ``previous_sequence``."""
    try:
        verify_key_statement(
            statement,
            user_id=caller,
            pinned_identity=IdentityPublicKey(b64url_decode(keys["identityKey"])),
            min_sequence=0 if previous_sequence is None else previous_sequence + 1,
        )
    except CryptoError as error:
        raise InvalidRequest("statement", str(error)) from None
    if statement["body"]["exchangeKey"] != keys["exchangeKey"]:
        raise InvalidRequest("statement/body/exchangeKey", "is not the exchange key you registered")
    return statement


@tracer.capture_method
def lookup_user(store: DirectoryStore, connections: ConnectionsStore, caller: str, imtag: str) -> dict:
    """What anyone signed in may know of a user; the email only if the two are connected."""
    user_id = store.user_id_for_tag(check_imtag(imtag))
    if user_id is None:
        raise NotFound(f"no user has the iMTag {imtag!r}")
    user = store.user(user_id)
    keys = user.get("keys") or {}
    found = {
        "userId": user_id,
        "iMTag": user["iMTag"],
        "exchangeKey": keys.get("exchangeKey"),
        "identityKey": keys.get("identityKey"),
        "keyStatement": user.get("keyStatement"),
        "cloudUrl": user.get("cloudApiUrl"),
    }
    if user_id == caller or connections.status(caller, user_id) == CONNECTED:
        found["email"] = user["email"]
    return found


DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


@tracer.capture_method
def register_device(
    devices: DeviceStore, phones: PhoneEndpoints, caller: str, device_id: str, platform: str, token: str
) -> dict:
    """Register or renew a device's push token and make its SNS endpoint; the platform only ever pushes
    metadata to it. A new token's endpoint is made before the record points at it, and the old one goes after."""
    if not DEVICE_ID_PATTERN.fullmatch(device_id):
        raise InvalidRequest("deviceId", "8 to 64 characters of letters, digits, '_' or '-'")
    previous = devices.get(caller, device_id) or {}
    endpoint = phones.connect(platform, token)
    try:
        devices.put(caller, device_id, platform, token, datetime.now(UTC).isoformat(timespec="seconds"), endpoint)
    except BaseException:
        phones.disconnect(endpoint, keep=previous)
        raise
    phones.disconnect(previous, keep=endpoint)
    return {"deviceId": device_id, "platform": platform, "pushes": bool(endpoint)}


@tracer.capture_method
def unregister_device(devices: DeviceStore, phones: PhoneEndpoints, caller: str, device_id: str) -> None:
    phones.disconnect(devices.delete(caller, device_id))


def _require_valid(field: str, envelope_type: str, envelope: object) -> None:
    try:
        validate_envelope(envelope_type, envelope)
    except CryptoError as error:
        raise InvalidRequest(field, str(error)) from None
