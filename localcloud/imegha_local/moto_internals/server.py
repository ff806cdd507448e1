"""The internals of moto's core, its server and its own API."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, class_, function, method, prop

INTERNALS: tuple[Internal, ...] = (
    # moto.core
    method(
        "moto.core.base_backend.AccountSpecificBackend._generate_regions.__wrapped__",
        "self, service_name",
        "shims.botocore._moto_lists_regions_once_per_service",
    ),
    attribute(
        "moto.core.base_backend.BaseBackend.account_id",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    attribute(
        "moto.core.base_backend.BaseBackend.region_name", "shims.cloudformation._cloudformation_runs_the_sam_transform"
    ),
    method("moto.core.common_models.CloudFormationModel.cloudformation_name_type", "", "providers.base.Provider"),
    method("moto.core.common_models.CloudFormationModel.cloudformation_type", "", "providers.base.Provider"),
    method(
        "moto.core.common_models.CloudFormationModel.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "providers.base.Provider",
    ),
    method(
        "moto.core.common_models.CloudFormationModel.delete_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name",
        "providers.base.Provider",
    ),
    method("moto.core.common_models.CloudFormationModel.has_cfn_attr", "attr", "providers.base.Provider"),
    method("moto.core.common_models.CloudFormationModel.is_created", "self", "providers.base.Provider"),
    method(
        "moto.core.common_models.CloudFormationModel.update_from_cloudformation_json",
        "original_resource, new_resource_name, cloudformation_json, account_id, region_name",
        "providers.base.Provider",
    ),
    method(
        "moto.core.authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action",
        "self, iam_request_cls, resource",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute("moto.core.config.default_user_config", "shims.install"),
    class_(
        "moto.core.exceptions.AccessDeniedError",
        "user_arn, action",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    class_(
        "moto.core.exceptions.JsonRESTError",
        "error_type, message, _, **kwargs",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.cognito._cognito_checks_authenticator_codes",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    class_(
        "moto.core.responses.ActionResult",
        "result",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    method(
        "moto.core.responses.BaseResponse._get_param",
        "self, param_name, if_none",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    method(
        "moto.core.responses.BaseResponse._get_action",
        "self",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
        "shims.dynamodb._dynamodb_throttles_and_conflicts_as_faults_inject",
    ),
    method(
        "moto.core.responses.BaseResponse.call_action",
        "self",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    attribute("moto.core.responses.BaseResponse.current_account", "shims.s3._s3_honours_presigned_urls_as_signed"),
    method(
        "moto.core.responses.BaseResponse.get_access_key",
        "self",
        "shims.s3._s3_honours_presigned_urls_as_signed",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute(
        "moto.core.responses.BaseResponse.headers",
        "shims.s3._s3_honours_presigned_urls_as_signed",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute(
        "moto.core.responses.BaseResponse.querystring",
        "shims.s3._s3_honours_presigned_urls_as_signed",
        "shims.iam._cross_account_roles_are_held_to_their_policies",
    ),
    attribute("moto.core.responses.BaseResponse.data", "shims.iam._cross_account_roles_are_held_to_their_policies"),
    attribute(
        "moto.core.responses.BaseResponse.service_name", "shims.iam._cross_account_roles_are_held_to_their_policies"
    ),
    # moto.moto_api
    method("moto.moto_api._internal.models.moto_api_backend.reset", "", "cloud.LocalCloud.reset"),
    # moto.moto_server
    class_("moto.moto_server.werkzeug_app.DomainDispatcherApplication", "create_app", "serving.MotoServer"),
    class_("moto.moto_server.werkzeug_app.MotoRequestHandler", None, "serving.MotoServer"),
    function("moto.moto_server.werkzeug_app.create_backend_app", "service", "serving.MotoServer"),
    # moto.utilities
    prop(
        "moto.utilities.docker_utilities.DockerModel.docker_client",
        "shims.moto_server._state_dump_reads_functions_without_docker",
    ),
)
