"""Files sealed with c2sp.org/chunked-encryption, instantiated as Cobblestone-256.

The scheme (https://c2sp.org/chunked-encryption, with SHA-512 and
AEAD_AES_256_GCM) turns one 32-byte input key into a single-use AES-256 key,
base nonce and key commitment per message:

    key || base nonce || commitment = HKDF-Expand-SHA-512(prk = input key,
        info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" || 0x00 || salt || context)

and writes ``salt (24) || commitment (32) || sealed chunks``. The plaintext is
cut into 16 KiB chunks; chunk ``i`` is sealed with AES-256-GCM under the nonce
``base nonce XOR i`` (big-endian) with no associated data. The last chunk is
always shorter than 16 KiB, empty if need be, so a message cut at a chunk
boundary has no valid last chunk and is refused as truncated. Every step is
HMAC or AES-GCM, which a browser's Web Crypto can do as well.

Streams are processed in batches of whole chunks through buffers allocated
once, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import hmac
import io
import os
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from .errors import DecryptionError

KEY_SIZE = 32
CHUNK_SIZE = 16 * 1024
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
SALT_SIZE = 24
COMMITMENT_SIZE = 32
HEADER_SIZE = SALT_SIZE + COMMITMENT_SIZE
# One revision of the spec caps messages at 2**38 chunks, a later one at 2**40
# and allows a lower cap; 2**38 (4 PiB) is valid under both.
MAX_CHUNKS = 1 << 38

_INFO_PREFIX = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00"
_NONCE_SIZE = 12
# Chunks per read: 256 KiB of plaintext and its sealed form stay within a
# core's L2 cache, which measured faster than larger batches.
_BATCH_CHUNKS = 16


def chunked_ciphertext_size(plaintext_size: int) -> int:
    """Exact size of the sealed form of ``plaintext_size`` bytes, known before sealing."""
    if not 0 <= plaintext_size < MAX_CHUNKS * CHUNK_SIZE:
        raise ValueError(f"a sealed file holds 0 to {MAX_CHUNKS * CHUNK_SIZE - 1} bytes, not {plaintext_size}")
    full_chunks, last_chunk = divmod(plaintext_size, CHUNK_SIZE)
    return HEADER_SIZE + full_chunks * SEALED_CHUNK_SIZE + last_chunk + TAG_SIZE


def chunked_plaintext_size(ciphertext_size: int) -> int:
    """Size of the plaintext inside a sealed message of ``ciphertext_size`` bytes.

    Raises ``DecryptionError`` for a size no sealed message can have: shorter
    than the header and an empty last chunk, or cut at a chunk boundary.
    """
    body_size = ciphertext_size - HEADER_SIZE
    full_chunks, last_sealed = divmod(body_size, SEALED_CHUNK_SIZE)
    if body_size < TAG_SIZE or last_sealed < TAG_SIZE:
        raise DecryptionError(f"{ciphertext_size} bytes is not the size of a sealed file: it is truncated")
    if full_chunks >= MAX_CHUNKS:
        raise DecryptionError(f"{ciphertext_size} bytes is more than a sealed file can hold")
    return full_chunks * CHUNK_SIZE + last_sealed - TAG_SIZE


class _MessageKeys:
    """The single-use AES-256-GCM key, base nonce and commitment of one message."""

    __slots__ = ("aead", "base_nonce", "commitment")

    def __init__(self, key: bytes, salt: bytes, context: bytes) -> None:
        derived = HKDFExpand(
            algorithm=hashes.SHA512(),
            length=KEY_SIZE + _NONCE_SIZE + COMMITMENT_SIZE,
            info=_INFO_PREFIX + bytes(salt) + bytes(context),
        ).derive(key)
        self.aead = AESGCM(derived[:KEY_SIZE])
        self.base_nonce = int.from_bytes(derived[KEY_SIZE : KEY_SIZE + _NONCE_SIZE], "big")
        self.commitment = derived[KEY_SIZE + _NONCE_SIZE :]

    @classmethod
    def for_opening(cls, key: bytes, header: bytes, context: bytes) -> _MessageKeys:
        """Derive from a sealed header, refusing it unless its commitment matches."""
        if len(key) != KEY_SIZE:
            raise DecryptionError(f"the key is {len(key)} bytes; sealed files open with a {KEY_SIZE}-byte key")
        if len(header) < HEADER_SIZE:
            raise DecryptionError("the sealed file is truncated: its header is incomplete")
        keys = cls(key, header[:SALT_SIZE], context)
        # Checked before any chunk is opened, as the spec requires: a wrong key
        # or context stops here, and no chunk is decrypted under a key the
        # header does not commit to.
        if not hmac.compare_digest(keys.commitment, header[SALT_SIZE:HEADER_SIZE]):
            raise DecryptionError("wrong key or context, or the sealed file's header was altered")
        return keys

    def seal(self, first_index: int, chunks: list[memoryview], sealed_chunks: list[memoryview]) -> None:
        """Seal ``chunks``, numbered from ``first_index``, into as many ``sealed_chunks``."""
        encrypt_into, base_nonce = self.aead.encrypt_into, self.base_nonce
        for index, (chunk, sealed) in enumerate(zip(chunks, sealed_chunks), start=first_index):
            encrypt_into((base_nonce ^ index).to_bytes(_NONCE_SIZE, "big"), chunk, None, sealed)

    def open(self, first_index: int, sealed_chunks: list[memoryview], chunks: list[memoryview]) -> None:
        """Open ``sealed_chunks``, numbered from ``first_index``, into as many ``chunks``."""
        decrypt_into, base_nonce = self.aead.decrypt_into, self.base_nonce
        for index, (sealed, chunk) in enumerate(zip(sealed_chunks, chunks), start=first_index):
            try:
                decrypt_into((base_nonce ^ index).to_bytes(_NONCE_SIZE, "big"), sealed, None, chunk)
            except InvalidTag:
                raise DecryptionError(
                    f"chunk {index} of the sealed file failed to authenticate: "
                    "it was altered, moved, or comes from another file"
                ) from None


class _Batch:
    """Buffers for a batch of chunks in both forms, with a view of every chunk in each."""

    def __init__(self) -> None:
        self.plain = memoryview(bytearray(_BATCH_CHUNKS * CHUNK_SIZE))
        self.sealed = memoryview(bytearray(_BATCH_CHUNKS * SEALED_CHUNK_SIZE))
        self.plain_chunks = [self.plain[i * CHUNK_SIZE : (i + 1) * CHUNK_SIZE] for i in range(_BATCH_CHUNKS)]
        self.sealed_chunks = [
            self.sealed[i * SEALED_CHUNK_SIZE : (i + 1) * SEALED_CHUNK_SIZE] for i in range(_BATCH_CHUNKS)
        ]


def _read_fully(src: BinaryIO, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``src``; fewer bytes than its length means the end of ``src``."""
    filled = 0
    while filled < len(buffer):
        count = src.readinto(buffer[filled:])
        if not count:
            break
        filled += count
    return filled


