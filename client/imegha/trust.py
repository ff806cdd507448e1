"""Not trusting the directory blindly: peers' key statements, checked and pinned.

The first statement seen for a peer pins their identity key (trust on first
use). Every later lookup must verify under that pinned key with a sequence no
lower than the last one seen; anything else is refused until the user compares
safety codes with the peer and accepts the new key (``imegha verify NAME --accept
CODE``). Accepting names what was compared, the code or the fingerprint, so it
pins the key that was compared and no other: a key the directory serves in its
place when the person types it is refused (:func:`compared`).
"""

from __future__ import annotations

from dataclasses import dataclass

from imegha_crypto import (
    CloudConfirmed,
    CryptoError,
    ExchangePublicKey,
    IdentityPublicKey,
    b64url_decode,
    b64url_encode,
    verify_key_statement,
)

from .documents import JSONObject
from .profile import Profile


class UntrustedPeer(Exception):
    """The directory served something about a peer that their pinned identity key does not vouch for.

    >>> try:  # doctest: +SKIP
    ...     bob = alice.peer("Bob")
    ... except UntrustedPeer as warning:
    ...     print(warning)  # compare safety codes before trusting a changed key
    """


@dataclass(frozen=True)
class Peer:
    """A user as the directory serves them, checked against the identity key pinned for them.

    >>> bob = alice.peer("Bob")  # pinned the first time, checked ever after  # doctest: +SKIP
    >>> bob.verified, bob.first_seen  # doctest: +SKIP
    (False, True)
    >>> code, bob = alice.safety_code("Bob")  # read aloud by both  # doctest: +SKIP
    >>> code, bob = alice.verify("Bob", code)  # they matched: exactly that key is pinned as verified  # doctest: +SKIP
    """

    user_id: str
    imtag: str
    exchange_key: ExchangePublicKey
    identity_key: IdentityPublicKey
    cloud_url: str | None
    sequence: int
    verified: bool
    first_seen: bool
    cloud_confirmed: CloudConfirmed | None = None
    """How the peer's device confirmed ``cloud_url`` is the stack in their account; None: unconfirmed (shown so)."""

    @property
    def cloud_confirmation(self) -> CloudConfirmed | bool | None:
        """As shown: None (no cloud), ``"account"`` or ``"stack"`` (how their device confirmed it), or False: their
        device signed it unconfirmed, which this device shows as such."""
        return None if self.cloud_url is None else self.cloud_confirmed or False


class PinStore:
    def __init__(self, profile: Profile):
        self.profile = profile

    def _all(self) -> JSONObject:
        return self.profile.read("pins") or {}

    def get(self, user_id: str) -> JSONObject | None:
        pin: JSONObject | None = self._all().get(user_id)
        return pin

    def put(self, user_id: str, pin: JSONObject) -> None:
        pins = self._all()
        pins[user_id] = pin
        self.profile.write("pins", pins)

    def all(self) -> JSONObject:
        """Every pin, by user id."""
        return self._all()


def trusted_peer(
    pins: PinStore, found: JSONObject, *, accept_new_identity: bool = False, remember: bool = True
) -> Peer:
    """Check a directory lookup against the pins; pin it the first time; raise ``UntrustedPeer`` on any mismatch.

    ``remember=False`` checks without pinning anything (to show what accepting would trust).
    """
    user_id, imtag = found["userId"], found["iMTag"]
    statement = found.get("keyStatement")
    if statement is None:
        raise UntrustedPeer(f"{imtag} has not published a signed key statement yet; nothing vouches for their keys")
    pin = pins.get(user_id)
    pinned = None if pin is None or accept_new_identity else IdentityPublicKey(b64url_decode(pin["identityKey"]))
    try:
        checked = verify_key_statement(
            statement,
            user_id=user_id,
            pinned_identity=pinned,
            min_sequence=0 if pinned is None or pin is None else pin["sequence"],
        )
    except CryptoError as error:
        raise UntrustedPeer(
            f"WARNING: the directory's keys for {imtag} do not check out: {error}. Do not share with {imtag}: "
            f"compare safety codes with them in person or on a call, and only if they match run "
            f"'imegha verify {imtag} --accept CODE' with the code you both read."
        ) from None
    if found.get("exchangeKey") not in (None, b64url_encode(checked.exchange_key.der)):
        raise UntrustedPeer(
            f"WARNING: the directory serves {imtag} an exchange key their signed statement does not name; "
            "the statement's key is the only one to use. Compare safety codes before sharing."
        )
    # Until a statement names the user's cloud, the directory's link to it is unsigned and goes unused.
    if checked.cloud_url is not None and found.get("cloudUrl") not in (None, checked.cloud_url):
        raise UntrustedPeer(
            f"WARNING: the directory serves {imtag} a cloud URL ({found['cloudUrl']}) their signed statement does not "
            f"name ({checked.cloud_url}); do not send {imtag} anything until they publish a statement naming it."
        )
    identity_changed = pin is not None and pin["identityKey"] != b64url_encode(checked.identity_key.der)
    verified = bool(pin and pin.get("verified")) and not identity_changed
    if remember:
        pins.put(
            user_id,
            {
                "iMTag": imtag,
                "identityKey": b64url_encode(checked.identity_key.der),
                "sequence": checked.sequence,
                "verified": verified,
            },
        )
    return Peer(
        user_id=user_id,
        imtag=imtag,
        exchange_key=checked.exchange_key,
        identity_key=checked.identity_key,
        cloud_url=checked.cloud_url,
        sequence=checked.sequence,
        verified=verified,
        first_seen=pin is None,
        cloud_confirmed=checked.cloud_confirmed,
    )


def mark_verified(pins: PinStore, user_id: str) -> None:
    pin = pins.get(user_id)
    if pin is None:
        raise UntrustedPeer(f"nothing is pinned for user {user_id} on this device: look them up first")
    pins.put(user_id, {**pin, "verified": True})


class NotACode(UntrustedPeer, ValueError):
    """What was given to accept a key by is neither a safety code nor a fingerprint: the person's input is wrong."""


def compared(what: str, code: str, identity_key: IdentityPublicKey) -> bool:
    """Whether ``what`` the person compared names this key: ``code`` (the safety code it gives with theirs, twelve
    groups of five digits) or its fingerprint (64 hex digits), as read or shown, spaces, colons and letter case aside.

    >>> compared("12345 67890 ...", code, bob.identity_key)  # doctest: +SKIP
    """
    typed = "".join(what.split()).replace(":", "").lower()
    if typed.isdigit() and len(typed) == len(code.replace(" ", "")):
        return typed == code.replace(" ", "")
    fingerprint = identity_key.fingerprint.hex
    if len(typed) == len(fingerprint) and all(character in "0123456789abcdef" for character in typed):
        return typed == fingerprint
    raise NotACode(
        f"{what!r} is neither a safety code (twelve groups of five digits) nor a fingerprint (64 hex digits)"
    )
