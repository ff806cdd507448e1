"""The internals of S3: buckets, policies and presigned URLs."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, class_, method, prop

INTERNALS: tuple[Internal, ...] = (
    # moto.s3
    class_("moto.s3.exceptions.S3AccessDeniedError", "", "shims.iam._cross_account_roles_are_held_to_their_policies"),
    method(
        "moto.s3.models.FakeBucket.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.s3._cloudformation_makes_buckets_versioned_as_declared",
    ),
    attribute("moto.s3.models.FakeBucket.keys", "snapshots.stored_state"),
    attribute("moto.s3.models.FakeBucket.region_name", "shims.lambda_._lambda_reads_code_only_from_its_own_region"),
    attribute("moto.s3.models.FakeBucket.multiparts", "snapshots.stored_state"),
    method(
        "moto.s3.models.FakeBucket.get_permission",
        "self, action, resource",
        "shims.s3._bucket_policies_apply_the_statements_whose_conditions_hold",
    ),
    prop("moto.s3.models.FakeKey.etag", "snapshots.stored_state"),
    prop("moto.s3.models.FakeKey.version_id", "snapshots.stored_state"),
    attribute("moto.s3.models.FakeMultipart.parts", "snapshots.stored_state"),
    prop(
        "moto.s3.models.FakeKey.value",
        "providers.rest_api.RestApi",
        "providers.http_api.HttpApi",
        "providers.stepfunctions.StateMachine",
    ),
    method("moto.s3.models.S3Backend.delete_bucket_policy", "self, bucket_name", "providers.s3.BucketPolicy"),
    method(
        "moto.s3.models.S3Backend.get_object",
        "self, bucket_name, key_name, version_id, return_delete_marker",
        "providers.rest_api.RestApi",
        "providers.http_api.HttpApi",
        "providers.stepfunctions.StateMachine",
    ),
    method("moto.s3.models.S3Backend.put_bucket_policy", "self, bucket_name, policy", "providers.s3.BucketPolicy"),
    method(
        "moto.s3.models.S3Backend.put_bucket_versioning",
        "self, bucket_name, status",
        "shims.s3._cloudformation_makes_buckets_versioned_as_declared",
    ),
    method("moto.s3.models._VersionedKeyStore.iterlists", "self", "snapshots.stored_state"),
    attribute(
        "moto.s3.models.s3_backends",
        "snapshots.stored_state",
        "shims.s3._cloudformation_makes_buckets_versioned_as_declared",
        "providers.s3.BucketPolicy",
        "providers.rest_api.RestApi",
        "providers.http_api.HttpApi",
        "providers.stepfunctions.StateMachine",
        "shims.lambda_._lambda_reads_code_only_from_its_own_region",
    ),
    attribute(
        "moto.s3.models.s3_backends.bucket_accounts", "shims.lambda_._lambda_reads_code_only_from_its_own_region"
    ),
    method(
        "moto.s3.responses.S3Response._key_response",
        "self, request, full_url",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
)
