"""Where the platform is: its REST API, its Cognito pool and app client, and (locally) the embedded AWS."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .profile import imegha_home


class EndpointsNotFound(Exception):
    pass


@dataclass(frozen=True)
class Endpoints:
    platform_api_url: str
    region: str
    user_pool_id: str
    user_pool_client_id: str
    aws_endpoint_url: str | None = None
    """Set for the local cloud; None means real AWS."""

    @classmethod
    def from_file(cls, path: Path) -> "Endpoints":
        document = json.loads(path.read_text())
        return cls(**{field: document.get(field) for field in cls.__dataclass_fields__})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def discover(cls) -> "Endpoints":
        """``IMEGHA_ENDPOINTS`` names a file; otherwise the running local cloud's, then ``~/.imegha/endpoints.json``."""
        candidates = [os.environ.get("IMEGHA_ENDPOINTS"), imegha_home() / "local" / "endpoints.json", imegha_home() / "endpoints.json"]
        for candidate in candidates:
            if candidate and Path(candidate).is_file():
                return cls.from_file(Path(candidate))
        raise EndpointsNotFound(
            "no iMegha platform configured: start the local cloud with 'imegha local up', "
            "or write the outputs of 'sam deploy' to ~/.imegha/endpoints.json"
        )
