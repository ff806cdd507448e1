"""KMS: a key a template declares is of the spec and usage the template asks for, and keeps its policy as KMS does.

moto's CloudFormation model of ``AWS::KMS::Key`` makes every key a symmetric
encryption key, whatever its ``KeySpec`` and ``KeyUsage``, and keeps its
``KeyPolicy`` as the template's mapping, on which moto's own DescribeKey fails.
The platform's token signing key is an ``RSA_2048`` ``SIGN_VERIFY`` key, with
which KMS signs and whose public key it gives; moto's KMS API does both for such
a key once it is one.
"""

from __future__ import annotations

import json

from imegha_local.shims.core import patch


def _cloudformation_makes_keys_of_their_spec_and_usage() -> None:
    """``AWS::KMS::Key`` honours ``KeySpec`` and ``KeyUsage``, and its policy is a JSON document, as KMS keeps it."""
    from moto.kms.models import Key, kms_backends

    @patch(Key, "create_from_cloudformation_json")
    def create_key(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        policy = properties["KeyPolicy"]
        key = kms_backends[account_id][region_name].create_key(
            policy=policy if isinstance(policy, str) else json.dumps(policy),
            key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=properties.get("Description"),
            # A template's tags are Key and Value; KMS's own API, and moto's backend, name them TagKey and TagValue.
            tags=[{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in properties.get("Tags", [])],
        )
        key.key_rotation_status = properties.get("EnableKeyRotation", False)
        key.enabled = properties.get("Enabled", True)
        return key
