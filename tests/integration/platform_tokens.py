"""Tokens the tests make themselves: as the platform's signing key would sign them, with claims of the test's choosing
(a lapsed one, another audience), for the tests of the clouds' authorizers and the fuzzer."""

from __future__ import annotations

import json

from imegha_crypto import b64url_encode


def signed_by_the_platform(local_cloud, claims: dict) -> str:
    """A token as the platform's signing key would sign it, with ``claims`` of the test's choosing."""
    kms = local_cloud.client("kms")
    (key_id,) = [
        key["KeyId"]
        for key in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyUsage"] == "SIGN_VERIFY"
    ]
    header = b64url_encode(json.dumps({"alg": "RS256", "typ": "at+jwt", "kid": key_id}).encode())
    payload = b64url_encode(json.dumps(claims).encode())
    signature = kms.sign(
        KeyId=key_id,
        Message=f"{header}.{payload}".encode(),
        MessageType="RAW",
        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
    )["Signature"]
    return f"{header}.{payload}.{b64url_encode(signature)}"
