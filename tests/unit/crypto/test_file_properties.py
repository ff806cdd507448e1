"""Properties of sealed files at every size around the 16 KiB chunk boundaries (README: "Files: the chunked scheme").

A sealed file is a header, a chunk 16 bytes longer per whole 16 KiB of
plaintext, and a shorter last chunk, empty if need be. The streaming form
(``seal_file``, ``open_file``, ``continue_seal_file``) and the one-shot form
of the same scheme (``primitives.chunked_encrypt`` / ``chunked_decrypt`` with
the README's context string) must open each other's files, and from the same
header write the very same bytes.
"""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imegha_crypto import Context, DecryptionError, FileKey, continue_seal_file, open_file, seal_file, sealed_file_size
from imegha_crypto.canonical import binding
from imegha_crypto.primitives import chunked_decrypt, chunked_encrypt

CHUNK = 16 * 1024
HEADER = 56  # salt and key commitment
TAG = 16
BOUNDARY_SIZES = sorted({chunks * CHUNK + step for chunks in range(4) for step in (-1, 0, 1)} - {-1})

ids = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
contexts = st.builds(Context, owner=ids, object_id=ids, version=st.integers(0, 2**53 - 1))


def file_context(context: Context) -> bytes:
    """The chunked scheme's context string for a file, as the README defines it."""
    return binding("sealed-file", {"v": 1, "kind": "FEK"}, context)


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
@settings(max_examples=4, deadline=None)
@given(st.binary(min_size=32, max_size=32), contexts, st.integers(0, 2**32))
def test_a_file_of_any_size_around_a_chunk_boundary_seals_and_opens_in_either_form(size, secret, context, seed):
    plaintext = random.Random(seed).randbytes(size)
    key = FileKey(secret)

    streamed = io.BytesIO()
    assert seal_file(key, io.BytesIO(plaintext), streamed, context) == sealed_file_size(size)
    sealed = streamed.getvalue()
    # A header, a chunk 16 bytes longer per whole 16 KiB, and a shorter last chunk (empty if need be).
    assert len(sealed) == HEADER + size // CHUNK * (CHUNK + TAG) + size % CHUNK + TAG == sealed_file_size(size)

    # The one-shot form opens what the stream sealed, and the stream what the one-shot sealed.
    assert chunked_decrypt(secret, sealed, file_context(context)) == plaintext
    one_shot = chunked_encrypt(secret, plaintext, file_context(context))
    opened = io.BytesIO()
    assert open_file(key, io.BytesIO(one_shot), opened, context) == size
    assert opened.getvalue() == plaintext

    # From the same header, sealing as a stream writes the one-shot form's very chunks.
    chunks = io.BytesIO()
    continue_seal_file(key, io.BytesIO(plaintext), chunks, context, header=one_shot[:HEADER], first_chunk=0)
    assert one_shot[:HEADER] + chunks.getvalue() == one_shot


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_a_file_cut_after_any_whole_chunk_or_lengthened_does_not_open(size, context):
    key = FileKey(bytes(32))
    sealed = io.BytesIO()
    seal_file(key, io.BytesIO(bytes(size)), sealed, context)
    whole_chunks = size // CHUNK
    cut_or_lengthened = [sealed.getvalue()[: HEADER + count * (CHUNK + TAG)] for count in range(whole_chunks + 1)]
    cut_or_lengthened.append(sealed.getvalue() + b"\x00")
    for altered in cut_or_lengthened:
        with pytest.raises(DecryptionError):
            open_file(key, io.BytesIO(altered), io.BytesIO(), context)