def _write_fully(dst: BinaryIO, data: memoryview) -> None:
    # A raw (unbuffered) file may write only part of what it is given.
    while data:
        data = data[dst.write(data) :]


def chunked_encrypt_stream(key: bytes, src: BinaryIO, dst: BinaryIO, context: bytes = b"") -> int:
    """Seal everything ``src`` holds into ``dst``; returns the number of bytes written.

    ``src`` needs ``readinto`` (any binary file object has it), ``dst`` needs
    ``write``. Memory use is fixed, whatever the size of ``src``.
    """
    if len(key) != KEY_SIZE:
        raise ValueError(f"the key is {len(key)} bytes; sealing takes a {KEY_SIZE}-byte key")
    salt = os.urandom(SALT_SIZE)
    keys = _MessageKeys(key, salt, context)
    _write_fully(dst, memoryview(salt + keys.commitment))
    written = HEADER_SIZE
    batch = _Batch()
    index = 0
    while True:
        filled = _read_fully(src, batch.plain)
        full_chunks, last_size = divmod(filled, CHUNK_SIZE)
        if index + full_chunks >= MAX_CHUNKS:
            raise ValueError(f"a sealed file holds at most {MAX_CHUNKS} chunks (4 PiB)")
        keys.seal(index, batch.plain_chunks[:full_chunks], batch.sealed_chunks[:full_chunks])
        index += full_chunks
        sealed_size = full_chunks * SEALED_CHUNK_SIZE
        if filled == len(batch.plain):
            _write_fully(dst, batch.sealed[:sealed_size])
            written += sealed_size
            continue
        # The end of the input: what is left is the short last chunk, perhaps empty.
        last_chunk = batch.plain_chunks[full_chunks][:last_size]
        last_sealed = batch.sealed_chunks[full_chunks][: last_size + TAG_SIZE]
        keys.seal(index, [last_chunk], [last_sealed])
        sealed_size += last_size + TAG_SIZE
        _write_fully(dst, batch.sealed[:sealed_size])
        return written + sealed_size


