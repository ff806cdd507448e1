"""Profiles: several people on one machine, each with a directory of their own.

A profile directory (mode 0700) holds the session (tokens and who is signed
in), the pins of peers' identity keys, and the key agent's socket. It never
holds a key in the clear: unwrapped keys live only in the agent's memory.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .documents import JSONObject

DEFAULT_PROFILE = "default"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def imegha_home() -> Path:
    return Path(os.environ.get("IMEGHA_HOME") or Path.home() / ".imegha")


@dataclass(frozen=True)
class Profile:
    """One person's directory on this machine: their session and the pins of their peers' keys, never a key.

    >>> profile = Profile.named("alice")  # ~/.imegha/profiles/alice  # doctest: +SKIP
    >>> alice = Account(profile, Endpoints.discover())  # doctest: +SKIP
    >>> alice.session.imtag  # doctest: +SKIP
    'Alice'
    """

    name: str
    directory: Path

    @classmethod
    def named(cls, name: str | None = None) -> Profile:
        name = name or os.environ.get("IMEGHA_PROFILE") or DEFAULT_PROFILE
        if not _NAME.fullmatch(name):
            raise ValueError(f"profile name {name!r}: use letters, digits, '_', '.' or '-'")
        directory = imegha_home() / "profiles" / name
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory.chmod(0o700)
        return cls(name, directory)

    def read(self, document: str) -> JSONObject | None:
        path = self.directory / f"{document}.json"
        if not path.exists():
            return None
        content: JSONObject = json.loads(path.read_text())
        return content

    def write(self, document: str, content: JSONObject) -> None:
        """Replace a document atomically, readable by its owner only."""
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{document}.")
        with os.fdopen(handle, "w") as stream:
            json.dump(content, stream, indent=2)
        os.replace(temporary, self.directory / f"{document}.json")

    def remove(self, document: str) -> None:
        (self.directory / f"{document}.json").unlink(missing_ok=True)

    @property
    def agent_socket(self) -> Path:
        return self.directory / "agent.sock"
