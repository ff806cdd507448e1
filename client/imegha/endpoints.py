"""Where the platform is: its REST API, its Cognito pool and app client, and (locally) the embedded AWS; and the
one exception every adapter raises when a place does not answer at all."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .profile import imegha_home


class EndpointsNotFound(Exception):
    """No platform is configured here: no local cloud runs, and no ``~/.imegha/endpoints.json`` names one.

    >>> try:  # doctest: +SKIP
    ...     endpoints = Endpoints.discover()
    ... except EndpointsNotFound as missing:
    ...     print(missing)  # start the local cloud, or write the outputs of 'sam deploy'
    """


class Unreachable(ConnectionError):
    """Nothing answered at ``url`` (its scheme, host and port only): refused, unknown, timed out or cut off.

    A ``ConnectionError``, so code that treats a peer's silent cloud as a gap (an ``OSError``) still does; the adapters
    (the platform's and clouds' APIs, Cognito) raise it in place of their HTTP library's own errors.

    >>> try:  # doctest: +SKIP
    ...     Library(alice).files()
    ... except Unreachable as silent:
    ...     print(silent.url, silent.reason)  # e.g. http://127.0.0.1:4748 connection refused
    """

    def __init__(self, url: str, cause: BaseException):
        self.url = origin(url)
        self.reason = _reason(cause)
        super().__init__(f"cannot reach {self.url} ({self.reason})")


def origin(url: str) -> str:
    """A URL's scheme, host and port: the place that answers or not (never a path, nor a presigned query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """``error`` and what it wraps: urllib's ``reason``, botocore's ``error``, the exception chain."""
    seen: set[int] = set()
    while isinstance(error, BaseException) and id(error) not in seen:
        seen.add(id(error))
        yield error
        wrapped = getattr(error, "reason", None) or getattr(error, "kwargs", {}).get("error")
        error = wrapped if isinstance(wrapped, BaseException) else error.__cause__ or error.__context__


def _reason(error: BaseException) -> str:
    for cause in _causes(error):
        for kind, reason in (
            (ConnectionRefusedError, "connection refused"),
            (socket.gaierror, "no such host"),
            (TimeoutError, "timed out"),
            (ConnectionResetError, "the connection was cut off"),
        ):
            if isinstance(cause, kind):
                return reason
    said = getattr(error, "reason", None)  # urllib's own words, e.g. "unknown url type: ..."
    return said if isinstance(said, str) else str(error)


@dataclass(frozen=True)
class Endpoints:
    """Where the platform is: its REST API, its Cognito pool and app client, and on the local cloud the embedded AWS.

    >>> endpoints = Endpoints.discover()  # doctest: +SKIP
    >>> endpoints.platform_api_url  # doctest: +SKIP
    'http://127.0.0.1:4748/...'
    >>> alice = Account(Profile.named("alice"), endpoints)  # doctest: +SKIP
    """

    platform_api_url: str
    region: str
    user_pool_id: str
    user_pool_client_id: str
    aws_endpoint_url: str | None = None
    """Set for the local cloud; None means real AWS."""

    @classmethod
    def from_file(cls, path: Path) -> Endpoints:
        document = json.loads(path.read_text())
        return cls(**{field: document.get(field) for field in cls.__dataclass_fields__})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))

    @property
    def origins(self) -> set[str]:
        """The scheme, host and port of each URL here, as :class:`Unreachable` names them."""
        return {origin(url) for url in (self.platform_api_url, self.aws_endpoint_url) if url}

    @classmethod
    def discover(cls) -> Endpoints:
        """The endpoints in :func:`endpoints_file`."""
        path = endpoints_file()
        if path is None:
            raise EndpointsNotFound(
                "no iMegha platform configured: start the local cloud with 'imegha local up', "
                "or write the outputs of 'sam deploy' to ~/.imegha/endpoints.json"
            )
        return cls.from_file(path)


def endpoints_file() -> Path | None:
    """``IMEGHA_ENDPOINTS`` names it; otherwise the running local cloud's, then ``~/.imegha/endpoints.json``."""
    candidates = [
        os.environ.get("IMEGHA_ENDPOINTS"),
        imegha_home() / "local" / "endpoints.json",
        imegha_home() / "endpoints.json",
    ]
    return next((Path(candidate) for candidate in candidates if candidate and Path(candidate).is_file()), None)
