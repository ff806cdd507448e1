"""What users' clouds ring at the platform's doorbell API, heard in unit tests instead of sent.

A :class:`imegha_service.events.SignedDoorbell` signs each ring as it would in
AWS; here its last step, the HTTP POST, is replaced by a recorder that answers
like the doorbell (200, or the status a test asks for).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class DoorbellRings:
    heard: list[dict] = field(default_factory=list)
    """Each ring: its headers (the signature among them), its type and detail, in the order sent."""
    answers: list[int] = field(default_factory=list)
    """Statuses to answer with before answering 200, first one first."""

    def send(self, doorbell, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        ring = json.loads(body)
        self.heard.append({"url": doorbell.url, "headers": headers, **ring})
        status = self.answers.pop(0) if self.answers else 200
        return status, {"rung": True} if status < 300 else {"message": "refused"}

    def events(self) -> list[tuple[str, dict]]:
        return [(ring["detailType"], ring["detail"]) for ring in self.heard]


def hear_rings(monkeypatch) -> DoorbellRings:
    from imegha_service.events import SignedDoorbell

    rings = DoorbellRings()
    monkeypatch.setattr(SignedDoorbell, "_send", lambda doorbell, headers, body: rings.send(doorbell, headers, body))
    monkeypatch.setattr(SignedDoorbell, "__post_init__", _session_with_credentials)
    return rings


def _session_with_credentials(doorbell) -> None:
    import boto3

    doorbell.session = doorbell.session or boto3.Session(
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="secret", region_name="us-east-1"
    )
