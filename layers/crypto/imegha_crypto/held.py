"""Keys this process does not hold: an account's DEK and private keys, kept by another process that acts on them.

A device's commands never hold the DEK or a private key: the profile's key agent keeps them and performs one
operation at a time, by purpose (open or wrap a key of the hierarchy under its context, sign a record of a kind the
client makes), as ssh-agent does for SSH keys. ``wrap_key``, ``unwrap_key`` and ``sign_record`` (so everything built
on them: messages, rosters, grants, key statements, signed requests) take these in place of the keys themselves and
ask their holder.

What crosses between the two processes is a child key (an FEK, CK, FK, AK, AIK or GK), never the DEK or a private
key; :func:`key_document` and :func:`key_from_document` are its one form.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .canonical import Context, JSONObject, b64url_decode, b64url_encode
from .errors import FormatError
from .keys import (
    AIConversationKey,
    AlbumKey,
    ConversationKey,
    ExchangePublicKey,
    FileKey,
    FolderKey,
    GroupKey,
    IdentityPrivateKey,
    IdentityPublicKey,
)

type ChildKey = FileKey | ConversationKey | FolderKey | AlbumKey | AIConversationKey | GroupKey

# The keys the DEK holds besides the account's private keys: the only ones a key's holder opens or wraps for a caller.
CHILD_KINDS: dict[str, type[ChildKey]] = {
    kind.KIND: kind for kind in (FileKey, ConversationKey, FolderKey, AlbumKey, AIConversationKey, GroupKey)
}


class HeldDataKey(ABC):
    """The DEK, held elsewhere: it wraps and opens the keys of the hierarchy under it, for their contexts."""

    KIND = "DEK"

    @abstractmethod
    def wrap(self, key: ChildKey, context: Context) -> JSONObject:
        """The ``wrapped-key`` envelope of ``key`` under the DEK, bound to ``context``."""

    @abstractmethod
    def unwrap_secret(self, envelope: JSONObject, kind: str, context: Context) -> bytes:
        """The secret of the key of ``kind`` a ``wrapped-key`` envelope holds for ``context``."""


class HeldExchangeKey(ABC):
    """The RSA private key, held elsewhere: it opens the keys of shared things wrapped for it."""

    public_key: ExchangePublicKey

    @abstractmethod
    def unwrap_secret(self, envelope: JSONObject, kind: str, context: Context) -> bytes:
        """The secret of the key of ``kind`` a ``recipient-wrapped-key`` envelope holds for ``context``."""


class HeldIdentityKey(ABC):
    """The Ed25519 identity key, held elsewhere: it signs records of the kinds the client makes."""

    public_key: IdentityPublicKey

    @abstractmethod
    def sign(self, record_type: str, body: JSONObject) -> JSONObject:
        """``body`` signed as a record of ``record_type``: the ``signed-record`` (or ``key-statement``) envelope."""


type IdentitySigner = IdentityPrivateKey | HeldIdentityKey


def key_document(key: ChildKey) -> JSONObject:
    """A child key as it travels to or from its holder: its kind, its secret and its envelope fields (an epoch)."""
    return {"kind": key.KIND, "secret": b64url_encode(key.secret_bytes()), **key._envelope_fields()}


def key_from_document(document: JSONObject) -> ChildKey:
    """The child key :func:`key_document` describes; ``FormatError`` for anything else (a DEK, a private key)."""
    kind = CHILD_KINDS.get(str(document.get("kind")))
    if kind is None:
        raise FormatError(f"not a key of the hierarchy under the DEK: {document.get('kind')!r}")
    try:
        return kind._from_envelope(b64url_decode(document["secret"]), document)
    except (KeyError, TypeError, ValueError) as error:
        raise FormatError(f"a {kind.KIND} described as {sorted(document)} is not one: {error}") from None


def context_from_document(document: JSONObject) -> Context:
    """The :class:`Context` whose ``as_json()`` is ``document``; ``FormatError`` if it is not one."""
    try:
        return Context(owner=document["owner"], object_id=document["object"], version=document["version"])
    except (KeyError, TypeError, ValueError) as error:
        raise FormatError(f"not a context: {error}") from None
