"""The internals of KMS: the keys CloudFormation makes."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, method

INTERNALS: tuple[Internal, ...] = (
    method(
        "moto.kms.models.Key.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.kms._cloudformation_makes_keys_of_their_spec_and_usage",
    ),
    method(
        "moto.kms.models.KmsBackend.create_key",
        "self, policy, key_usage, key_spec, description, tags, multi_region, origin",
        "shims.kms._cloudformation_makes_keys_of_their_spec_and_usage",
    ),
    attribute(
        "moto.kms.models.Key.key_rotation_status", "shims.kms._cloudformation_makes_keys_of_their_spec_and_usage"
    ),
    attribute("moto.kms.models.kms_backends", "shims.kms._cloudformation_makes_keys_of_their_spec_and_usage"),
)
