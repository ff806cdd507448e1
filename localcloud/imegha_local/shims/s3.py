"""S3: bucket policies apply the statements whose conditions hold, presigned URLs do what they were signed for,
and a bucket a template declares versioned is.

moto reads every conditional statement of a bucket policy as denying (so the
usual TLS-only ``Deny`` denied every object request), and serves a presigned URL
without checking its signature or its expiry, in moto's default account. As in
AWS, a statement applies with its own effect when its conditions hold, and a
SigV4-presigned URL acts in its signer's account, for the one request it was
signed for, until it expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from imegha_local.shims import core  # core.now() at each call: the clock tests move
from imegha_local.shims.core import PARTITION, patch
from imegha_local.shims.policies import matches_action, matches_resource, unmet_condition


def _bucket_policies_apply_the_statements_whose_conditions_hold() -> None:
    """A bucket policy statement applies only when its conditions hold, so a TLS-only Deny denies plain HTTP alone.

    moto ignores a statement's condition keys and treats the statement as failing
    its conditions, which it reads as DENIED whatever the statement's effect: the
    usual ``Deny`` unless ``aws:SecureTransport`` (every iMegha bucket has it)
    denies every object request, and a conditional ``Allow`` denies too. Here a
    statement whose conditions hold applies with its own effect, one whose
    conditions do not hold is left out, as in AWS. The local endpoint is plain
    HTTP standing in for AWS's HTTPS endpoints, so ``aws:SecureTransport`` is
    true; a condition on any key the bucket cannot know here (the caller's
    principal, for one) is unmet, so such a statement neither allows nor denies.
    """
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    context = {"aws:securetransport": "true"}

    @patch(FakeBucket, "get_permission")
    def get_permission(original, bucket, action, resource):
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(bucket.policy)["Statement"]
        applying = [
            statement
            for statement in statements
            if isinstance(statement, dict)
            and statement.get("Principal") in ("*", {"AWS": "*"})
            and matches_action(statement.get("Action"), action)
            and matches_resource(statement.get("Resource"), resource)
            and not unmet_condition(statement.get("Condition") or {}, context)
        ]
        if any(statement.get("Effect") == "Deny" for statement in applying):
            return PermissionResult.DENIED
        return PermissionResult.PERMITTED if applying else PermissionResult.NEUTRAL


def _cloudformation_makes_buckets_versioned_as_declared() -> None:
    """``AWS::S3::Bucket`` honours ``VersioningConfiguration``: moto's CloudFormation model makes every bucket
    unversioned, so an object replaced or deleted would be gone, where in AWS its older versions stay readable by
    version id (iMegha keeps a file's replaced versions so)."""
    from moto.s3.models import FakeBucket, s3_backends

    @patch(FakeBucket, "create_from_cloudformation_json")
    def create_bucket(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        versioning = cloudformation_json.get("Properties", {}).get("VersioningConfiguration")
        if versioning:
            s3_backends[account_id][PARTITION].put_bucket_versioning(bucket.name, versioning["Status"])
        return bucket


def _s3_honours_presigned_urls_as_signed() -> None:
    """A presigned S3 URL does what it was signed for, until it expires, and nothing else.

    moto serves a presigned URL without checking its signature or its expiry,
    so a URL made for one object fetches any other, and never lapses. Here an
    object request carrying a SigV4 query signature (``X-Amz-Signature``, what
    boto3 presigns with ``s3v4``, as every iMegha Lambda does) is checked as S3
    checks it: the signer's secret from its access key (an IAM user's, or an STS
    session's with its token), the canonical request over the method, the path,
    every other query parameter and the signed headers, with the payload
    unsigned; then ``X-Amz-Date`` plus ``X-Amz-Expires`` against the clock. A
    mismatch is a 403 ``SignatureDoesNotMatch``, a lapsed URL a 403
    ``AccessDenied`` ("Request has expired"). Requests signed in their
    ``Authorization`` header (SDK calls) are left as moto handles them.

    moto also finds a request's account from its access key in the
    ``Authorization`` header or the SigV2 ``AWSAccessKeyId`` parameter only, so a
    SigV4-presigned request landed in moto's default account, where the bucket
    is not; here its ``X-Amz-Credential`` names the key, as in AWS.
    """
    from moto.core.responses import BaseResponse
    from moto.s3.responses import S3Response

    @patch(BaseResponse, "get_access_key")
    def get_access_key(original, response):
        credential = (response.querystring.get("X-Amz-Credential") or [""])[0]
        if "Authorization" not in response.headers and credential:
            return credential.split("/")[0]
        return original(response)

    @patch(S3Response, "_key_response")
    def key_response(original, response, request, full_url):
        refusal = _presigned_refusal(response.current_account, request.method, full_url, request.headers)
        if refusal:
            code, message = refusal
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
            )
            return 403, {"Content-Type": "application/xml"}, body
        return original(response, request, full_url)


def _presigned_refusal(account_id: str, method: str, url: str, headers: Any) -> tuple[str, str] | None:
    """Why S3 would refuse this SigV4-presigned request, or None (also for a request not presigned with SigV4)."""
    import hmac
    from urllib.parse import parse_qsl, quote, unquote, urlsplit

    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    if "X-Amz-Signature" not in given:
        return None
    try:
        access_key_id, date, region, service, _ = given["X-Amz-Credential"].split("/")
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        lifetime = int(given["X-Amz-Expires"])
        signed_headers = given["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError):
        return (
            "AuthorizationQueryParametersError",
            "Query-string authentication requires X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders",
        )
    token = given.get("X-Amz-Security-Token")
    try:
        credentials = create_access_key(
            account_id, PARTITION, access_key_id, {"X-Amz-Security-Token": token} if token else {}
        ).create_credentials()
    except CreateAccessKeyFailure:
        return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."

    def encoded(text: str) -> str:
        return quote(text, safe="-_.~")

    canonical_query = "&".join(
        f"{encoded(name)}={encoded(value)}"
        for name, value in sorted((name, value) for name, value in query if name != "X-Amz-Signature")
    )
    lowered = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{' '.join(str(lowered.get(name, '')).split())}\n" for name in signed_headers)
    canonical_request = "\n".join(
        [
            method,
            quote(unquote(parts.path), safe="/~"),
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{credentials.secret_key}".encode()
    for step in (date, region, service, "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given["X-Amz-Signature"]):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
    if core.now() > signed_at + dt.timedelta(seconds=lifetime):
        return "AccessDenied", "Request has expired"
    return None
