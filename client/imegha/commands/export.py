"""``imegha export DIR``: everything of yours, decrypted, in a directory of your own (layout: imegha/export.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import boto3
from botocore.exceptions import ProfileNotFound

from ..documents import JSONObject
from ..endpoints import Endpoints, EndpointsNotFound
from ..export import (
    ExportDirectory,
    ExportedFile,
    ExportError,
    OwnAwsCloud,
    everything_else,
    library_files,
    own_audit,
    own_conversations,
)
from ..library import Library
from ..personal_cloud import CONNECTED_ACCOUNT, LOCAL_ACCOUNT
from ..profile import Profile
from ..progress import ProgressBar
from . import BadInput, CommandError, SecretReader, Subparsers, emit, secrets_from_stdin
from .accounts import account_for, guarded


def register(subparsers: Subparsers) -> None:
    text = (
        "export everything of yours, decrypted, into DIR (files in their folders, with --versions their older versions too, conversations and groups as JSON "
        "and Markdown, the audit log verified, a manifest); run it again to resume. With --from-aws it reads your own AWS account directly, with your own AWS credentials and your "
        "24 words alone: no platform, no sign-in"
    )
    export = subparsers.add_parser("export", help=text, description=text)
    export.add_argument("directory", type=Path, help="where to write the export (made if missing)")
    export.add_argument(
        "--from-aws",
        action="store_true",
        help="read your cloud's table and bucket straight from your AWS account (asks for your recovery phrase)",
    )
    export.add_argument(
        "--versions",
        action="store_true",
        help="also every older version of each file your cloud still keeps (30 days), as versions/<folder>/<name (vN).ext>",
    )
    export.add_argument(
        "--aws-profile", help="with --from-aws: the profile of your own AWS credentials (else AWS's usual chain)"
    )
    secrets_from_stdin(export, "your recovery phrase (24 words), with --from-aws")
    export.set_defaults(handler=export_command)


@guarded
def export_command(args: argparse.Namespace) -> None:
    if args.from_aws:
        phrase = SecretReader(args).read("Your recovery phrase (24 words): ")
        cloud = _own_aws_cloud(args)
        try:
            owner, keys = cloud.open_keys(phrase)
            files = cloud.files(owner, keys, versions=args.versions)
        except ExportError as error:
            raise CommandError(str(error)) from None
        export = ExportDirectory(
            args.directory, f"your own AWS account: table {cloud.table_name}, bucket {cloud.bucket}"
        )
        _export_files(export, files)
        manifest = export.finish(
            userId=owner, **own_conversations(export, cloud, owner, keys), **own_audit(export, cloud, owner, keys)
        )
    else:
        account = account_for(args)
        library = Library(account)
        export = ExportDirectory(
            args.directory, f"your cloud, {library.cloud_url}, signed in as {account.session.imtag}"
        )
        _export_files(export, library_files(library, versions=args.versions))
        manifest = export.finish(userId=library.owner, **everything_else(export, account, library))
    emit(args, manifest, lambda: _summary(args.directory, manifest))


def _export_files(export: ExportDirectory, files: list[ExportedFile]) -> None:
    with ProgressBar("export", sum(max(f.stored.ciphertext_size, 0) for f in files)) as progress:
        export.files(files, progress)


def _own_aws_cloud(args: argparse.Namespace) -> OwnAwsCloud:
    """The person's own AWS account: their named profile or AWS's usual credentials, or, on the local cloud, the
    simulated account's keys this profile holds."""
    try:
        endpoints: Endpoints | None = Endpoints.discover()
    except EndpointsNotFound:
        endpoints = None  # no platform configured: iMegha may be gone, which is what --from-aws is for
    # Where the cloud stands: the region of the deployment role connected from this device, else the platform's.
    connected = Profile.named(args.profile).read(CONNECTED_ACCOUNT) or {}
    region = connected.get("region") or (endpoints.region if endpoints else None)
    local = Profile.named(args.profile).read(LOCAL_ACCOUNT) or {}
    try:
        if args.aws_profile or not (local.get("accessKeyId") and endpoints and endpoints.aws_endpoint_url):
            session = boto3.Session(profile_name=args.aws_profile, region_name=region)
            return OwnAwsCloud(session)
        session = boto3.Session(
            aws_access_key_id=local["accessKeyId"], aws_secret_access_key=local["secretAccessKey"], region_name=region
        )
        return OwnAwsCloud(session, endpoints.aws_endpoint_url)
    except ProfileNotFound:
        raise BadInput(f"there is no AWS profile {args.aws_profile!r} on this device") from None
    except ExportError as error:
        raise CommandError(str(error)) from None


def _summary(directory: Path, manifest: JSONObject) -> str:
    counts = {outcome: len(manifest[outcome]) for outcome in ("written", "skipped", "failed")}
    lines = [
        f"Exported into {directory}: {counts['written']} files written, {counts['skipped']} already there, "
        f"{counts['failed']} that do not open (listed in {directory / 'manifest.json'})."
    ]
    if "audit" in manifest:
        audit = manifest["audit"]
        only = f" ({manifest['notRecovered']})" if "notRecovered" in manifest else ""
        lines.append(
            f"{len(manifest['conversations'])} conversations and {len(manifest['groups'])} groups, as JSON and "
            f"Markdown{only}; the audit log "
            + ("verified." if audit["verified"] else f"DOES NOT VERIFY: {audit['problem']}")
        )
        lines += [f"  warning: {warning}; its messages are missing" for warning in manifest.get("unanswered", [])]
    lines += [f"  {entry['path']}: {entry['problem']}" for entry in manifest["failed"]]
    return "\n".join(lines)
