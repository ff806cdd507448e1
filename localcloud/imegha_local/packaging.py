"""What ``sam build`` and ``sam package`` do, for the local cloud: local paths in a template become S3 objects.

A template names its code and documents by local path (``CodeUri: functions/``);
CloudFormation only reads S3. Packaging zips each code directory (a Python layer
under ``python/``, as ``sam build`` lays it out), uploads it, nested templates
first packaged themselves, and returns the template with S3 locations in their
place. The Transform is left to CloudFormation, which runs it, as in AWS.

Zips are deterministic (sorted entries, fixed timestamps), so unchanged code has
the same key and is uploaded once; the Lambda shim unpacks each digest once.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from imegha_local.templates import load_template

# Where a template names something local, and what S3 form the property takes instead.
# This is the list of *properties* `sam package` rewrites, not of resources.
_ZIP, _FILE, _TEMPLATE = "zip", "file", "template"
_S3_URI, _BUCKET_KEY, _S3_BUCKET_KEY, _HTTPS_URL = "s3uri", "Bucket/Key", "S3Bucket/S3Key", "https"
PACKAGEABLE_PROPERTIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "AWS::Serverless::Function": (("CodeUri", _ZIP, _S3_URI),),
    "AWS::Serverless::LayerVersion": (("ContentUri", _ZIP, _S3_URI),),
    "AWS::Serverless::StateMachine": (("DefinitionUri", _FILE, _BUCKET_KEY),),
    "AWS::Serverless::Api": (("DefinitionUri", _FILE, _S3_URI),),
    "AWS::Serverless::HttpApi": (("DefinitionUri", _FILE, _S3_URI),),
    "AWS::Serverless::Application": (("Location", _TEMPLATE, _HTTPS_URL),),
    "AWS::CloudFormation::Stack": (("TemplateURL", _TEMPLATE, _HTTPS_URL),),
    "AWS::Lambda::Function": (("Code", _ZIP, _S3_BUCKET_KEY),),
    "AWS::Lambda::LayerVersion": (("Content", _ZIP, _S3_BUCKET_KEY),),
    "AWS::StepFunctions::StateMachine": (("DefinitionS3Location", _FILE, _BUCKET_KEY),),
    "AWS::ApiGateway::RestApi": (("BodyS3Location", _FILE, _BUCKET_KEY),),
    "AWS::ApiGatewayV2::Api": (("BodyS3Location", _FILE, _BUCKET_KEY),),
}
# What zips leave out: bytecode is machine-local, and Lambda compiles its own.
_EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

Upload = Callable[[bytes, str], tuple[str, str]]
"""Puts ``bytes`` under a key ending in ``suffix`` and returns ``(bucket, key)``."""


class PackagingError(ValueError):
    """A template names something that cannot be packaged; the message names the resource."""


@dataclass(frozen=True)
class Artifact:
    content: bytes
    digest: str


def package_template(template_path: Path, upload: Upload, region: str) -> dict:
    """The template at ``template_path`` with every local path replaced by what it uploaded."""
    template = copy.deepcopy(load_template(template_path))
    base = template_path.parent
    globals_function = template.get("Globals", {}).get("Function", {})
    if isinstance(globals_function.get("CodeUri"), str):
        globals_function["CodeUri"] = _package_property(
            "Globals.Function", "CodeUri", globals_function["CodeUri"], _ZIP, _S3_URI, base, upload, region, {}
        )
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties") or {}
        for name, kind, form in PACKAGEABLE_PROPERTIES.get(resource.get("Type"), ()):
            if _is_local(properties.get(name)):
                properties[name] = _package_property(
                    logical_id, name, properties[name], kind, form, base, upload, region, resource.get("Metadata") or {}
                )
    return template


def _is_local(value: object) -> bool:
    return isinstance(value, str) and not value.startswith(("s3://", "https://", "http://"))


def _package_property(
    logical_id: str,
    name: str,
    value: str,
    kind: str,
    form: str,
    base: Path,
    upload: Upload,
    region: str,
    metadata: dict,
) -> object:
    path = (base / value).resolve()
    if not path.exists():
        raise PackagingError(f"{logical_id}: {name} {value!r} does not exist (resolved to {path})")
    if kind == _ZIP:
        if not path.is_dir():
            raise PackagingError(f"{logical_id}: {name} {value!r} must be a directory")
        prefix = "python/" if str(metadata.get("BuildMethod", "")).startswith("python") else ""
        bucket, key = upload(zip_directory(path, prefix).content, ".zip")
    elif kind == _TEMPLATE:
        nested = package_template(path, upload, region)
        bucket, key = upload(json.dumps(nested, sort_keys=True).encode(), ".template.json")
    else:
        bucket, key = upload(path.read_bytes(), path.suffix)
    if form == _S3_URI:
        return f"s3://{bucket}/{key}"
    if form == _BUCKET_KEY:
        return {"Bucket": bucket, "Key": key}
    if form == _S3_BUCKET_KEY:
        return {"S3Bucket": bucket, "S3Key": key}
    return f"https://s3.{region}.amazonaws.com/{bucket}/{key}"


_zip_cache: dict[tuple[Path, str], tuple[tuple, Artifact]] = {}


def zip_directory(directory: Path, prefix: str = "") -> Artifact:
    """A deterministic zip of ``directory`` (entries under ``prefix``), rebuilt only when a file changed."""
    files = sorted(_files(directory))
    signature = tuple((str(path), stat.st_size, stat.st_mtime_ns) for path, stat in files)
    cached = _zip_cache.get((directory, prefix))
    if cached and cached[0] == signature:
        return cached[1]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, stat in files:
            entry = zipfile.ZipInfo(prefix + path.relative_to(directory).as_posix(), _ZIP_EPOCH)
            entry.external_attr = (stat.st_mode & 0o777 | 0o100000) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    content = buffer.getvalue()
    artifact = Artifact(content, hashlib.sha256(content).hexdigest())
    _zip_cache[(directory, prefix)] = (signature, artifact)
    return artifact


def _files(directory: Path):
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _EXCLUDED_DIRS)
        for name in names:
            if not name.endswith(_EXCLUDED_SUFFIXES):
                path = Path(root) / name
                yield path, path.stat()


class ArtifactBucket:
    """Where packaged code and templates go, as ``sam deploy``'s managed bucket or a release's bucket: objects named
    by their content, the bucket made in the client's region if it is not there yet."""

    def __init__(self, s3: Any, name: str, prefix: str = ""):
        self._s3 = s3
        self.name = name
        self._prefix = prefix
        self._known: set[str] = set()

    def upload(self, content: bytes, suffix: str) -> tuple[str, str]:
        if not self._known:
            try:
                self._s3.create_bucket(Bucket=self.name, **_located(self._s3.meta.region_name))
            except ClientError as error:
                if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
            self._known.add("")
        key = self._prefix + hashlib.sha256(content).hexdigest() + suffix
        if key not in self._known:
            if not self._holds(
                key
            ):  # named by its content: what is there already is the same (as sam package skips it)
                self._s3.put_object(Bucket=self.name, Key=key, Body=content)
            self._known.add(key)
        return self.name, key

    def _holds(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.name, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def _located(region: str) -> dict:
    """CreateBucket's arguments for a bucket in ``region``: S3 wants the region named, except in us-east-1."""
    return {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