def chunked_decrypt_stream(key: bytes, src: BinaryIO, dst: BinaryIO, context: bytes = b"") -> int:
    """Open the sealed file ``src`` into ``dst``; returns the number of bytes written.

    Memory use is fixed, so plaintext is written as it is authenticated, chunk
    by chunk, before the end of ``src`` is reached. Every byte written belongs
    to an authentic chunk in its right place, but if this raises
    ``DecryptionError`` (a truncated file, trailing data, a later chunk
    altered) what was already written is a prefix of the file, not the file:
    the caller must discard ``dst`` on error. ``chunked_decrypt`` never
    returns partial plaintext.
    """
    header = memoryview(bytearray(HEADER_SIZE))
    keys = _MessageKeys.for_opening(key, header[: _read_fully(src, header)], context)
    batch = _Batch()
    index = written = 0
    while True:
        filled = _read_fully(src, batch.sealed)
        full_chunks, last_sealed_size = divmod(filled, SEALED_CHUNK_SIZE)
        if index + full_chunks >= MAX_CHUNKS:
            raise DecryptionError(f"the sealed file has more than the {MAX_CHUNKS} chunks a file can hold")
        # A whole sealed chunk is never the last one (the last is always
        # short), so it opens before knowing where the file ends.
        keys.open(index, batch.sealed_chunks[:full_chunks], batch.plain_chunks[:full_chunks])
        index += full_chunks
        plain_size = full_chunks * CHUNK_SIZE
        if filled == len(batch.sealed):
            _write_fully(dst, batch.plain[:plain_size])
            written += plain_size
            continue
        if last_sealed_size < TAG_SIZE:
            raise DecryptionError("the sealed file is truncated: its last chunk is missing")
        last_size = last_sealed_size - TAG_SIZE
        last_sealed = batch.sealed_chunks[full_chunks][:last_sealed_size]
        keys.open(index, [last_sealed], [batch.plain_chunks[full_chunks][:last_size]])
        plain_size += last_size
        _write_fully(dst, batch.plain[:plain_size])
        return written + plain_size


def chunked_encrypt(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    """Seal ``plaintext`` in memory; the result is ``chunked_ciphertext_size(len(plaintext))`` bytes."""
    sealed = io.BytesIO()
    chunked_encrypt_stream(key, io.BytesIO(plaintext), sealed, context)
    return sealed.getvalue()


def chunked_decrypt(key: bytes, ciphertext: bytes, context: bytes = b"") -> bytes:
    """Open a sealed message in memory: all of its plaintext, or ``DecryptionError`` and nothing."""
    plaintext = io.BytesIO()
    chunked_decrypt_stream(key, io.BytesIO(ciphertext), plaintext, context)
    return plaintext.getvalue()


class ChunkedReader:
    """Random access to a sealed file: any chunk or byte range, without reading the rest.

    Opening checks the commitment and authenticates the last chunk, so
    ``plaintext_size`` is the true size and a truncated or extended file is
    refused before anything is read. ``file`` must be a seekable binary file
    object; the reader moves its position and is not safe to share between
    threads.
    """

    def __init__(self, key: bytes, file: BinaryIO, context: bytes = b"") -> None:
        self._file = file
        self.plaintext_size = chunked_plaintext_size(file.seek(0, io.SEEK_END))
        self.chunk_count = self.plaintext_size // CHUNK_SIZE + 1
        file.seek(0)
        self._keys = _MessageKeys.for_opening(key, file.read(HEADER_SIZE), context)
        self.read_chunk(self.chunk_count - 1)

    def read_chunk(self, index: int) -> bytes:
        """Plaintext of chunk ``index`` (16 KiB except the last), authenticated."""
        if not 0 <= index < self.chunk_count:
            raise IndexError(f"chunk {index} is outside this file's {self.chunk_count} chunks")
        sealed_size = SEALED_CHUNK_SIZE
        if index == self.chunk_count - 1:
            sealed_size = self.plaintext_size % CHUNK_SIZE + TAG_SIZE
        self._file.seek(HEADER_SIZE + index * SEALED_CHUNK_SIZE)
        sealed = memoryview(self._file.read(sealed_size))
        chunk = memoryview(bytearray(sealed_size - TAG_SIZE))
        self._keys.open(index, [sealed], [chunk])
        return chunk.tobytes()

    def read(self, offset: int, size: int) -> bytes:
        """Up to ``size`` plaintext bytes from ``offset``, opening only the chunks they lie in."""
        if offset < 0 or size < 0:
            raise ValueError("offset and size cannot be negative")
        end = min(offset + size, self.plaintext_size)
        if offset >= end:
            return b""
        first, last = offset // CHUNK_SIZE, (end - 1) // CHUNK_SIZE
        joined = b"".join(self.read_chunk(index) for index in range(first, last + 1))
        start = offset - first * CHUNK_SIZE
        return joined[start : start + end - offset]
