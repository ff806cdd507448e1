"""Moving sealed bytes: parts cut as planned, the header kept before any part leaves, a resumed stream skipping what
it re-seals, failures reaching the writer, a destination that appears only whole and never in place of a file there; names refused; progress."""

from __future__ import annotations

import errno
import io
import threading

import pytest

from imegha import transfer
from imegha.library import FilesError, check_name
from imegha.progress import ProgressBar
from imegha.transfer import PartSender, TransferError, written_whole


class FakeResponse:
    def __init__(self, status: int, body: bytes = b""):
        self.status, self.reason, self._body = status, "x", body

    def read(self, size: int = -1) -> bytes:
        return self._body


@pytest.fixture
def bucket(monkeypatch):
    """What the parts' URLs receive: part number -> body; and how to make the next PUTs fail."""
    received: dict[int, bytes] = {}
    answers: list[FakeResponse] = []
    lock = threading.Lock()

    def request(connections, method, url, body=None):
        with lock:
            if answers:
                return answers.pop(0)
            received[int(url.rsplit("/", 1)[1])] = bytes(body)
            return FakeResponse(200)

    monkeypatch.setattr(transfer._Connections, "request", request)
    return {"received": received, "answers": answers}


def urls(numbers: list[int]) -> dict[int, str]:
    return {number: f"http://bucket/part/{number}" for number in numbers}


def sender(total: int, first_part: int = 1, **options) -> PartSender:
    part_size = 10
    return PartSender(
        part_size=part_size,
        part_count=-(-total // part_size),
        total_size=total,
        first_part=first_part,
        part_urls=urls,
        **options,
    )


def test_a_stream_goes_out_as_parts_of_the_planned_size_the_last_one_short(bucket):
    headers, moved = [], []
    stream = sender(25, header_size=4, on_header=headers.append, progress=moved.append)

    for piece in (b"abc", b"defghijklmnopqrstuvw", b"xy"):
        stream.write(piece)
    stream.close()

    assert bucket["received"] == {1: b"abcdefghij", 2: b"klmnopqrst", 3: b"uvwxy"}
    assert headers == [b"abcd"] and sum(moved) == 25


def test_a_resumed_stream_drops_what_it_seals_again_before_its_first_part(bucket):
    stream = sender(25, first_part=2, skip=3)

    stream.write(b"hijklmnopqrstuvwxy")
    stream.close()

    assert bucket["received"] == {2: b"klmnopqrst", 3: b"uvwxy"}


@pytest.mark.parametrize("written", [b"short", b"x" * 30])
def test_a_stream_of_another_size_than_planned_is_refused(bucket, written):
    stream = sender(25)

    with pytest.raises(TransferError, match="did it change"):
        stream.write(written)
        stream.close()
    stream.abandon()


def test_a_part_the_bucket_refuses_stops_the_writer(bucket):
    bucket["answers"].append(FakeResponse(403, b"<Error><Code>AccessDenied</Code></Error>"))
    stream = sender(25)

    with pytest.raises(TransferError, match="refused part 1: HTTP 403 AccessDenied"):
        stream.write(b"a" * 25)
        stream.close()
    stream.abandon()


def test_an_expired_part_url_is_asked_for_again(bucket):
    bucket["answers"].append(
        FakeResponse(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
    )
    stream = sender(5)

    stream.write(b"abcde")
    stream.close()

    assert bucket["received"] == {1: b"abcde"}


def test_a_destination_appears_only_if_writing_it_finished(tmp_path):
    with written_whole(tmp_path / "done.txt") as out:
        out.write(b"whole")
    with pytest.raises(RuntimeError), written_whole(tmp_path / "cut.txt") as out:
        out.write(b"half")
        raise RuntimeError("the last chunk did not authenticate")

    assert sorted(path.name for path in tmp_path.iterdir()) == ["done.txt"]
    assert (tmp_path / "done.txt").read_bytes() == b"whole"


@pytest.mark.parametrize("name", ["a/b", "..", ".", "", "nul\0byte", "é" * 200])
def test_a_name_that_is_a_path_or_too_long_is_refused(name):
    with pytest.raises(FilesError):
        check_name(name)


@pytest.mark.parametrize("taken_by", ["file", "link", "dangling link", "directory"])
def test_a_name_already_taken_is_left_as_it_was_unless_replacing_is_asked(tmp_path, taken_by):
    target, elsewhere = tmp_path / "Minutes.txt", tmp_path / "elsewhere.txt"
    if taken_by == "file":
        target.write_bytes(b"mine")
    elif taken_by == "directory":
        target.mkdir()
    else:
        if taken_by == "link":
            elsewhere.write_bytes(b"mine")
        target.symlink_to(elsewhere)
    before = sorted((path.name, path.is_symlink()) for path in tmp_path.iterdir())

    with pytest.raises(FileExistsError), written_whole(target) as out:
        out.write(b"theirs")

    assert sorted((path.name, path.is_symlink()) for path in tmp_path.iterdir()) == before
    assert taken_by != "file" or target.read_bytes() == b"mine"
    assert taken_by != "link" or elsewhere.read_bytes() == b"mine"


def test_replacing_is_asked_for_and_replaces_the_name_not_what_a_link_points_to(tmp_path):
    (tmp_path / "elsewhere.txt").write_bytes(b"mine")
    (tmp_path / "Minutes.txt").symlink_to(tmp_path / "elsewhere.txt")

    with written_whole(tmp_path / "Minutes.txt", replace=True) as out:
        out.write(b"theirs")

    assert not (tmp_path / "Minutes.txt").is_symlink() and (tmp_path / "Minutes.txt").read_bytes() == b"theirs"
    assert (tmp_path / "elsewhere.txt").read_bytes() == b"mine" and len(list(tmp_path.iterdir())) == 2


def test_without_hard_links_the_name_is_still_created_exclusively(tmp_path, monkeypatch):
    def no_hard_links(source, destination):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(transfer.os, "link", no_hard_links)
    with written_whole(tmp_path / "new.txt") as out:
        out.write(b"whole")
    (tmp_path / "mine.txt").write_bytes(b"mine")
    with pytest.raises(FileExistsError), written_whole(tmp_path / "mine.txt") as out:
        out.write(b"theirs")

    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == {"new.txt": b"whole", "mine.txt": b"mine"}


def test_the_progress_bar_shows_how_far_and_how_much():
    shown = io.StringIO()
    with ProgressBar("Sending scan.pdf", 2 * 1024 * 1024, shown, shown=True) as bar:
        bar(1024 * 1024)
        bar(1024 * 1024)

    last = shown.getvalue().rsplit("\r", 1)[1]
    assert "Sending scan.pdf" in last and "100%" in last and "2.0 MiB of 2.0 MiB" in last
    assert ProgressBar("quiet", 10, io.StringIO()).__call__(5) is None  # not a terminal: nothing drawn
