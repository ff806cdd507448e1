"""Moving sealed bytes between this device and a bucket through presigned URLs, in flat memory.

Uploads: sealing writes into a :class:`PartSender`, which cuts the stream into
the upload's parts and PUTs them to their presigned URLs from a few threads, so
that sealing the next parts overlaps sending these ones. Part buffers are
reused, and there are never more than the threads and two: memory stays flat
whatever the file's size. Downloads: :func:`fetched` streams a presigned GET straight into the
opening of the file, which writes plaintext to a temporary file that becomes
the destination only once every chunk has authenticated, and never in place of a file already there unless
asked (:func:`written_whole`).
"""

from __future__ import annotations

import errno
import http.client
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

Progress = Callable[[int], None]
"""Told of each stretch of bytes moved, by its length."""

_RETRIES = 3
_TIMEOUT_S = 120
_URLS_AT_ONCE = 100
# Parts in flight at once: one connection to S3 rarely fills a link, a few do.
SENDERS = 4
_READ_AHEAD_BYTES = 1024 * 1024
_READ_AHEAD_BLOCKS = 4
# What os.link fails with where the file system has no hard links.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})


class TransferError(Exception):
    """The bucket refused a transfer or the connection failed; the message says which and why."""


def _no_progress(_: int) -> None:
    pass


class _Connections:
    """One kept-alive HTTP connection per host, for the thread that owns this object."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def request(
        self,
        method: str,
        url: str,
        body: bytes | memoryview | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> http.client.HTTPResponse:
        parts = urlsplit(url)
        where = (parts.scheme, parts.netloc)
        connection = self._open.get(where)
        if connection is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = self._open[where] = kind(parts.netloc, timeout=_TIMEOUT_S)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
        headers |= extra_headers or {}
        try:
            connection.request(method, target, body=body, headers=headers)
            return connection.getresponse()
        except (OSError, http.client.HTTPException):
            connection.close()
            del self._open[where]
            raise

    def close(self) -> None:
        for connection in self._open.values():
            connection.close()
        self._open.clear()


def _refusal(response: http.client.HTTPResponse) -> str:
    """S3's error code and message, e.g. "HTTP 403 AccessDenied: Request has expired"."""
    text = response.read()[:4000].decode(errors="replace")  # read whole, so the connection can be used again

    def element(name: str) -> str | None:
        return text.split(f"<{name}>", 1)[1].split(f"</{name}>", 1)[0] if f"<{name}>" in text else None

    message = element("Message")
    return f"HTTP {response.status} {element('Code') or response.reason}" + (f": {message}" if message else "")


