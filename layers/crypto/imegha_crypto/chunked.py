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

Streams are processed in batches of whole chunks through a fixed number of
buffers, so memory stays flat whatever the file size; a long stream also
hands batches to a forked helper process, to use a second core.
"""

from __future__ import annotations

import hmac
import io
import mmap
import os
import struct
import sys
from collections import deque
from collections.abc import Callable
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from .errors import CryptoError, DecryptionError

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
# The unit of work of a stream: chunks read, transformed and written at once.
_BATCH_CHUNKS = 32
# Batches in flight in a stream, at most; each holds both forms of its chunks
# (about 1 MiB), allocated only as needed.
_PIPELINE_BATCHES = 12
# Batches (16 MiB) a stream transforms alone before forking a helper: a fork
# costs a few milliseconds, which the helper wins back over some 30 MiB more.
_HELPER_AFTER_BATCHES = 32
# Batches queued for the helper at once: deep enough that it never waits for
# the next while this process reads, writes or transforms a batch itself.
_HELPER_QUEUE = 8
# Helper protocol: (slot, first chunk index, chunk count) in, the index of a
# chunk that failed to authenticate (or _NO_FAILURE) out.
_REQUEST = struct.Struct("=IQI")
_REPLY = struct.Struct("=q")
_NO_FAILURE = -1


class BinarySource(Protocol):
    """What a stream is sealed or opened from: any binary file (``open(path, "rb")``, ``io.BytesIO``) will do.

    ``readinto`` fills the stream's own buffers with no copy in between;
    ``typing.BinaryIO`` does not declare it, though every binary file has it.
    """

    def readinto(self, buffer: memoryview, /) -> int | None: ...


class BinarySink(Protocol):
    """Where a stream's output goes: any binary file opened for writing.

    ``write`` returns how many bytes it took; the rest is offered again.
    """

    def write(self, data: memoryview, /) -> int: ...


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

    def __init__(self, aead_key: bytes, base_nonce: bytes, commitment: bytes) -> None:
        self.aead = AESGCM(aead_key)
        self.base_nonce = int.from_bytes(base_nonce, "big")
        self.commitment = commitment

    @classmethod
    def derive(cls, key: bytes, salt: bytes | memoryview, context: bytes) -> _MessageKeys:
        derived = HKDFExpand(
            algorithm=hashes.SHA512(),
            length=KEY_SIZE + _NONCE_SIZE + COMMITMENT_SIZE,
            info=_INFO_PREFIX + bytes(salt) + bytes(context),
        ).derive(key)
        return cls(derived[:KEY_SIZE], derived[KEY_SIZE : KEY_SIZE + _NONCE_SIZE], derived[KEY_SIZE + _NONCE_SIZE :])

    @classmethod
    def for_opening(cls, key: bytes, header: bytes | memoryview, context: bytes) -> _MessageKeys:
        """Derive from a sealed header, refusing it unless its commitment matches."""
        if len(key) != KEY_SIZE:
            raise DecryptionError(f"the key is {len(key)} bytes; sealed files open with a {KEY_SIZE}-byte key")
        if len(header) < HEADER_SIZE:
            raise DecryptionError("the sealed file is truncated: its header is incomplete")
        keys = cls.derive(key, header[:SALT_SIZE], context)
        # Checked before any chunk is opened, as the spec requires: a wrong key
        # or context stops here, and no chunk is decrypted under a key the
        # header does not commit to.
        if not hmac.compare_digest(keys.commitment, header[SALT_SIZE:HEADER_SIZE]):
            raise DecryptionError("wrong key or context, or the sealed file's header was altered")
        return keys

    def seal(self, first_index: int, chunks: list[memoryview], sealed_chunks: list[memoryview]) -> None:
        """Seal ``chunks``, numbered from ``first_index``, into as many ``sealed_chunks``."""
        encrypt_into, base_nonce = self.aead.encrypt_into, self.base_nonce
        for index, (chunk, sealed) in enumerate(zip(chunks, sealed_chunks, strict=True), start=first_index):
            encrypt_into((base_nonce ^ index).to_bytes(_NONCE_SIZE, "big"), chunk, None, sealed)

    def open(self, first_index: int, sealed_chunks: list[memoryview], chunks: list[memoryview]) -> None:
        """Open ``sealed_chunks``, numbered from ``first_index``, into as many ``chunks``."""
        decrypt_into, base_nonce = self.aead.decrypt_into, self.base_nonce
        for index, (sealed, chunk) in enumerate(zip(sealed_chunks, chunks, strict=True), start=first_index):
            try:
                decrypt_into((base_nonce ^ index).to_bytes(_NONCE_SIZE, "big"), sealed, None, chunk)
            except InvalidTag:
                raise _ChunkFailed(index) from None


class _ChunkFailed(DecryptionError):
    def __init__(self, index: int) -> None:
        super().__init__(
            f"chunk {index} of the sealed file failed to authenticate: it was altered, moved, or comes from another file"
        )
        self.index = index


class _Batch:
    """Room for a batch of chunks in and out, with a view of each chunk on both sides.

    ``slot`` numbers a batch in the memory shared with the helper; ``None``
    marks one in this process's own memory, which the helper cannot see.
    """

    def __init__(self, slot: int | None, memory: memoryview, input_chunk_size: int, output_chunk_size: int) -> None:
        self.slot = slot
        self.input = memory[: _BATCH_CHUNKS * input_chunk_size]
        self.output = memory[len(self.input) :][: _BATCH_CHUNKS * output_chunk_size]
        self.input_chunks = [self.input[i * input_chunk_size :][:input_chunk_size] for i in range(_BATCH_CHUNKS)]
        self.output_chunks = [self.output[i * output_chunk_size :][:output_chunk_size] for i in range(_BATCH_CHUNKS)]
        self.output_size = 0
        self.transformed = False


# Seals or opens the chunks numbered from its first argument: _MessageKeys.seal or .open.
_Transform = Callable[[int, list[memoryview], list[memoryview]], None]


class _Pipeline:
    """Transforms batches of chunks, then writes their output in order.

    Once a stream has run long enough to pay for it, a forked helper process
    takes batches too, working in memory shared with this one: AES-GCM in
    ``cryptography`` holds the GIL, so a second core is reachable only from a
    second process. A batch goes to the helper while it has fewer than
    ``_HELPER_QUEUE`` in hand and is otherwise done here, which shares the work
    whatever the two processes' speeds. Output is written strictly in order
    and only once transformed, so nothing unauthenticated reaches ``dst``.

    Until then batches live in ordinary memory, which the allocator hands back
    warm from one call to the next; fresh shared pages would cost a small
    file more than its encryption.
    """

    def __init__(self, transform: _Transform, input_chunk_size: int, output_chunk_size: int, dst: BinarySink) -> None:
        self._transform = transform
        self._chunk_sizes = (input_chunk_size, output_chunk_size)
        self._dst = dst
        self._batch_size = _BATCH_CHUNKS * (input_chunk_size + output_chunk_size)
        self._shared: mmap.mmap | None = None
        self._shared_batches = 0
        self._live_batches = 0
        self._free: deque[_Batch] = deque()
        self._in_order: deque[_Batch] = deque()
        self._with_helper: deque[_Batch] = deque()
        self._helper_pid = 0
        self._to_helper = self._from_helper = -1
        self._transformed_here = 0
        self.written = 0

    def __enter__(self) -> _Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # The shared memory is unmapped when the last view of it goes, not
        # here: a traceback may still hold a batch.
        if self._helper_pid:
            os.close(self._to_helper)  # the helper's cue to exit
            os.close(self._from_helper)
            os.waitpid(self._helper_pid, 0)

    def free_batch(self) -> _Batch:
        """A batch to fill, writing out finished ones to make room if need be."""
        while self._in_order and self._in_order[0].transformed:
            self._write_oldest()
        if not self._free and self._live_batches < _PIPELINE_BATCHES:
            self._free.append(self._new_batch())
        while not self._free:
            self._write_oldest()
        return self._free.popleft()

    def submit(self, batch: _Batch, first_index: int, chunk_count: int) -> None:
        """Transform the first ``chunk_count`` input chunks of ``batch``, numbered from ``first_index``."""
        batch.output_size = chunk_count * self._chunk_sizes[1]
        batch.transformed = False
        self._in_order.append(batch)
        if not self._helper_pid and self._transformed_here == _HELPER_AFTER_BATCHES and _can_fork_helper():
            self._start_helper()
        if batch.slot is not None and len(self._with_helper) < _HELPER_QUEUE:
            os.write(self._to_helper, _REQUEST.pack(batch.slot, first_index, chunk_count))
            self._with_helper.append(batch)
            return
        self._transform(first_index, batch.input_chunks[:chunk_count], batch.output_chunks[:chunk_count])
        batch.transformed = True
        self._transformed_here += 1

    def finish(self, batch: _Batch, first_index: int, chunk_count: int, last_input_size: int) -> int:
        """Transform ``batch``, which ends with the short last chunk, write all out; returns bytes written."""
        input_chunk_size, output_chunk_size = self._chunk_sizes
        last_output_size = last_input_size + output_chunk_size - input_chunk_size
        self._transform(
            first_index,
            [*batch.input_chunks[:chunk_count], batch.input_chunks[chunk_count][:last_input_size]],
            [*batch.output_chunks[:chunk_count], batch.output_chunks[chunk_count][:last_output_size]],
        )
        batch.output_size = chunk_count * output_chunk_size + last_output_size
        batch.transformed = True
        self._in_order.append(batch)
        while self._in_order:
            self._write_oldest()
        return self.written

    def _new_batch(self) -> _Batch:
        self._live_batches += 1
        if self._shared is None:
            return _Batch(None, memoryview(bytearray(self._batch_size)), *self._chunk_sizes)
        self._shared_batches += 1
        return self._shared_batch(self._shared, self._shared_batches - 1)

    def _shared_batch(self, shared: mmap.mmap, slot: int) -> _Batch:
        memory = memoryview(shared)[slot * self._batch_size :][: self._batch_size]
        return _Batch(slot, memory, *self._chunk_sizes)

    def _write_oldest(self) -> None:
        batch = self._in_order.popleft()
        while not batch.transformed:
            self._receive_from_helper()
        _write_fully(self._dst, batch.output[: batch.output_size])
        self.written += batch.output_size
        if self._shared is not None and batch.slot is None:
            self._live_batches -= 1  # retired, to make room for a batch the helper can take
        else:
            self._free.append(batch)

    def _receive_from_helper(self) -> None:
        reply = os.read(self._from_helper, _REPLY.size)
        if not reply:
            raise CryptoError("the helper process sealing or opening chunks has died")
        (failed_index,) = _REPLY.unpack(reply)
        if failed_index != _NO_FAILURE:
            raise _ChunkFailed(failed_index)
        self._with_helper.popleft().transformed = True

    def _start_helper(self) -> None:
        requests_read, self._to_helper = os.pipe()
        self._from_helper, replies_write = os.pipe()
        # Mapped before the fork, so that both processes see the same pages.
        shared = mmap.mmap(-1, _PIPELINE_BATCHES * self._batch_size)
        try:
            self._helper_pid = os.fork()
        except OSError:  # out of processes, say: carry on alone
            for end in (requests_read, self._to_helper, self._from_helper, replies_write):
                os.close(end)
            return
        if self._helper_pid == 0:
            try:
                os.close(self._to_helper)
                os.close(self._from_helper)
                self._serve(shared, requests_read, replies_write)
            finally:
                # Never return into the caller's code, nor flush its buffers twice.
                os._exit(0)
        os.close(requests_read)
        os.close(replies_write)
        self._shared = shared
        self._live_batches -= len(self._free)
        self._free.clear()

    def _serve(self, shared: mmap.mmap, requests: int, replies: int) -> None:
        """The helper's loop: transform the batches asked for, until the caller closes the pipe.

        A failed chunk is reported and the loop goes on: the caller, which may
        have sent more batches already, decides what happens next.
        """
        batches: dict[int, _Batch] = {}
        while request := os.read(requests, _REQUEST.size):
            slot, first_index, chunk_count = _REQUEST.unpack(request)
            if slot not in batches:
                batches[slot] = self._shared_batch(shared, slot)
            batch = batches[slot]
            outcome = _NO_FAILURE
            try:
                self._transform(first_index, batch.input_chunks[:chunk_count], batch.output_chunks[:chunk_count])
            except _ChunkFailed as failure:
                outcome = failure.index
            os.write(replies, _REPLY.pack(outcome))


def _can_fork_helper() -> bool:
    # Linux only: macOS forbids many system libraries after fork without exec.
    # And only when this process runs a single thread, as the kernel counts
    # them (threads started outside the threading module too): a lock another
    # thread held at the fork would stay locked forever in the helper.
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1 and len(os.listdir("/proc/self/task")) == 1


def _read_fully(src: BinarySource, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``src``; fewer bytes than its length means the end of ``src``."""
    filled = 0
    while filled < len(buffer):
        count = src.readinto(buffer[filled:])
        if not count:
            break
        filled += count
    return filled


