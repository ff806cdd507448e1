"""What the local cloud holds, fingerprinted in-process: one digest per DynamoDB table and per S3 bucket.

For a test that must show a request changed nothing (a refused request leaves every table and bucket as it was):
compare :func:`stored_state` before and after, and :func:`changed` names what differs. It reads moto's backends
in this process rather than scanning through the AWS APIs, so a fingerprint of every account costs a few
milliseconds, not a request per table. It covers every item, every object version and delete marker, and every
multipart upload in progress (with its parts); nothing else (logs, queues, Cognito) is in it.
"""

from __future__ import annotations

import hashlib
import json

from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends

S3_PARTITION = "aws"


def stored_state() -> dict[str, str]:
    """``"dynamodb ACCOUNT REGION TABLE"`` and ``"s3 ACCOUNT BUCKET"``, each to a digest of everything it holds."""
    state: dict[str, str] = {}
    for account_id, regions in list(dynamodb_backends.items()):
        for region, backend in list(regions.items()):
            for name, table in list(backend.tables.items()):
                items = [json.dumps(item.to_json(), sort_keys=True, default=str) for item in table.all_items()]
                state[f"dynamodb {account_id} {region} {name}"] = _digest(items)
    for account_id, partitions in list(s3_backends.items()):
        backend = partitions.get(S3_PARTITION)
        for name, bucket in list(backend.buckets.items()) if backend else ():
            versions = [
                f"{key} {version.version_id} {getattr(version, 'etag', 'delete marker')}"
                for key, listed in list(bucket.keys.iterlists())
                for version in listed
            ]
            uploads = [
                f"upload {upload_id} {sorted((number, part.etag) for number, part in list(upload.parts.items()))}"
                for upload_id, upload in list(bucket.multiparts.items())
            ]
            state[f"s3 {account_id} {name}"] = _digest(versions + uploads)
    return state


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The tables and buckets whose contents differ, appeared or went between two :func:`stored_state` readings."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
