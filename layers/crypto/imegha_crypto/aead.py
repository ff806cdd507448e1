"""AES-256-GCM envelopes: every field but ``iv`` and ``ct`` is header, and the header is in the associated data.

Putting the whole header (version, algorithm, kind, epoch, salt, iterations)
into the binding means no field can be edited without the ciphertext failing
to open, and the rule is the same for every AES-GCM envelope.
"""

from __future__ import annotations

from .canonical import Context, JSONObject, b64url_decode, b64url_encode, binding
from .errors import DecryptionError
from .primitives import aes_gcm_decrypt, aes_gcm_encrypt

# Why a ciphertext under the right key still fails to open.
MOVED_OR_ALTERED = "it was altered, or moved from another owner, object or version"


def seal_envelope(key: bytes, plaintext: bytes, envelope_type: str, header: JSONObject, context: Context) -> JSONObject:
    iv, ciphertext = aes_gcm_encrypt(key, plaintext, binding(envelope_type, header, context))
    return {**header, "iv": b64url_encode(iv), "ct": b64url_encode(ciphertext)}


def open_envelope(key: bytes, envelope: JSONObject, envelope_type: str, context: Context, failure: str) -> bytes:
    """Open an envelope already validated against its schema; ``failure`` says what a refusal means to the user."""
    header = {name: value for name, value in envelope.items() if name not in ("iv", "ct")}
    try:
        return aes_gcm_decrypt(
            key, b64url_decode(envelope["iv"]), b64url_decode(envelope["ct"]), binding(envelope_type, header, context)
        )
    except DecryptionError as exc:
        raise DecryptionError(failure) from exc