def _write_fully(dst: BinarySink, data: memoryview) -> None:
    # A raw (unbuffered) file may write only part of what it is given.
    while data:
        data = data[dst.write(data) :]


def _transform_stream(
    transform: _Transform,
    input_chunk_size: int,
    output_chunk_size: int,
    src: BinarySource,
    dst: BinarySink,
    first_index: int = 0,
) -> int:
    """Cut ``src`` into chunks numbered from ``first_index``, transform them in order into ``dst``; returns the
    bytes written.

    The input ends at the first short chunk, which may be empty when sealing
    and is at least a tag when opening.
    """
    opening = input_chunk_size > output_chunk_size
    with _Pipeline(transform, input_chunk_size, output_chunk_size, dst) as pipeline:
        index = first_index
        while True:
            batch = pipeline.free_batch()
            filled = _read_fully(src, batch.input)
            chunk_count, last_input_size = divmod(filled, input_chunk_size)
            if index + chunk_count >= MAX_CHUNKS:
                if opening:
                    raise DecryptionError(f"the sealed file has more than the {MAX_CHUNKS} chunks a file can hold")
                raise ValueError(f"a sealed file holds at most {MAX_CHUNKS} chunks (4 PiB)")
            if filled < len(batch.input):
                # A sealed chunk is at least its tag; a file cut at a chunk
                # boundary has no last chunk at all.
                if opening and last_input_size < TAG_SIZE:
                    raise DecryptionError("the sealed file is truncated: its last chunk is missing")
                return pipeline.finish(batch, index, chunk_count, last_input_size)
            pipeline.submit(batch, index, chunk_count)
            index += chunk_count


