"""The local gateway's AWS_IAM check: a Signature Version 4 holds for the request, and says whose account signed."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from imegha_local.authorizers import Unauthorized
from imegha_local.sigv4 import SigningKey, signer

URL = "http://127.0.0.1:4748/d00rbe11/dev/doorbell"
REGION = "us-east-1"  # the API's
KEY = SigningKey(
    "the-secret", "222222222222", "arn:aws:sts::222222222222:assumed-role/imegha-chat/fn", "imegha-chat:fn"
)


def known(access_key: str) -> SigningKey | None:
    return KEY if access_key == "ASIAKNOWN" else None


def signed(
    body: bytes = b'{"ring":1}', access_key: str = "ASIAKNOWN", secret: str = "the-secret", region: str = REGION
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=URL, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access_key, secret, "a-session-token"), "execute-api", region).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()} | {"host": "127.0.0.1:4748"}


def test_a_signed_request_names_the_account_and_role_that_signed_it():
    assert signer(known, "POST", URL, signed(), b'{"ring":1}', REGION) == {
        "accountId": "222222222222",
        "userArn": KEY.arn,
        "caller": KEY.caller,
        "accessKey": "ASIAKNOWN",
    }


# Signed as each test runs, not at collection: a signature made when the run began may be past its 15 minutes by then.
@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        (dict, b'{"ring":1}', "no Signature Version 4"),
        (signed, b'{"ring":2}', "does not match"),  # the body changed after signing
        (lambda: signed(secret="a-guess"), b'{"ring":1}', "does not match"),
        (lambda: signed(access_key="ASIAUNKNOWN"), b'{"ring":1}', "not known"),
    ],
)
def test_an_unsigned_altered_or_unknown_request_is_refused(headers, body, reason):
    with pytest.raises(Unauthorized, match=reason):
        signer(known, "POST", URL, headers(), body, REGION)


def test_a_signature_older_than_fifteen_minutes_is_refused():
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    with pytest.raises(Unauthorized, match="15 minutes"):
        signer(known, "POST", URL, signed(), b'{"ring":1}', REGION, now=later)


def test_a_request_sent_elsewhere_than_signed_for_is_refused():
    with pytest.raises(Unauthorized, match="does not match"):
        signer(known, "POST", URL.replace("doorbell", "elsewhere"), signed(), b'{"ring":1}', REGION)


def test_a_signature_scoped_to_another_region_than_the_apis_is_refused():
    """As API Gateway does: a cloud in eu-central-1 ringing the platform's us-east-1 doorbell signs for us-east-1."""
    with pytest.raises(Unauthorized, match="scoped to eu-central-1, not us-east-1"):
        signer(known, "POST", URL, signed(region="eu-central-1"), b'{"ring":1}', REGION)
