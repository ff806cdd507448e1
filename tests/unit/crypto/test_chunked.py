"""Cobblestone-256 file sealing: conformance vectors, tampering, streams, random access."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from cryptography.cobblestone import Cobblestone256Decryptor, Cobblestone256Encryptor
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from imegha_crypto import chunked
from imegha_crypto.chunked import (
    CHUNK_SIZE,
    HEADER_SIZE,
    SALT_SIZE,
    SEALED_CHUNK_SIZE,
    TAG_SIZE,
    ChunkedReader,
    chunked_ciphertext_size,
    chunked_plaintext_size,
)
from imegha_crypto.errors import DecryptionError
from imegha_crypto.primitives import (
    chunked_decrypt,
    chunked_decrypt_stream,
    chunked_encrypt,
    chunked_encrypt_stream,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
KEY = bytes(range(32))
CONTEXT = b"owner=alice;file=7;version=3"
# Chunks in one batch of a stream, and the plaintext size of a batch.
BATCH = chunked._BATCH_CHUNKS
BATCH_BYTES = BATCH * CHUNK_SIZE


def pattern(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def sealed_chunks(sealed: bytes) -> list[bytes]:
    body = sealed[HEADER_SIZE:]
    return [body[i : i + SEALED_CHUNK_SIZE] for i in range(0, len(body), SEALED_CHUNK_SIZE)]


def assert_refused(sealed: bytes, key: bytes = KEY, context: bytes = CONTEXT) -> None:
    with pytest.raises(DecryptionError):
        chunked_decrypt(key, sealed, context)


# --- An independent reference: HKDF from a hand-written HMAC, AES-GCM per chunk ---


def reference_hmac(hash_name: str, key: bytes, message: bytes) -> bytes:
    block_size = hashlib.new(hash_name).block_size
    key = (hashlib.new(hash_name, key).digest() if len(key) > block_size else key).ljust(block_size, b"\0")
    inner = hashlib.new(hash_name, bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.new(hash_name, bytes(b ^ 0x5C for b in key) + inner).digest()


def reference_derive(hash_name: str, key: bytes, salt: bytes, context: bytes) -> tuple[bytes, bytes, bytes]:
    """``(aead key, base nonce, commitment)`` per the spec, HKDF-Expand written out (RFC 5869 section 2.3)."""
    info = b"c2sp.org/chunked-encryption@v1+" + b"AEAD_AES_256_GCM" + b"\x00" + salt + context
    okm, block, counter = b"", b"", 1
    while len(okm) < 32 + 12 + 32:
        block = reference_hmac(hash_name, key, block + info + bytes([counter]))
        okm, counter = okm + block, counter + 1
    return okm[:32], okm[32:44], okm[44:76]


def reference_seal_chunk(aead_key: bytes, base_nonce: bytes, index: int, chunk: bytes) -> bytes:
    nonce = bytes(a ^ b for a, b in zip(base_nonce, index.to_bytes(12, "big"), strict=True))
    return AESGCM(aead_key).encrypt(nonce, chunk, None)


def reference_seal(key: bytes, salt: bytes, context: bytes, plaintext: bytes) -> bytes:
    aead_key, base_nonce, commitment = reference_derive("sha512", key, salt, context)
    chunks = [plaintext[i : i + CHUNK_SIZE] for i in range(0, len(plaintext), CHUNK_SIZE)]
    if not chunks or len(chunks[-1]) == CHUNK_SIZE:
        chunks.append(b"")
    sealed = [reference_seal_chunk(aead_key, base_nonce, i, chunk) for i, chunk in enumerate(chunks)]
    return salt + commitment + b"".join(sealed)


# --- Conformance --------------------------------------------------------------

C2SP = json.loads((VECTORS / "c2sp-chunked-encryption-aes-256-gcm.json").read_text())["vectors"]


def c2sp_ciphertext(vector: dict) -> bytes:
    raw = base64.b64decode(vector["ciphertext"])
    return zlib.decompress(raw) if vector.get("compressed") else raw


@pytest.mark.parametrize("vector", C2SP, ids=[v["name"] for v in C2SP])
def test_c2sp_vectors_open_or_are_refused_by_the_chunk_layer(vector):
    # The C2SP vectors derive with HKDF-SHA-256, Cobblestone-256 with SHA-512,
    # so they drive the chunk layer from the key and nonce they give (the
    # spec's "raw mode"); the derivation is covered by the tests below.
    keys = chunked._MessageKeys(bytes.fromhex(vector["aead_key"]), bytes.fromhex(vector["base_nonce"]), b"")
    body = io.BytesIO(c2sp_ciphertext(vector)[HEADER_SIZE:])
    opened = io.BytesIO()
    if vector["expect"] == "failure":
        with pytest.raises(DecryptionError):
            chunked._transform_stream(keys.open, SEALED_CHUNK_SIZE, CHUNK_SIZE, body, opened)
        return
    written = chunked._transform_stream(keys.open, SEALED_CHUNK_SIZE, CHUNK_SIZE, body, opened)
    assert written == vector["payload_length"]
    assert hashlib.sha256(opened.getvalue()).hexdigest() == vector["payload_sha256"]


@pytest.mark.parametrize("vector", [v for v in C2SP if v["expect"] == "success"], ids=lambda v: v["name"])
def test_reference_derivation_reproduces_the_c2sp_vectors(vector):
    # Proves the reference's info layout and output order against the spec's
    # own vectors, before the reference vouches for SHA-512 below.
    sealed = c2sp_ciphertext(vector)
    derived = reference_derive("sha256", bytes.fromhex(vector["key"]), sealed[:SALT_SIZE], vector["context"].encode())
    assert derived == (
        bytes.fromhex(vector["aead_key"]),
        bytes.fromhex(vector["base_nonce"]),
        sealed[SALT_SIZE:HEADER_SIZE],
    )


KAT = json.loads((VECTORS / "cobblestone-256-kat.json").read_text())["vectors"]


@pytest.mark.parametrize("vector", KAT, ids=lambda v: f"{v['plaintext_length']}B-ctx{len(v['context']) // 2}")
def test_frozen_cobblestone_256_vectors(vector, monkeypatch):
    key, salt, context = bytes.fromhex(vector["key"]), bytes.fromhex(vector["salt"]), bytes.fromhex(vector["context"])
    plaintext = pattern(vector["plaintext_length"])
    monkeypatch.setattr(chunked.os, "urandom", lambda size: salt if size == SALT_SIZE else os.urandom(size))

    sealed = chunked_encrypt(key, plaintext, context)

    assert len(sealed) == vector["ciphertext_length"]
    assert hashlib.sha256(sealed).hexdigest() == vector["ciphertext_sha256"]
    if "ciphertext" in vector:
        assert sealed.hex() == vector["ciphertext"]
    assert reference_seal(key, salt, context, plaintext) == sealed
    assert chunked_decrypt(key, sealed, context) == plaintext


@pytest.mark.parametrize("size", [0, 5, CHUNK_SIZE, 3 * CHUNK_SIZE + 9])
def test_interoperates_with_pyca_cobblestone_256_both_ways(size):
    plaintext = os.urandom(size)
    decryptor = Cobblestone256Decryptor(KEY, CONTEXT)
    assert decryptor.update(chunked_encrypt(KEY, plaintext, CONTEXT)) + decryptor.finalize() == plaintext
    encryptor = Cobblestone256Encryptor(KEY, CONTEXT)
    assert chunked_decrypt(KEY, encryptor.update(plaintext) + encryptor.finalize(), CONTEXT) == plaintext


# --- Round trips and sizes ------------------------------------------------------

SIZES = [
    0,
    1,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    2 * CHUNK_SIZE,
    BATCH_BYTES - 1,
    BATCH_BYTES,
    BATCH_BYTES + 1,
    2 * BATCH_BYTES + 3 * CHUNK_SIZE + 17,
]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_and_sizes(size):
    plaintext = os.urandom(size)
    sealed = chunked_encrypt(KEY, plaintext, CONTEXT)
    assert len(sealed) == chunked_ciphertext_size(size)
    assert chunked_plaintext_size(len(sealed)) == size
    assert len(sealed_chunks(sealed)) == size // CHUNK_SIZE + 1
    assert len(sealed_chunks(sealed)[-1]) < SEALED_CHUNK_SIZE
    assert chunked_decrypt(KEY, sealed, CONTEXT) == plaintext


@pytest.mark.parametrize("size", [0, CHUNK_SIZE, BATCH_BYTES + 5])
def test_stream_and_buffer_forms_agree(size):
    plaintext = os.urandom(size)
    sealed = io.BytesIO()
    assert chunked_encrypt_stream(KEY, io.BytesIO(plaintext), sealed, CONTEXT) == len(sealed.getvalue())
    assert chunked_decrypt(KEY, sealed.getvalue(), CONTEXT) == plaintext
    opened = io.BytesIO()
    assert chunked_decrypt_stream(KEY, io.BytesIO(chunked_encrypt(KEY, plaintext, CONTEXT)), opened, CONTEXT) == size
    assert opened.getvalue() == plaintext


class Dribble(io.RawIOBase):
    """A raw stream that reads or takes a few hundred bytes at a time, as pipes and sockets may."""

    def __init__(self, data: bytes = b"") -> None:
        self.data, self.position, self.written = data, 0, bytearray()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), 300, len(self.data) - self.position)
        buffer[:count] = self.data[self.position : self.position + count]
        self.position += count
        return count

    def write(self, data) -> int:
        count = min(len(data), 777)
        self.written += bytes(data[:count])
        return count


def test_streams_cope_with_short_reads_and_writes():
    plaintext = os.urandom(2 * CHUNK_SIZE + 1000)
    sealed = Dribble()
    chunked_encrypt_stream(KEY, Dribble(plaintext), sealed, CONTEXT)
    opened = Dribble()
    assert chunked_decrypt_stream(KEY, Dribble(bytes(sealed.written)), opened, CONTEXT) == len(plaintext)
    assert bytes(opened.written) == plaintext


def test_every_seal_has_a_fresh_salt():
    assert chunked_encrypt(KEY, b"same", CONTEXT)[:SALT_SIZE] != chunked_encrypt(KEY, b"same", CONTEXT)[:SALT_SIZE]


def test_size_helpers_refuse_impossible_sizes():
    with pytest.raises(ValueError):
        chunked_ciphertext_size(-1)
    for impossible in [
        0,
        HEADER_SIZE,
        HEADER_SIZE + TAG_SIZE - 1,
        HEADER_SIZE + SEALED_CHUNK_SIZE,
        HEADER_SIZE + 2 * SEALED_CHUNK_SIZE + TAG_SIZE - 1,
    ]:
        with pytest.raises(DecryptionError):
            chunked_plaintext_size(impossible)


def test_message_length_is_capped_at_the_chunk_limit(monkeypatch):
    sealed = chunked_encrypt(KEY, bytes(3 * CHUNK_SIZE), CONTEXT)  # four chunks, the last empty
    monkeypatch.setattr(chunked, "MAX_CHUNKS", 3)
    assert chunked_decrypt(KEY, chunked_encrypt(KEY, bytes(2 * CHUNK_SIZE + 1), CONTEXT), CONTEXT)
    with pytest.raises(ValueError):
        chunked_encrypt(KEY, bytes(3 * CHUNK_SIZE), CONTEXT)
    with pytest.raises(ValueError):
        chunked_ciphertext_size(3 * CHUNK_SIZE)
    assert_refused(sealed)
    with pytest.raises(DecryptionError):
        chunked_plaintext_size(len(sealed))


# --- Tampering and misuse ------------------------------------------------------


def test_every_byte_flipped_in_turn_is_refused():
    sealed = chunked_encrypt(KEY, os.urandom(CHUNK_SIZE + 40), CONTEXT)
    for position in range(len(sealed)):
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        assert_refused(bytes(altered))


@pytest.fixture(scope="module")
def three_chunks() -> tuple[bytes, bytes]:
    plaintext = os.urandom(2 * CHUNK_SIZE + 500)
    return plaintext, chunked_encrypt(KEY, plaintext, CONTEXT)


def rebuilt(sealed: bytes, order: list[int]) -> bytes:
    chunks = sealed_chunks(sealed)
    return sealed[:HEADER_SIZE] + b"".join(chunks[i] for i in order)


@pytest.mark.parametrize(
    "order",
    [[1, 2], [0, 2], [0, 1], [1, 0, 2], [0, 0, 2], [0, 1, 1, 2], [0, 1, 2, 2], [2]],
    ids=["drop 0", "drop 1", "drop last", "swap 0 and 1", "0 twice", "1 twice", "last twice", "last alone"],
)
def test_dropped_reordered_or_duplicated_chunks_are_refused(three_chunks, order):
    assert_refused(rebuilt(three_chunks[1], order))


def test_chunks_swapped_between_files_are_refused(three_chunks):
    _, sealed = three_chunks
    same_key_other_salt = chunked_encrypt(KEY, os.urandom(2 * CHUNK_SIZE + 500), CONTEXT)
    other_context = chunked_encrypt(KEY, os.urandom(2 * CHUNK_SIZE + 500), b"owner=alice;file=8;version=3")
    for other in (same_key_other_salt, other_context):
        chunks = sealed_chunks(sealed)
        chunks[1] = sealed_chunks(other)[1]
        assert_refused(sealed[:HEADER_SIZE] + b"".join(chunks))
        assert_refused(other[:HEADER_SIZE] + sealed[HEADER_SIZE:])


def test_truncation_at_every_boundary_is_refused(three_chunks):
    _, sealed = three_chunks
    chunk_ends = [HEADER_SIZE + k * SEALED_CHUNK_SIZE for k in range(3)]
    cuts = {
        *range(HEADER_SIZE + TAG_SIZE + 1),
        *chunk_ends,
        *(end + TAG_SIZE - 1 for end in chunk_ends),
        *(end + 1 for end in chunk_ends),
        len(sealed) - 1,
    }
    for cut in sorted(cuts):
        assert_refused(sealed[:cut])


@pytest.mark.parametrize("extra_size", [1, TAG_SIZE, SEALED_CHUNK_SIZE])
def test_trailing_data_is_refused(three_chunks, extra_size):
    assert_refused(three_chunks[1] + os.urandom(extra_size))


def test_a_validly_sealed_chunk_after_the_last_is_refused():
    salt = os.urandom(SALT_SIZE)
    sealed = reference_seal(KEY, salt, CONTEXT, b"short last chunk")
    aead_key, base_nonce, _ = reference_derive("sha512", KEY, salt, CONTEXT)
    assert chunked_decrypt(KEY, sealed, CONTEXT) == b"short last chunk"
    assert_refused(sealed + reference_seal_chunk(aead_key, base_nonce, 1, b"appended"))


def test_wrong_key_or_context_is_refused_before_any_chunk_is_opened(three_chunks, monkeypatch):
    _, sealed = three_chunks
    opened_chunks = []
    monkeypatch.setattr(chunked._MessageKeys, "open", lambda *args: opened_chunks.append(args))
    for key, context in [(bytes(32), CONTEXT), (KEY, b""), (KEY, CONTEXT + b"x")]:
        with pytest.raises(DecryptionError, match="wrong key or context"):
            chunked_decrypt_stream(key, io.BytesIO(sealed), io.BytesIO(), context)
    assert opened_chunks == []


def test_a_key_of_the_wrong_length_is_refused(three_chunks):
    assert_refused(three_chunks[1], key=KEY[:16])
    with pytest.raises(ValueError):
        chunked_encrypt(KEY[:16], b"x")


def test_stream_open_writes_only_authentic_chunks_and_the_buffer_form_nothing():
    plaintext = os.urandom(BATCH_BYTES + 3 * CHUNK_SIZE)
    altered = bytearray(chunked_encrypt(KEY, plaintext, CONTEXT))
    altered[HEADER_SIZE + (BATCH + 1) * SEALED_CHUNK_SIZE + 5] ^= 0x01  # chunk BATCH + 1
    opened = io.BytesIO()
    with pytest.raises(DecryptionError, match=f"chunk {BATCH + 1} "):
        chunked_decrypt_stream(KEY, io.BytesIO(bytes(altered)), opened, CONTEXT)
    assert plaintext.startswith(opened.getvalue())
    assert len(opened.getvalue()) <= (BATCH + 1) * CHUNK_SIZE


# --- The helper process for long streams ---------------------------------------


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """Start the helper after one batch, and record the pid of every helper forked.

    The gate is lifted because a pytest-xdist worker runs a thread of its
    own; the helper touches nothing that thread could hold.
    """
    monkeypatch.setattr(chunked, "_HELPER_AFTER_BATCHES", 1)
    monkeypatch.setattr(chunked, "_can_fork_helper", lambda: True)
    pids: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(chunked.os, "fork", recording_fork)
    return pids


fork_past_the_xdist_thread = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)


@fork_past_the_xdist_thread
def test_long_streams_share_the_work_with_a_helper_process(forks):
    plaintext = os.urandom(12 * BATCH_BYTES + 7)
    sealed = chunked_encrypt(KEY, plaintext, CONTEXT)
    assert chunked_decrypt(KEY, sealed, CONTEXT) == plaintext
    assert reference_seal(KEY, sealed[:SALT_SIZE], CONTEXT, plaintext) == sealed
    assert len(forks) == 2
    for pid in forks:  # and each was waited for, leaving no zombie
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@fork_past_the_xdist_thread
@pytest.mark.parametrize("batch", [1, 6, 11])
def test_a_tampered_chunk_is_refused_whichever_process_opens_it(forks, batch):
    altered = bytearray(chunked_encrypt(KEY, os.urandom(12 * BATCH_BYTES + 7), CONTEXT))
    index = batch * BATCH + 3
    altered[HEADER_SIZE + index * SEALED_CHUNK_SIZE] ^= 0x01
    with pytest.raises(DecryptionError, match=f"chunk {index} "):
        chunked_decrypt(KEY, bytes(altered), CONTEXT)


@fork_past_the_xdist_thread
def test_a_failure_in_the_helper_is_reported_while_more_batches_are_queued_for_it(forks, monkeypatch):
    # The caller, slowed down, sends the helper more work after the helper
    # has met the failed chunk: a helper that stopped there would show up as
    # a broken pipe instead of the failed chunk.
    caller, open_chunks = os.getpid(), chunked._MessageKeys.open

    def open_slowly_in_the_caller(keys, *chunks):
        if os.getpid() == caller:
            time.sleep(0.002)
        open_chunks(keys, *chunks)

    monkeypatch.setattr(chunked._MessageKeys, "open", open_slowly_in_the_caller)
    monkeypatch.setattr(chunked, "_HELPER_QUEUE", 2)
    sealed = chunked_encrypt(KEY, os.urandom(3 * chunked._PIPELINE_BATCHES * BATCH_BYTES), CONTEXT)
    for batch in range(2, 6):  # the helper's first batches: 0 and 1 are the caller's
        altered = bytearray(sealed)
        index = batch * BATCH + 1
        altered[HEADER_SIZE + index * SEALED_CHUNK_SIZE] ^= 0x01
        with pytest.raises(DecryptionError, match=f"chunk {index} "):
            chunked_decrypt(KEY, bytes(altered), CONTEXT)


def test_a_helper_is_forked_only_by_a_single_threaded_process():
    alone = subprocess.run(
        [sys.executable, "-c", "from imegha_crypto import chunked; print(chunked._can_fork_helper())"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert alone.stdout.strip() == str(len(os.sched_getaffinity(0)) > 1)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not chunked._can_fork_helper()
    finally:
        release.set()
        other.join()


# --- Random access -------------------------------------------------------------


class CountingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture(scope="module")
def many_chunks() -> tuple[bytes, bytes]:
    plaintext = os.urandom(40 * CHUNK_SIZE + 1234)
    return plaintext, chunked_encrypt(KEY, plaintext, CONTEXT)


def test_reader_opens_any_chunk_and_range(many_chunks):
    plaintext, sealed = many_chunks
    reader = ChunkedReader(KEY, io.BytesIO(sealed), CONTEXT)
    assert (reader.plaintext_size, reader.chunk_count) == (len(plaintext), 41)
    for index in (0, 1, 17, 40):
        assert reader.read_chunk(index) == plaintext[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]
    for offset, size in [
        (0, 0),
        (0, 10),
        (CHUNK_SIZE - 3, 7),
        (5 * CHUNK_SIZE, 3 * CHUNK_SIZE + 1),
        (len(plaintext) - 5, 100),
        (len(plaintext), 10),
        (0, len(plaintext)),
    ]:
        assert reader.read(offset, size) == plaintext[offset : offset + size]
    with pytest.raises(IndexError):
        reader.read_chunk(41)


def test_reader_reads_only_the_chunks_it_opens(many_chunks):
    plaintext, sealed = many_chunks
    file = CountingFile(sealed)
    reader = ChunkedReader(KEY, file, CONTEXT)
    opened = file.bytes_read
    assert opened <= HEADER_SIZE + SEALED_CHUNK_SIZE  # the header and the last chunk
    assert reader.read(20 * CHUNK_SIZE + 10, 100) == plaintext[20 * CHUNK_SIZE + 10 :][:100]
    assert file.bytes_read - opened == SEALED_CHUNK_SIZE


def test_reader_refuses_a_tampered_chunk_and_still_opens_the_others(many_chunks):
    plaintext, sealed = many_chunks
    altered = bytearray(sealed)
    altered[HEADER_SIZE + 7 * SEALED_CHUNK_SIZE + 100] ^= 0x01
    reader = ChunkedReader(KEY, io.BytesIO(bytes(altered)), CONTEXT)
    with pytest.raises(DecryptionError, match="chunk 7 "):
        reader.read_chunk(7)
    assert reader.read_chunk(8) == plaintext[8 * CHUNK_SIZE : 9 * CHUNK_SIZE]


def test_reader_refuses_moved_chunks(many_chunks):
    _, sealed = many_chunks
    chunks = sealed_chunks(sealed)
    chunks[3], chunks[4] = chunks[4], chunks[3]
    reader = ChunkedReader(KEY, io.BytesIO(sealed[:HEADER_SIZE] + b"".join(chunks)), CONTEXT)
    with pytest.raises(DecryptionError):
        reader.read_chunk(3)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s[:-1],
        lambda s: s[: HEADER_SIZE + 40 * SEALED_CHUNK_SIZE],
        lambda s: s + b"\x00",
        lambda s: s + os.urandom(SEALED_CHUNK_SIZE),
    ],
    ids=["last byte cut", "last chunk dropped", "one byte appended", "a chunk appended"],
)
def test_reader_refuses_a_file_of_the_wrong_length_at_open(many_chunks, change):
    with pytest.raises(DecryptionError):
        ChunkedReader(KEY, io.BytesIO(change(many_chunks[1])), CONTEXT)


def test_reader_refuses_a_chunk_cut_short_after_opening(many_chunks):
    plaintext, sealed = many_chunks
    file = io.BytesIO(sealed)
    reader = ChunkedReader(KEY, file, CONTEXT)
    file.truncate(HEADER_SIZE + 10 * SEALED_CHUNK_SIZE + 100)
    assert reader.read_chunk(9) == plaintext[9 * CHUNK_SIZE : 10 * CHUNK_SIZE]
    with pytest.raises(DecryptionError, match="chunk 10 "):
        reader.read_chunk(10)


def test_reader_refuses_a_wrong_key_or_context(many_chunks):
    for key, context in [(bytes(32), CONTEXT), (KEY, b"")]:
        with pytest.raises(DecryptionError):
            ChunkedReader(key, io.BytesIO(many_chunks[1]), context)


# --- The bench ----------------------------------------------------------------


def test_bench_runs_and_prints_its_figures(root):
    completed = subprocess.run(
        [sys.executable, str(root / "bench" / "crypto_bench.py"), "--size-mib", "2", "--runs", "1"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = completed.stdout.splitlines()
    for direction in ("seal", "open"):
        assert any(line.split()[:1] == [direction] and "MiB/s" in line and "peak RSS" in line for line in lines)
