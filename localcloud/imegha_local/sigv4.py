"""The local gateway's ``AWS_IAM`` authorization: a request signed with Signature Version 4, and who signed it.

As API Gateway does for a method whose authorization is ``AWS_IAM``: the
``Authorization`` header names an access key, the date, region and service it
was signed for (the region must be the API's) and the headers signed; the signature is computed again from the
request with that key's secret (the local cloud's IAM users and STS sessions,
looked up through ``credentials_of``) and must match, within 15 minutes of the
signing time. The caller's account and ARN then reach the function in
``requestContext.identity`` (``accountId``, ``userArn``, ``caller``,
``accessKey``), as API Gateway fills them. What the local gateway does not do:
evaluate the caller's IAM policies or the API's resource policy against
``execute-api:Invoke`` (handlers check the account themselves).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from imegha_local.authorizers import Unauthorized

MAX_SKEW = dt.timedelta(minutes=15)
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)"
    r"/aws4_request, ?SignedHeaders=(?P<headers>[a-z0-9;-]+), ?Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class SigningKey:
    """An access key's secret and whose it is."""

    secret: str
    account_id: str
    arn: str  # an IAM user's ARN, or an STS session's (arn:aws:sts::…:assumed-role/Role/session)
    caller: str  # what API Gateway calls the caller: the user's id, or "role id:session name"


CredentialsOf = Callable[[str], SigningKey | None]


def signer(
    credentials_of: CredentialsOf,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    now: dt.datetime | None = None,
) -> dict:
    """``requestContext.identity`` for a request to an API in ``region`` whose Signature Version 4 holds
    (``headers`` keyed in lower case); raises :class:`Unauthorized` otherwise."""
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        raise Unauthorized("no Signature Version 4 in the Authorization header")
    if match["region"] != region:  # API Gateway: "Credential should be scoped to a valid region"
        raise Unauthorized(f"the credential is scoped to {match['region']}, not {region}, where the API is")
    key = credentials_of(match["key"])
    if key is None:
        raise Unauthorized(f"the access key {match['key']} is not known")
    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise Unauthorized("no valid X-Amz-Date") from None
    if abs((now or dt.datetime.now(dt.UTC)) - signed_at) > MAX_SKEW or not stamp.startswith(match["date"]):
        raise Unauthorized("the signature's date is more than 15 minutes from now")
    names = match["headers"].split(";")
    if "host" not in names or any(name not in headers for name in names):
        raise Unauthorized("a signed header is missing from the request")
    request = AWSRequest(method=method, url=url, data=body, headers={name: headers[name] for name in names})
    request.context["timestamp"] = stamp
    auth = SigV4Auth(Credentials(match["key"], key.secret), match["service"], match["region"])
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if auth.signed_headers(auth.headers_to_sign(request)) != match["headers"]:
        raise Unauthorized("the signed headers are not the request's")
    if not hmac.compare_digest(expected, match["signature"]):
        raise Unauthorized("the signature does not match the request")
    return {"accountId": key.account_id, "userArn": key.arn, "caller": key.caller, "accessKey": match["key"]}
