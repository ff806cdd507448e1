"""The internals of IAM and STS: roles, trust and credentials."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, class_, function, method

INTERNALS: tuple[Internal, ...] = (
    # moto.iam
    method(
        "moto.iam.access_control.AssumedRoleAccessKey.create_credentials",
        "self",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
    class_("moto.iam.access_control.CreateAccessKeyFailure", None, "shims.s3._s3_honours_presigned_urls_as_signed"),
    class_("moto.iam.access_control.S3IAMRequest", None, "shims.iam._cross_account_roles_are_held_to_their_policies"),
    method(
        "moto.iam.access_control.IAMUserAccessKey.create_credentials",
        "self",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
    attribute(
        "moto.iam.access_control.PermissionResult.DENIED",
        "shims.s3._bucket_policies_apply_the_statements_whose_conditions_hold",
    ),
    attribute(
        "moto.iam.access_control.PermissionResult.NEUTRAL",
        "shims.s3._bucket_policies_apply_the_statements_whose_conditions_hold",
    ),
    attribute(
        "moto.iam.access_control.PermissionResult.PERMITTED",
        "shims.s3._bucket_policies_apply_the_statements_whose_conditions_hold",
    ),
    function(
        "moto.iam.access_control.create_access_key",
        "account_id, partition, access_key_id, headers",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
    attribute(
        "moto.iam.aws_managed_policies.aws_managed_policies_data",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    method(
        "moto.iam.models.IAMBackend.get_role_by_arn",
        "self, arn",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    method(
        "moto.iam.models.IAMBackend.get_policy",
        "self, policy_arn",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    method(
        "moto.iam.models.IAMBackend.get_policy_version",
        "self, policy_arn, version_id",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    method(
        "moto.iam.models.IAMBackend.get_user_from_access_key_id",
        "self, access_key_id",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.sts.signing_key",
    ),
    attribute("moto.iam.models.Policy.default_version_id", "shims.iam._cross_account_roles_are_held_to_their_policies"),
    attribute("moto.iam.models.Role.managed_policies", "shims.iam._cross_account_roles_are_held_to_their_policies"),
    attribute(
        "moto.iam.models.Role.permissions_boundary_arn", "shims.iam._cross_account_roles_are_held_to_their_policies"
    ),
    attribute("moto.iam.models.Role.policies", "shims.iam._cross_account_roles_are_held_to_their_policies"),
    function(
        "moto.iam.models.get_account_id_from",
        "access_key",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute(
        "moto.iam.models.iam_backends",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    # moto.sts
    class_("moto.sts.exceptions.STSClientError", "*args, **kwargs", "shims.sts._assume_role_honours_trust_policies"),
    method(
        "moto.sts.models.STSBackend.assume_role",
        "self, region_name, role_session_name, role_arn, policy, duration, external_id",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    method(
        "moto.sts.models.STSBackend.get_assumed_role_from_access_key",
        "self, access_key_id",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.sts.signing_key",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute(
        "moto.sts.models.sts_backends",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    method("moto.sts.responses.TokenResponse.assume_role", "self", "shims.sts._assume_role_honours_trust_policies"),
)
