"""Sealing content: files with the chunked scheme, small payloads as ``sealed-data`` envelopes."""

from __future__ import annotations

from dataclasses import dataclass

from .aead import MOVED_OR_ALTERED, open_envelope, seal_envelope
from .canonical import Context, JSONObject, binding
from .chunked import (
    CHUNK_SIZE,
    HEADER_SIZE,
    SEALED_CHUNK_SIZE,
    BinarySink,
    BinarySource,
    chunked_ciphertext_size,
    chunked_decrypt_stream,
    chunked_encrypt_stream,
    chunked_encrypt_stream_from,
)
from .envelopes import validate_envelope
from .errors import DecryptionError, FormatError
from .keys import AIConversationKey, AlbumKey, ConversationKey, FileKey, FolderKey, GroupKey

SealingKey = FileKey | ConversationKey | FolderKey | AlbumKey | AIConversationKey | GroupKey

# Sealed data lives in DynamoDB items, which hold at most 400 KB; base64url
# makes 128 KiB into 175 KB and leaves room for the rest of the item.
SEALED_DATA_MAX_BYTES = 128 * 1024

# The layout of a sealed file: a header, then each 16 KiB of plaintext as a
# chunk 16 bytes longer (the last chunk shorter, possibly empty).
SEALED_FILE_HEADER_SIZE = HEADER_SIZE
FILE_CHUNK_SIZE = CHUNK_SIZE


def _file_binding(context: Context) -> bytes:
    # The chunked scheme has no header of its own; this one stands in for it so
    # that a file's context string follows the same rule as every envelope.
    return binding("sealed-file", {"v": 1, "kind": FileKey.KIND}, context)


def seal_file(key: FileKey, source: BinarySource, destination: BinarySink, context: Context) -> int:
    """Stream ``source`` sealed under ``key`` into ``destination``; returns the bytes written."""
    _require(isinstance(key, FileKey), "files are sealed with a FileKey")
    return chunked_encrypt_stream(key.secret_bytes(), source, destination, _file_binding(context))


def continue_seal_file(
    key: FileKey, source: BinarySource, destination: BinarySink, context: Context, *, header: bytes, first_chunk: int
) -> int:
    """Seal chunks ``first_chunk`` onward of the file whose sealed form begins with ``header``; returns bytes written.

    For resuming an upload: ``header`` is the first ``SEALED_FILE_HEADER_SIZE``
    bytes ``seal_file`` wrote, and ``source`` is positioned at the plaintext of
    chunk ``first_chunk`` (see ``sealed_file_position``). The chunks come out
    exactly as the first time, so ``source`` must hold the very same bytes:
    other bytes under the same header would reuse AES-GCM nonces, which gives
    away both plaintexts. The caller checks that the file did not change.
    """
    _require(isinstance(key, FileKey), "files are sealed with a FileKey")
    return chunked_encrypt_stream_from(
        key.secret_bytes(), header, first_chunk, source, destination, _file_binding(context)
    )


def sealed_file_size(plaintext_size: int) -> int:
    """The exact size of a sealed file of ``plaintext_size`` bytes, known before sealing it."""
    return chunked_ciphertext_size(plaintext_size)


@dataclass(frozen=True)
class SealedFilePosition:
    """Where sealing must start again to produce a sealed file from byte ``offset`` on."""

    chunk: int
    """The chunk whose sealed form holds the byte at ``offset``."""
    plaintext_offset: int
    """Where that chunk's plaintext starts."""
    skip: int
    """Bytes of that chunk's sealed form that come before ``offset``."""


def sealed_file_position(offset: int) -> SealedFilePosition:
    """The chunk to seal again from, to go on writing a sealed file at byte ``offset`` (past its header)."""
    if offset < SEALED_FILE_HEADER_SIZE:
        raise ValueError(f"byte {offset} is inside the header: seal the file from its start")
    chunk, skip = divmod(offset - SEALED_FILE_HEADER_SIZE, SEALED_CHUNK_SIZE)
    return SealedFilePosition(chunk=chunk, plaintext_offset=chunk * FILE_CHUNK_SIZE, skip=skip)


def open_file(key: FileKey, source: BinarySource, destination: BinarySink, context: Context) -> int:
    """Stream the sealed ``source`` opened into ``destination``; returns the bytes written.

    Raises ``DecryptionError`` for a wrong key or context, tampering or truncation.
    """
    _require(isinstance(key, FileKey), "files are opened with a FileKey")
    return chunked_decrypt_stream(key.secret_bytes(), source, destination, _file_binding(context))


def seal_data(key: SealingKey, plaintext: bytes, context: Context) -> JSONObject:
    """Seal a small payload (metadata, a message) under a content key; returns a ``sealed-data`` envelope."""
    _require(isinstance(key, SealingKey), f"data is sealed with a content key, not a {type(key).__name__}")
    if len(plaintext) > SEALED_DATA_MAX_BYTES:
        raise FormatError(
            f"{len(plaintext):,} bytes is more than sealed data holds ({SEALED_DATA_MAX_BYTES:,}); seal it as a file"
        )
    header = {"v": 1, "alg": "A256GCM", "kind": key.KIND, **key._envelope_fields()}
    return seal_envelope(key.secret_bytes(), plaintext, "sealed-data", header, context)


def open_data(key: SealingKey, envelope: JSONObject, context: Context) -> bytes:
    """Open a ``sealed-data`` envelope sealed under ``key`` for ``context``."""
    _require(isinstance(key, SealingKey), f"data is opened with a content key, not a {type(key).__name__}")
    validate_envelope("sealed-data", envelope)
    sealed_with: JSONObject = {name: envelope[name] for name in ("kind", "epoch") if name in envelope}
    opening_with = {"kind": key.KIND, **key._envelope_fields()}
    if sealed_with != opening_with:
        raise DecryptionError(f"this was sealed with {_describe(sealed_with)}, not with {_describe(opening_with)}")
    return open_envelope(
        key.secret_bytes(),
        envelope,
        "sealed-data",
        context,
        f"the data does not open with this {key.KIND}: wrong key, or {MOVED_OR_ALTERED}",
    )


def _describe(key_fields: JSONObject) -> str:
    epoch = f", epoch {key_fields['epoch']}" if "epoch" in key_fields else ""
    return f"a key of kind {key_fields['kind']}{epoch}"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise TypeError(message)
