"""What the SDK reads and writes as JSON: the bodies the APIs send and take, the documents a profile keeps."""

from __future__ import annotations

from typing import Any

type JSONObject = dict[str, Any]
"""A JSON object. What it holds is its route's or document's contract, read where it is used."""