class PartSender:
    """A writable stream that uploads what is written to it as parts ``first_part`` … ``part_count``.

    ``skip`` bytes written first are dropped (a resumed upload seals again from
    the start of a chunk). ``on_header`` receives the first ``header_size``
    bytes of a fresh upload before any part leaves, so that an interruption can
    be resumed. ``part_urls(numbers)`` fetches presigned URLs as they are needed,
    beyond the ``known_urls`` the upload came with.
    Parts go out from ``senders`` threads, so they may arrive out of order: a
    resume sends again from the first part missing.
    """

    def __init__(
        self,
        *,
        part_size: int,
        part_count: int,
        total_size: int,
        first_part: int,
        part_urls: Callable[[list[int]], dict[int, str]],
        skip: int = 0,
        header_size: int = 0,
        on_header: Callable[[bytes], None] = lambda header: None,
        known_urls: dict[int, str] | None = None,
        progress: Progress = _no_progress,
        senders: int = SENDERS,
    ):
        self.part_size, self.part_count, self.total_size = part_size, part_count, total_size
        self._part_urls, self._progress = part_urls, progress
        self._next_part = first_part
        self._skip = skip
        self._header_size = header_size if first_part == 1 else 0
        self._on_header = on_header
        self._expected = total_size - (first_part - 1) * part_size
        self._written = 0
        self._spare: queue.SimpleQueue[bytearray] = queue.SimpleQueue()  # buffers back from sent parts
        self._buffer, self._filled = bytearray(part_size), 0
        self._urls: dict[int, str] = dict(known_urls or {})
        self._lock = threading.Lock()
        # A part to send (number, buffer, bytes filled), or None: no more.
        self._queue: queue.Queue[tuple[int, bytearray, int] | None] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self._senders = [
            threading.Thread(target=self._send_parts, name=f"imegha-part-sender-{index}", daemon=True)
            for index in range(senders)
        ]
        for sender in self._senders:
            sender.start()

    # The stream side, in the sealing thread ---------------------------------------------

    def write(self, data: bytes | memoryview) -> int:
        self._raise_failure()
        size = len(data)
        view = memoryview(data)
        if self._skip:
            dropped = min(self._skip, len(view))
            view, self._skip = view[dropped:], self._skip - dropped
        if self._header_size and self._written + len(view) >= self._header_size:
            self._on_header(self._first_bytes(view))
            self._header_size = 0
        self._written += len(view)
        if self._written > self._expected:
            raise TransferError(f"the sealed file grew past the {self.total_size} bytes planned: did it change?")
        while view:
            taken = min(self.part_size - self._filled, len(view))
            self._buffer[self._filled : self._filled + taken] = view[:taken]
            self._filled += taken
            view = view[taken:]
            if self._filled == self.part_size:
                self._hand_over()
        return size

    def _first_bytes(self, view: memoryview) -> bytes:
        """The header: what the buffer holds of it already, and the rest from ``view``."""
        held = bytes(self._buffer[: min(self._filled, self._header_size)])
        return held + bytes(view[: self._header_size - len(held)])

    def close(self) -> None:
        """Send what is left as the last part, wait until every part has gone, and report any failure."""
        try:
            if self._failure is None and self._written != self._expected:
                raise TransferError(
                    f"the sealed file is {self._written} bytes where {self._expected} were planned: "
                    "did it change while it was read?"
                )
            if self._filled:
                self._hand_over()
        finally:
            self._stop_senders()
        self._raise_failure()

    def abandon(self) -> None:
        """Stop sending: the sealing failed or was interrupted; parts already sent stay for a resume."""
        self._failure = self._failure or TransferError("abandoned")
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._stop_senders()

    def _stop_senders(self) -> None:
        if not any(sender.is_alive() for sender in self._senders):
            return
        for _ in self._senders:
            self._queue.put(None)
        for sender in self._senders:
            sender.join()

    def _hand_over(self) -> None:
        part = (self._next_part, self._buffer, self._filled)
        while True:
            self._raise_failure()
            try:
                self._queue.put(part, timeout=0.5)
                break
            except queue.Full:
                continue
        self._next_part += 1
        try:
            self._buffer = self._spare.get_nowait()
        except queue.Empty:
            self._buffer = bytearray(self.part_size)
        self._filled = 0

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    # The sending side, in its own thread ----------------------------------------------------

    def _send_parts(self) -> None:
        connections = _Connections()
        try:
            while (item := self._queue.get()) is not None:
                if self._failure is None:
                    self._send(connections, *item)
        except BaseException as failure:  # handed to the sealing thread, which raises it
            self._failure = self._failure or failure
            while self._queue.get() is not None:  # let the writer finish handing over
                pass
        finally:
            connections.close()

    def _url(self, number: int, fresh: bool = False) -> str:
        with self._lock:
            if fresh or number not in self._urls:
                wanted = list(range(number, min(number + _URLS_AT_ONCE, self.part_count + 1)))
                self._urls |= self._part_urls(wanted)
            return self._urls.pop(number)

    def _send(self, connections: _Connections, number: int, buffer: bytearray, size: int) -> None:
        part = memoryview(buffer)[:size]
        try:
            self._send_part(connections, number, part)
        finally:
            part.release()
            self._spare.put(buffer)

    def _send_part(self, connections: _Connections, number: int, part: memoryview) -> None:
        url = self._url(number)
        for attempt in range(1, _RETRIES + 1):
            try:
                response = connections.request("PUT", url, part)
            except (OSError, http.client.HTTPException) as error:
                if attempt == _RETRIES:
                    raise TransferError(f"part {number} could not be sent: {error}") from None
                continue
            if response.status == 200:
                response.read()
                with self._lock:
                    self._progress(len(part))
                return
            refusal = _refusal(response)
            if response.status == 403 and "expired" in refusal.lower() or response.status >= 500:
                if attempt < _RETRIES:
                    url = self._url(number, fresh=True)
                    continue
            raise TransferError(f"the bucket refused part {number}: {refusal}")


Resume = Callable[[int], http.client.HTTPResponse]
"""From how many bytes were received, a response carrying the rest (a ``Range`` request); raises TransferError."""