def chunked_encrypt_stream(key: bytes, src: BinarySource, dst: BinarySink, context: bytes = b"") -> int:
    """Seal everything ``src`` holds into ``dst``; returns the number of bytes written.

    ``src`` needs ``readinto`` (any binary file object has it), ``dst`` needs
    ``write``. Memory use is fixed, whatever the size of ``src``.
    """
    if len(key) != KEY_SIZE:
        raise ValueError(f"the key is {len(key)} bytes; sealing takes a {KEY_SIZE}-byte key")
    salt = os.urandom(SALT_SIZE)
    keys = _MessageKeys.derive(key, salt, context)
    _write_fully(dst, memoryview(salt + keys.commitment))
    return HEADER_SIZE + _transform_stream(keys.seal, CHUNK_SIZE, SEALED_CHUNK_SIZE, src, dst)


def chunked_encrypt_stream_from(
    key: bytes, header: bytes, first_chunk: int, src: BinarySource, dst: BinarySink, context: bytes = b""
) -> int:
    """Go on sealing the message that begins with ``header``: chunks ``first_chunk`` onward, from ``src`` into ``dst``.

    For resuming an interrupted transfer. ``src`` starts at the plaintext of
    chunk ``first_chunk`` and runs to the end; nothing but chunks is written
    (the header was written before). The same key, salt and context give the
    same nonces, so ``src`` must hold the very bytes sealed under ``header``
    before: other bytes under the same nonces would break AES-GCM. Raises
    ``DecryptionError`` if ``header`` was not made with this key and context.
    """
    if not 0 <= first_chunk < MAX_CHUNKS:
        raise ValueError(f"chunk {first_chunk} is outside the {MAX_CHUNKS} chunks a sealed file can hold")
    if len(header) != HEADER_SIZE:
        raise ValueError(f"a sealed file's header is {HEADER_SIZE} bytes, not {len(header)}")
    try:
        keys = _MessageKeys.for_opening(key, bytes(header), context)
    except DecryptionError:
        raise DecryptionError(
            "this header was not made with this key and context: sealing cannot go on from it"
        ) from None
    return _transform_stream(keys.seal, CHUNK_SIZE, SEALED_CHUNK_SIZE, src, dst, first_chunk)


def chunked_decrypt_stream(key: bytes, src: BinarySource, dst: BinarySink, context: bytes = b"") -> int:
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
    return _transform_stream(keys.open, SEALED_CHUNK_SIZE, CHUNK_SIZE, src, dst)


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
        if len(sealed) < sealed_size:
            raise DecryptionError(f"chunk {index} is cut short: the sealed file changed since it was opened")
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
