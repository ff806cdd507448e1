"""CloudFormation's side of a custom resource: the answer it waits for, PUT to the response URL of its request.

CloudFormation gives each request a presigned S3 URL and waits (up to an hour)
for a JSON document there saying whether the resource was made, changed or
deleted; nothing else the function returns or logs reaches it.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

ANSWER_SECONDS = 30


@dataclass(frozen=True)
class StackRequest:
    """What an answer must name of the request it answers."""

    response_url: str
    stack_id: str
    request_id: str
    logical_resource_id: str


def answer(request: StackRequest, physical_resource_id: str, reason: str | None = None) -> None:
    """Tell CloudFormation the request succeeded, or failed for ``reason`` (which it shows as the resource's
    status reason)."""
    document = {
        "Status": "FAILED" if reason else "SUCCESS",
        "Reason": reason or "done",
        "PhysicalResourceId": physical_resource_id,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
        "Data": {},
    }
    body = json.dumps(document).encode()
    # The URL is presigned without a content type: sending one would break its signature.
    put = urllib.request.Request(
        request.response_url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(put, timeout=ANSWER_SECONDS) as response:  # noqa: S310 - CloudFormation's https URL
        response.read()