class _ReadAhead:
    """A response read ahead by a thread of its own, so that the network and what consumes the bytes (opening them,
    writing them) overlap; counts what passes. At most ``_READ_AHEAD_BLOCKS`` blocks wait in memory.

    A connection that breaks, or a body that ends short of ``expected_size``, is picked up where it stopped
    (``resume``: a ``Range`` request for the rest), up to ``_RETRIES`` times in a row: a break costs what was lost
    in flight, not the download so far."""

    def __init__(self, response: http.client.HTTPResponse, progress: Progress, expected_size: int, resume: Resume):
        self._response, self._progress = response, progress
        self._expected, self._resume, self._received = expected_size, resume, 0
        self._blocks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=_READ_AHEAD_BLOCKS)
        self._current = memoryview(b"")
        self._stopped = threading.Event()
        self._reader = threading.Thread(target=self._read_ahead, name="imegha-read-ahead", daemon=True)
        self._reader.start()

    def _read_ahead(self) -> None:
        breaks = 0
        while not self._stopped.is_set():
            try:
                block: bytes | BaseException = self._response.read(_READ_AHEAD_BYTES)
                if not block and self._received < self._expected:
                    raise http.client.IncompleteRead(b"", self._expected - self._received)
                breaks = 0
            except (OSError, ValueError, http.client.HTTPException) as error:  # ValueError: closed by stop()
                partial = error.partial if isinstance(error, http.client.IncompleteRead) else b""
                if partial and not self._put(partial):
                    return
                block = TransferError(f"the download stopped: {error}")
                if not self._stopped.is_set() and breaks < _RETRIES:
                    breaks += 1
                    self._response.close()
                    try:
                        self._response = self._resume(self._received)
                        continue
                    except TransferError as failed:
                        block = failed
            if not self._put(block) or not block or isinstance(block, BaseException):
                return

    def _put(self, block: bytes | BaseException) -> bool:
        """Hand ``block`` over (counting its bytes); False when the download was stopped meanwhile."""
        if isinstance(block, bytes):
            self._received += len(block)
        while not self._stopped.is_set():
            try:
                self._blocks.put(block, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def readinto(self, buffer: memoryview | bytearray) -> int:
        if not self._current:
            block = self._blocks.get()
            if isinstance(block, BaseException):
                raise block
            self._current = memoryview(block)
        count = min(len(self._current), len(buffer))
        memoryview(buffer)[:count] = self._current[:count]
        self._current = self._current[count:]
        self._progress(count)
        return count

    def read(self, size: int) -> bytes:
        buffer = bytearray(size)
        return bytes(buffer[: self.readinto(buffer)])

    def stop(self) -> None:
        """End the reading ahead, even half-way (when opening failed): no thread outlives the download."""
        self._stopped.set()
        self._response.close()
        self._reader.join()


@contextmanager
def fetched(url: str, expected_size: int, progress: Progress = _no_progress) -> Iterator[_ReadAhead]:
    """The body of a presigned GET, as a stream, once the bucket answered with exactly ``expected_size`` bytes."""
    connections = _Connections()

    def rest(received: int) -> http.client.HTTPResponse:
        """The bytes from ``received`` on, from the same object (a presigned GET takes a Range header)."""
        connections.close()  # the broken connection: the rest comes over a new one
        try:
            response = connections.request("GET", url, extra_headers={"Range": f"bytes={received}-"})
        except (OSError, http.client.HTTPException) as error:
            raise TransferError(f"the download stopped and could not resume: {error}") from None
        span = response.getheader("Content-Range", "")
        if (
            response.status != 206
            or not span.startswith(f"bytes {received}-")
            or not span.endswith(f"/{expected_size}")
        ):
            raise TransferError(f"the download stopped and the bucket would not resume it: HTTP {response.status}")
        return response

    try:
        try:
            response = connections.request("GET", url)
        except (OSError, http.client.HTTPException) as error:
            raise TransferError(f"the download could not start: {error}") from None
        if response.status != 200:
            raise TransferError(f"the bucket refused the download: {_refusal(response)}")
        length = int(response.getheader("Content-Length", "-1"))
        if length != expected_size:
            raise TransferError(
                f"the bucket holds {length} bytes for this file where {expected_size} were recorded: "
                "it was cut short or replaced"
            )
        body = _ReadAhead(response, progress, expected_size, rest)
        try:
            yield body
        finally:
            body.stop()
    finally:
        connections.close()


@contextmanager
def written_whole(destination: Path, *, replace: bool = False) -> Iterator[BinaryIO]:
    """A file to write into that becomes ``destination`` only if the block finishes; otherwise nothing is left.

    What is there already under that name (a file, a link, a directory) stays as it was and the block ends in
    ``FileExistsError``, unless ``replace``: the finished file is linked in under the name, which only a name
    nobody holds takes, so there is no moment when an existing file is replaced.
    """
    handle, staging = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name[:64]}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(staging, destination)
        else:
            _linked_new(Path(staging), destination)
    finally:
        Path(staging).unlink(missing_ok=True)


def _linked_new(staging: Path, destination: Path) -> None:
    try:
        os.link(staging, destination)  # FileExistsError where the name is taken
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        # A file system without hard links (FAT, some network shares): create the name exclusively, then copy.
        with staging.open("rb") as source, destination.open("xb") as target:
            try:
                shutil.copyfileobj(source, target, _READ_AHEAD_BYTES)
                target.flush()
                os.fsync(target.fileno())
            except BaseException:
                destination.unlink()
                raise
