"""Going on sealing a file from the middle, as an interrupted upload does: the same bytes, or a refusal."""

import io

import pytest

from imegha_crypto import (
    FILE_CHUNK_SIZE,
    SEALED_FILE_HEADER_SIZE,
    Context,
    DecryptionError,
    FileKey,
    continue_seal_file,
    open_file,
    seal_file,
    sealed_file_position,
    sealed_file_size,
)

KEY = FileKey.generate()
# Past the 5 MiB of a first upload part, and not a whole number of chunks.
PLAINTEXT = bytes(range(251)) * (330 * FILE_CHUNK_SIZE // 251) + b"tail"
SEALED_CHUNK = FILE_CHUNK_SIZE + 16


def sealed(plaintext: bytes, context: Context, key: FileKey = KEY) -> bytes:
    out = io.BytesIO()
    seal_file(key, io.BytesIO(plaintext), out, context)
    return out.getvalue()


def continued_from(offset: int, plaintext: bytes, header: bytes, context: Context, key: FileKey = KEY) -> bytes:
    """The sealed file from byte ``offset`` on, made again from the plaintext and the header alone."""
    position = sealed_file_position(offset)
    out = io.BytesIO()
    continue_seal_file(
        key, io.BytesIO(plaintext[position.plaintext_offset :]), out, context, header=header, first_chunk=position.chunk
    )
    return out.getvalue()[position.skip :]


@pytest.mark.parametrize(
    "offset",
    [
        SEALED_FILE_HEADER_SIZE,  # just past the header
        SEALED_FILE_HEADER_SIZE + SEALED_CHUNK,  # a chunk boundary
        SEALED_FILE_HEADER_SIZE + 3 * SEALED_CHUNK + 5000,  # inside a chunk
        5 * 1024 * 1024,  # where a 5 MiB upload part ends
        sealed_file_size(len(PLAINTEXT)) - 10,  # inside the short last chunk
    ],
)
def test_sealing_goes_on_from_any_byte_exactly_as_it_first_ran(context, offset):
    whole = sealed(PLAINTEXT, context)

    again = continued_from(offset, PLAINTEXT, whole[:SEALED_FILE_HEADER_SIZE], context)

    assert again == whole[offset:]
    opened = io.BytesIO()
    open_file(KEY, io.BytesIO(whole[:offset] + again), opened, context)
    assert opened.getvalue() == PLAINTEXT


def test_an_empty_file_goes_on_to_its_empty_last_chunk(context):
    whole = sealed(b"", context)

    assert len(whole) == sealed_file_size(0) == SEALED_FILE_HEADER_SIZE + 16
    assert continued_from(SEALED_FILE_HEADER_SIZE, b"", whole[:SEALED_FILE_HEADER_SIZE], context) == whole[56:]


def test_a_header_made_with_another_key_or_context_is_refused(context, elsewhere):
    header = sealed(b"abc", context)[:SEALED_FILE_HEADER_SIZE]

    with pytest.raises(DecryptionError, match="sealing cannot go on"):
        continue_seal_file(KEY, io.BytesIO(b"abc"), io.BytesIO(), elsewhere, header=header, first_chunk=0)
    with pytest.raises(DecryptionError, match="sealing cannot go on"):
        continue_seal_file(FileKey.generate(), io.BytesIO(b"abc"), io.BytesIO(), context, header=header, first_chunk=0)


def test_a_cut_header_and_a_position_inside_the_header_are_programming_errors(context):
    header = sealed(b"abc", context)[:SEALED_FILE_HEADER_SIZE]

    with pytest.raises(ValueError, match="56 bytes"):
        continue_seal_file(KEY, io.BytesIO(b""), io.BytesIO(), context, header=header[:-1], first_chunk=0)
    with pytest.raises(ValueError, match="inside the header"):
        sealed_file_position(SEALED_FILE_HEADER_SIZE - 1)
    with pytest.raises(ValueError, match="outside"):
        continue_seal_file(KEY, io.BytesIO(b""), io.BytesIO(), context, header=header, first_chunk=-1)


def test_each_sealing_of_a_file_has_its_own_header(context):
    assert sealed(PLAINTEXT, context)[:SEALED_FILE_HEADER_SIZE] != sealed(PLAINTEXT, context)[:SEALED_FILE_HEADER_SIZE]
