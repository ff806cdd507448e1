"""Wrapping keys: for their owner under a symmetric key, or for another user under their RSA public key.

The hierarchy decides what may wrap what. Asking for anything else is a
programming error and raises ``TypeError`` before any cryptography happens.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, Self

from .aead import MOVED_OR_ALTERED, open_envelope, seal_envelope
from .canonical import Context, JSONObject, b64url_decode, b64url_encode, binding
from .envelopes import validate_envelope
from .errors import DecryptionError
from .held import CHILD_KINDS, HeldDataKey, HeldExchangeKey
from .keys import (
    AIConversationKey,
    AlbumKey,
    ConversationKey,
    DataKey,
    ExchangePrivateKey,
    ExchangePublicKey,
    FileKey,
    FolderKey,
    GroupKey,
    IdentityPrivateKey,
    SymmetricKey,
)
from .primitives import rsa_oaep_decrypt, rsa_oaep_encrypt

Wrappable = SymmetricKey | ExchangePrivateKey | IdentityPrivateKey


class _KeyClass(Protocol):
    """What unwrapping asks of the class it is given: the kind it checks, and the key it makes."""

    KIND: ClassVar[str]

    @classmethod
    def _from_envelope(cls, secret: bytes, envelope: JSONObject) -> Self: ...


# The whitepaper's hierarchy: the DEK holds everything of its owner's; a shared
# folder or album holds the keys of what is inside it.
_MAY_WRAP: dict[type, tuple[type, ...]] = {
    DataKey: (
        FileKey,
        ConversationKey,
        FolderKey,
        AlbumKey,
        AIConversationKey,
        GroupKey,
        ExchangePrivateKey,
        IdentityPrivateKey,
    ),
    FolderKey: (FileKey, FolderKey),
    AlbumKey: (FileKey,),
}

# What a DEK held by another process (the key agent) wraps and opens for this one: the account's private keys are
# wrapped and opened where the DEK is, and never travel.
_CHILD_KEYS = tuple(CHILD_KINDS.values())

# What may travel to another user: the keys of shared things. Never a DEK, an
# AIK (AI conversations are private) or a private key.
_SHAREABLE = (FileKey, FolderKey, AlbumKey, ConversationKey, GroupKey)


def wrap_key(
    key: Wrappable,
    *,
    wrapping_key: DataKey | HeldDataKey | FolderKey | AlbumKey | ExchangePublicKey,
    context: Context,
) -> JSONObject:
    """Wrap ``key`` for its owner (under a DEK, FK or AK) or for a recipient (under their RSA public key).

    Returns a ``wrapped-key`` or ``recipient-wrapped-key`` envelope bound to ``context``. A DEK held elsewhere
    (:class:`HeldDataKey`) is asked to wrap it.
    """
    if isinstance(wrapping_key, HeldDataKey):
        if not isinstance(key, _CHILD_KEYS):
            raise TypeError(f"a DEK held elsewhere wraps the keys under it, not one of kind {_name(type(key))}")
        return wrapping_key.wrap(key, context)
    if isinstance(wrapping_key, ExchangePublicKey):
        _require_shareable(type(key))
        header = {
            "v": 1,
            "alg": "RSA-OAEP-256",
            "kind": key.KIND,
            **key._envelope_fields(),
            "recipient": wrapping_key.fingerprint.hex,
        }
        label = binding("recipient-wrapped-key", header, context)
        return {**header, "ct": b64url_encode(rsa_oaep_encrypt(wrapping_key.der, key.secret_bytes(), label))}
    _require_may_wrap(type(wrapping_key), type(key))
    header = {"v": 1, "alg": "A256GCM", "kind": key.KIND, "wrappedBy": wrapping_key.KIND, **key._envelope_fields()}
    return seal_envelope(wrapping_key.secret_bytes(), key.secret_bytes(), "wrapped-key", header, context)


def unwrap_key[K: _KeyClass](
    envelope: JSONObject,
    kind: type[K],
    *,
    unwrapping_key: DataKey | HeldDataKey | FolderKey | AlbumKey | ExchangePrivateKey | HeldExchangeKey,
    context: Context,
) -> K:
    """Open a wrapped key; refuse unless it holds a ``kind`` wrapped under ``unwrapping_key`` for ``context``.

    A DEK or RSA key held elsewhere (:class:`HeldDataKey`, :class:`HeldExchangeKey`) is asked to open it.
    """
    if isinstance(unwrapping_key, (HeldDataKey, HeldExchangeKey)):
        if isinstance(unwrapping_key, HeldDataKey):
            if kind not in _CHILD_KEYS:
                raise TypeError(f"a DEK held elsewhere opens the keys under it, not one of kind {_name(kind)}")
        else:
            _require_shareable(kind)
        return kind._from_envelope(unwrapping_key.unwrap_secret(envelope, kind.KIND, context), envelope)
    if isinstance(unwrapping_key, ExchangePrivateKey):
        _require_shareable(kind)
        validate_envelope("recipient-wrapped-key", envelope)
        _require_kind(envelope, kind)
        recipient = unwrapping_key.public_key.fingerprint.hex
        if envelope["recipient"] != recipient:
            raise DecryptionError(
                f"this key was wrapped for the public key {envelope['recipient']}, not for yours ({recipient})"
            )
        header = {name: value for name, value in envelope.items() if name != "ct"}
        try:
            secret = rsa_oaep_decrypt(
                unwrapping_key.secret_bytes(),
                b64url_decode(envelope["ct"]),
                binding("recipient-wrapped-key", header, context),
            )
        except DecryptionError as exc:
            raise DecryptionError(f"the {kind.KIND} sent to you does not open: {MOVED_OR_ALTERED}") from exc
        return kind._from_envelope(secret, envelope)
    _require_may_wrap(type(unwrapping_key), kind)
    validate_envelope("wrapped-key", envelope)
    _require_kind(envelope, kind)
    if envelope["wrappedBy"] != unwrapping_key.KIND:
        raise DecryptionError(
            f"this key is wrapped by a key of kind {envelope['wrappedBy']}, not {unwrapping_key.KIND}"
        )
    secret = open_envelope(
        unwrapping_key.secret_bytes(),
        envelope,
        "wrapped-key",
        context,
        f"the wrapped {kind.KIND} does not open with this {unwrapping_key.KIND}: wrong key, or {MOVED_OR_ALTERED}",
    )
    return kind._from_envelope(secret, envelope)


def _require_may_wrap(wrapping_kind: type, kind: type) -> None:
    if kind not in _MAY_WRAP.get(wrapping_kind, ()):
        raise TypeError(f"a key of kind {_name(wrapping_kind)} does not wrap one of kind {_name(kind)}")


def _require_shareable(kind: type) -> None:
    if kind not in _SHAREABLE:
        raise TypeError(f"keys of kind {_name(kind)} are never wrapped for another user")


def _name(kind: type) -> str:
    return getattr(kind, "KIND", kind.__name__)


def _require_kind(envelope: JSONObject, kind: type[_KeyClass]) -> None:
    if envelope["kind"] != kind.KIND:
        raise DecryptionError(f"this envelope holds a key of kind {envelope['kind']}, not {kind.KIND}")
