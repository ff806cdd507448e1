"""The moto (and botocore) internals the local cloud relies on, each listed once, with what relies on it.

The shims (``shims/``), the providers (``providers/``) and the server
(``cloud.py``) patch, call or read parts of moto that are no API of it: private
methods, backend methods and their parameters, module-level registries, the
state models keep. A moto release that moves one would show as a 500 in the
middle of a deploy; ``tests/unit/local/test_moto_internals.py`` checks each
entry against the installed moto instead, naming what depends on it, and
checks that every moto name those modules import, patch or reach into is listed.

Attributes that hold an AWS field under its snake-case name (a function's
``handler``, a stack's ``status``) are left out: the local cloud's tests read
them through the AWS APIs. Parameters are listed as moto declares them (names
only, ``*args``/``**kwargs`` marked), wherever a shim calls or replaces the callable.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["module", "class", "function", "method", "property", "attribute", "added"]


@dataclass(frozen=True)
class Internal:
    """``path`` (dotted, from its module) is a ``kind`` of thing, with ``parameters`` where a shim calls or replaces
    it; ``used_by`` names the shims, providers or functions (``module.name``, from ``imegha_local``) that rely on it.

    ``added`` is what a shim adds and moto must not have: were moto to gain it, the shim would hide moto's own.
    """

    path: str
    kind: Kind
    parameters: str | None
    used_by: tuple[str, ...]


def module(path: str, *used_by: str) -> Internal:
    return Internal(path, "module", None, used_by)


def class_(path: str, parameters: str | None, *used_by: str) -> Internal:
    return Internal(path, "class", parameters, used_by)


def function(path: str, parameters: str, *used_by: str) -> Internal:
    return Internal(path, "function", parameters, used_by)


def method(path: str, parameters: str, *used_by: str) -> Internal:
    return Internal(path, "method", parameters, used_by)


def prop(path: str, *used_by: str) -> Internal:
    return Internal(path, "property", None, used_by)


def attribute(path: str, *used_by: str) -> Internal:
    return Internal(path, "attribute", None, used_by)


def added(path: str, *used_by: str) -> Internal:
    return Internal(path, "added", None, used_by)


INTERNALS: tuple[Internal, ...] = (
    # botocore.loaders
    method(
        "botocore.loaders.JSONFileLoader.load_file",
        "self, file_path",
        "shims.botocore._botocore_decodes_each_data_file_once",
    ),
    function("botocore.loaders.create_loader", "search_path_string", "worker.prepare_aws_sdk"),
    # botocore.session
    function("botocore.session.get_session", "env_vars", "worker.prepare_aws_sdk"),
    # moto.apigateway
    method(
        "moto.apigateway.models.APIGatewayBackend.create_authorizer",
        "self, restapi_id, name, authorizer_type, **kwargs",
        "providers.rest_api.RestApi",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.create_resource",
        "self, function_id, parent_resource_id, path_part",
        "providers.rest_api.RestApi",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.create_rest_api",
        "self, name, description, api_key_source, endpoint_configuration, tags, policy, minimum_compression_size, "
        "disable_execute_api_endpoint",
        "providers.rest_api.RestApi",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.create_stage",
        "self, function_id, stage_name, deploymentId, variables, description, cacheClusterEnabled, "
        "cacheClusterSize, tags, tracing_enabled",
        "providers.rest_api.RestApiStage",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.delete_rest_api", "self, function_id", "providers.rest_api.RestApi"
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.get_rest_api",
        "self, function_id",
        "providers.rest_api.RestApi",
        "providers.rest_api.RestApiStage",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.put_integration",
        "self, function_id, resource_id, method_type, integration_type, uri, integration_method, credentials, "
        "request_templates, passthrough_behavior, tls_config, cache_namespace, timeout_in_millis, "
        "request_parameters, content_handling, connection_type",
        "providers.rest_api.RestApi",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.put_method",
        "self, function_id, resource_id, method_type, authorization_type, api_key_required, request_parameters, "
        "request_models, operation_name, authorizer_id, authorization_scopes, request_validator_id",
        "providers.rest_api.RestApi",
    ),
    method("moto.apigateway.models.Resource.get_path", "self", "providers.rest_api.RestApiStage"),
    attribute("moto.apigateway.models.RestAPI.default", "providers.rest_api.RestApi"),
    method(
        "moto.apigateway.models.RestAPI.get_resource_for_path",
        "self, path_after_stage_name",
        "providers.rest_api.RestApi",
    ),
    attribute(
        "moto.apigateway.models.apigateway_backends", "providers.rest_api.RestApi", "providers.rest_api.RestApiStage"
    ),
    # moto.apigatewayv2
    attribute(
        "moto.apigatewayv2.models.Api.authorizers",
        "providers.http_api.HttpApiAuthorizer",
        "providers.http_api.HttpApiStage",
    ),
    method(
        "moto.apigatewayv2.models.Api.create_authorizer",
        "self, auth_creds_arn, auth_payload_format_version, auth_result_ttl, authorizer_type, authorizer_uri, "
        "enable_simple_response, identity_source, identity_validation_expr, jwt_config, name",
        "providers.http_api.HttpApi",
        "providers.http_api.HttpApiAuthorizer",
    ),
    method(
        "moto.apigatewayv2.models.Api.create_integration",
        "self, connection_type, description, integration_method, integration_type, integration_uri, connection_id, "
        "content_handling_strategy, credentials_arn, passthrough_behavior, payload_format_version, "
        "integration_subtype, request_parameters, request_templates, response_parameters, "
        "template_selection_expression, timeout_in_millis, tls_config",
        "providers.http_api.HttpApi",
        "providers.http_api.HttpApiIntegration",
    ),
    method(
        "moto.apigatewayv2.models.Api.create_route",
        "self, api_key_required, authorization_scopes, route_key, target, authorization_type, authorizer_id, "
        "model_selection_expression, operation_name, request_models, request_parameters, "
        "route_response_selection_expression",
        "providers.http_api.HttpApi",
        "providers.http_api.HttpApiRoute",
    ),
    method("moto.apigatewayv2.models.Api.create_stage", "self, config", "providers.http_api.HttpApiStage"),
    method("moto.apigatewayv2.models.Api.delete_stage", "self, stage_name", "providers.http_api.HttpApiStage"),
    attribute(
        "moto.apigatewayv2.models.Api.integrations",
        "providers.http_api.HttpApiIntegration",
        "providers.http_api.HttpApiStage",
    ),
    attribute(
        "moto.apigatewayv2.models.Api.routes", "providers.http_api.HttpApiRoute", "providers.http_api.HttpApiStage"
    ),
    attribute("moto.apigatewayv2.models.Api.stages", "providers.http_api.HttpApiStage"),
    method(
        "moto.apigatewayv2.models.ApiGatewayV2Backend.create_api",
        "self, api_key_selection_expression, cors_configuration, description, disable_schema_validation, "
        "disable_execute_api_endpoint, name, protocol_type, route_selection_expression, tags, version",
        "providers.http_api.HttpApi",
    ),
    method("moto.apigatewayv2.models.ApiGatewayV2Backend.delete_api", "self, api_id", "providers.http_api.HttpApi"),
    method(
        "moto.apigatewayv2.models.ApiGatewayV2Backend.get_api",
        "self, api_id",
        "providers.http_api.HttpApiPart",
        "providers.http_api.HttpApiStage",
    ),
    attribute(
        "moto.apigatewayv2.models.apigatewayv2_backends",
        "providers.http_api.HttpApi",
        "providers.http_api.HttpApiPart",
        "providers.http_api.HttpApiStage",
    ),
    # moto.awslambda
    class_(
        "moto.awslambda.exceptions.InvalidParameterValueException",
        "message",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.create_function",
        "self, spec",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.delete_function",
        "self, function_name, qualifier",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.invoke",
        "self, function_name, qualifier, body, headers, response_headers",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.layers_versions_by_arn",
        "self, layer_version_arn",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_dynamodb_items",
        "self, function_arn, items, source",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_kinesis_message",
        "self, function_name, kinesis_stream, kinesis_partition_key, kinesis_sequence_number, kinesis_data, "
        "kinesis_shard_id",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_sns_message",
        "self, function_name, message, subject, qualifier",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaBackend.send_sqs_batch",
        "self, function_arn, messages, queue_arn",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaFunction._get_layers_data",
        "self, layers_versions_arns",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    attribute("moto.awslambda.models.LambdaFunction.code_bytes", "shims.lambda_._lambda_runs_in_the_local_runtime"),
    method(
        "moto.awslambda.models.LambdaFunction.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    added(
        "moto.awslambda.models.LambdaFunction.dead_letter_config",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    attribute(
        "moto.awslambda.models.LambdaFunction.environment_vars", "shims.lambda_._lambda_runs_in_the_local_runtime"
    ),
    method(
        "moto.awslambda.models.LambdaFunction.invoke",
        "self, body, request_headers, response_headers",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    attribute(
        "moto.awslambda.models.LambdaFunction.layers",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    method(
        "moto.awslambda.models.LambdaFunction.update_configuration",
        "self, config_updates",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    method(
        "moto.awslambda.models.LambdaFunction.update_function_code",
        "self, updated_spec",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
    ),
    attribute("moto.awslambda.models.LayerVersion.code_bytes", "shims.lambda_._lambda_runs_in_the_local_runtime"),
    method(
        "moto.awslambda.models.LayerVersion.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
    ),
    added(
        "moto.awslambda.models.LayerVersion.physical_resource_id",
        "shims.cloudformation._ref_returns_what_aws_documents",
    ),
    function(
        "moto.awslambda.utils.get_backend",
        "account_id, region",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.lambda_._cloudformation_keeps_lambda_layers",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    # moto.cloudformation
    class_("moto.cloudformation.exceptions.UnformattedGetAttTemplateException", None, "providers.base.Provider"),
    class_(
        "moto.cloudformation.exceptions.ValidationError",
        "name_or_id, message",
        "shims.cloudformation._nested_stack_outputs_resolve",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.create_change_set",
        "self, stack_name, change_set_name, template, parameters, description, change_set_type, notification_arns, "
        "tags, role_arn",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.create_stack",
        "self, name, template, parameters, notification_arns, tags, role_arn, enable_termination_protection, "
        "timeout_in_mins, stack_policy_body",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    attribute(
        "moto.cloudformation.models.CloudFormationBackend.deleted_stacks",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    attribute(
        "moto.cloudformation.models.CloudFormationBackend.stacks", "shims.cloudformation._nested_stack_outputs_resolve"
    ),
    method(
        "moto.cloudformation.models.CloudFormationBackend.update_stack",
        "self, name, template, role_arn, parameters, tags",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
    ),
    class_(
        "moto.cloudformation.models.Event",
        "stack_id, stack_name, logical_resource_id, physical_resource_id, resource_type, resource_status, "
        "resource_status_reason, resource_properties",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    method(
        "moto.cloudformation.models.Stack._add_stack_event",
        "self, resource_status, resource_status_reason, resource_properties",
        "shims.cloudformation._nested_stack_outputs_resolve",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    method(
        "moto.cloudformation.models.Stack.create_from_cloudformation_json",
        "resource_name, cloudformation_json, account_id, region_name, **kwargs",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    method(
        "moto.cloudformation.models.Stack.create_resources",
        "self",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    attribute(
        "moto.cloudformation.models.Stack.events", "shims.cloudformation._cloudformation_rolls_back_failed_stacks"
    ),
    added("moto.cloudformation.models.Stack.get_cfn_attribute", "shims.cloudformation._nested_stack_outputs_resolve"),
    prop(
        "moto.cloudformation.models.Stack.outputs",
        "shims.cloudformation._stack_outputs_name_the_local_gateway",
        "shims.cloudformation._nested_stack_outputs_resolve",
    ),
    method(
        "moto.cloudformation.models.Stack.parse_template",
        "template",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "shims.cloudformation._cloudformation_reads_json_templates_as_json",
    ),
    attribute(
        "moto.cloudformation.models.Stack.resource_map", "shims.cloudformation._cloudformation_rolls_back_failed_stacks"
    ),
    attribute(
        "moto.cloudformation.models.cloudformation_backends", "shims.cloudformation._nested_stack_outputs_resolve"
    ),
    attribute("moto.cloudformation.parsing.NULL_MODELS", "shims.cloudformation._cloudformation_runs_the_sam_transform"),
    method(
        "moto.cloudformation.parsing.ResourceMap.delete",
        "self",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    function("moto.cloudformation.parsing.get_model_list", "", "providers.register"),
    method(
        "moto.cloudformation.parsing.get_model_map.cache_clear",
        "",
        "shims.cloudformation._cloudformation_runs_the_sam_transform",
        "providers.register",
    ),
    method("moto.cloudformation.parsing.get_name_type_map.cache_clear", "", "providers.register"),
    function(
        "moto.cloudformation.parsing.parse_and_create_resource",
        "logical_id, resource_json, resources_map, account_id, region_name",
        "shims.cloudformation._cloudformation_rolls_back_failed_stacks",
    ),
    # moto.cloudwatch
    method("moto.cloudwatch.models.CloudWatchBackend.delete_alarms", "self, alarm_names", "providers.cloudwatch.Alarm"),
    method(
        "moto.cloudwatch.models.CloudWatchBackend.put_metric_alarm",
        "self, name, namespace, metric_name, comparison_operator, evaluation_periods, period, threshold, statistic,"
        " description, dimensions, alarm_actions, metric_data_queries, datapoints_to_alarm, extended_statistic, "
        "ok_actions, insufficient_data_actions, unit, actions_enabled, treat_missing_data, "
        "evaluate_low_sample_count_percentile, threshold_metric_id, rule, tags",
        "providers.cloudwatch.Alarm",
    ),
    attribute("moto.cloudwatch.models.cloudwatch_backends", "providers.cloudwatch.Alarm"),
    # moto.cognitoidp
    class_(
        "moto.cognitoidp.exceptions.InvalidParameterException",
        "msg",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    class_(
        "moto.cognitoidp.exceptions.NotAuthorizedError", "message", "shims.cognito._cognito_hides_whether_a_user_exists"
    ),
    class_(
        "moto.cognitoidp.exceptions.ResourceNotFoundError",
        "message",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    class_(
        "moto.cognitoidp.exceptions.UserNotFoundError",
        "message",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.admin_confirm_sign_up",
        "self, user_pool_id, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.admin_create_user",
        "self, user_pool_id, username, message_action, temporary_password, attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.confirm_forgot_password",
        "self, client_id, username, password, confirmation_code",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.confirm_sign_up",
        "self, client_id, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.create_user_pool",
        "self, name, extended_config",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.create_user_pool_client",
        "self, user_pool_id, generate_secret, extended_config",
        "providers.cognito.UserPoolClient",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.delete_user_pool", "self, user_pool_id", "providers.cognito.UserPool"
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.delete_user_pool_client",
        "self, user_pool_id, client_id",
        "providers.cognito.UserPoolClient",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.describe_user_pool",
        "self, user_pool_id",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.initiate_auth",
        "self, client_id, auth_flow, auth_parameters",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.sign_up",
        "self, client_id, username, password, attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.update_user_pool",
        "self, user_pool_id, extended_config",
        "providers.cognito.UserPool",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpBackend.user_pools",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUser.attribute_lookup",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpUser.update_attributes",
        "self, new_attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpUserPool._get_user",
        "self, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.clients",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.extended_config",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "providers.cognito.UserPool",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.refresh_tokens", "shims.cognito._cognito_revokes_refresh_tokens"
    ),
    attribute("moto.cognitoidp.models.CognitoIdpUserPool.users", "shims.cognito._cognito_invokes_lambda_triggers"),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPoolClient.extended_config",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.RegionAgnosticBackend._find_backend_for_clientid",
        "self, client_id",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    attribute("moto.cognitoidp.models.UserStatus.CONFIRMED", "shims.cognito._cognito_invokes_lambda_triggers"),
    attribute("moto.cognitoidp.models.UserStatus.UNCONFIRMED", "shims.cognito._cognito_resends_confirmation_codes"),
    attribute(
        "moto.cognitoidp.models.cognitoidp_backends", "providers.cognito.UserPool", "providers.cognito.UserPoolClient"
    ),
    method(
        "moto.cognitoidp.responses.CognitoIdpResponse._get_region_agnostic_backend",
        "self",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    added(
        "moto.cognitoidp.responses.CognitoIdpResponse.resend_confirmation_code",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    added("moto.cognitoidp.responses.CognitoIdpResponse.revoke_token", "shims.cognito._cognito_revokes_refresh_tokens"),
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
    attribute("moto.core.config.default_user_config", "shims.install"),
    class_(
        "moto.core.exceptions.JsonRESTError",
        "error_type, message, _, **kwargs",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
        "shims.cognito._cognito_invokes_lambda_triggers",
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
    ),
    attribute("moto.core.responses.BaseResponse.headers", "shims.s3._s3_honours_presigned_urls_as_signed"),
    attribute("moto.core.responses.BaseResponse.querystring", "shims.s3._s3_honours_presigned_urls_as_signed"),
    # moto.events
    added("moto.events.models.EventBus.physical_resource_id", "shims.cloudformation._ref_returns_what_aws_documents"),
    method(
        "moto.events.models.EventPattern.matches_event",
        "self, event",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.EventTemplateParser.parse",
        "input_template, input_paths_map, event",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.EventsBackend.describe_event_bus",
        "self, name",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    method(
        "moto.events.models.EventsBackend.put_events",
        "self, events",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    attribute(
        "moto.events.models.Rule.event_pattern",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.Rule.send_to_targets",
        "self, original_event, transform_input",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    attribute(
        "moto.events.models.events_backends",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    # moto.iam
    method(
        "moto.iam.access_control.AssumedRoleAccessKey.create_credentials",
        "self",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
    class_("moto.iam.access_control.CreateAccessKeyFailure", None, "shims.s3._s3_honours_presigned_urls_as_signed"),
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
    ),
    method(
        "moto.iam.models.IAMBackend.get_user_from_access_key_id",
        "self, access_key_id",
        "shims.sts._assume_role_honours_trust_policies",
    ),
    function("moto.iam.models.get_account_id_from", "access_key", "shims.sts._assume_role_honours_trust_policies"),
    attribute("moto.iam.models.iam_backends", "shims.sts._assume_role_honours_trust_policies"),
    # moto.moto_api
    method("moto.moto_api._internal.models.moto_api_backend.reset", "", "cloud.LocalCloud.reset"),
    # moto.moto_server
    class_("moto.moto_server.werkzeug_app.DomainDispatcherApplication", "create_app", "cloud._MotoServer"),
    class_("moto.moto_server.werkzeug_app.MotoRequestHandler", None, "cloud._MotoServer"),
    function("moto.moto_server.werkzeug_app.create_backend_app", "service", "cloud._MotoServer"),
    # moto.s3
    method(
        "moto.s3.models.FakeBucket.get_permission",
        "self, action, resource",
        "shims.s3._bucket_policies_apply_the_statements_whose_conditions_hold",
    ),
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
    attribute(
        "moto.s3.models.s3_backends",
        "providers.s3.BucketPolicy",
        "providers.rest_api.RestApi",
        "providers.http_api.HttpApi",
        "providers.stepfunctions.StateMachine",
    ),
    method(
        "moto.s3.responses.S3Response._key_response",
        "self, request, full_url",
        "shims.s3._s3_honours_presigned_urls_as_signed",
    ),
    # moto.sns
    attribute("moto.sns.models.PlatformEndpoint.messages", "shims.sns._sns_delivers_to_subscribed_mobile_endpoints"),
    attribute(
        "moto.sns.models.SNSBackend.platform_endpoints", "shims.sns._sns_delivers_to_subscribed_mobile_endpoints"
    ),
    method(
        "moto.sns.models.SNSBackend.publish",
        "self, message, arn, phone_number, subject, message_attributes, group_id, deduplication_id, message_structure",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.sns.models.SNSBackend.set_subscription_attributes", "self, arn, name, value", "providers.sns.Subscription"
    ),
    method(
        "moto.sns.models.SNSBackend.set_topic_attribute",
        "self, topic_arn, attribute_name, attribute_value",
        "providers.sns.TopicPolicy",
    ),
    method("moto.sns.models.SNSBackend.subscribe", "self, topic_arn, endpoint, protocol", "providers.sns.Subscription"),
    method("moto.sns.models.SNSBackend.unsubscribe", "self, subscription_arn", "providers.sns.Subscription"),
    attribute(
        "moto.sns.models.Subscription._filter_policy_matcher", "shims.sns._sns_delivers_to_subscribed_mobile_endpoints"
    ),
    method(
        "moto.sns.models.Subscription.publish",
        "self, message, message_id, subject, message_attributes, group_id, deduplication_id, message_structure",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
    ),
    attribute(
        "moto.sns.models.sns_backends",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
        "providers.sns.TopicPolicy",
        "providers.sns.Subscription",
    ),
    method(
        "moto.sns.utils.FilterPolicyMatcher.matches",
        "self, message_attributes, message",
        "shims.sns._sns_delivers_to_subscribed_mobile_endpoints",
    ),
    # moto.sqs
    method(
        "moto.sqs.models.SQSBackend.send_message",
        "self, queue_name, message_body, message_attributes, delay_seconds, deduplication_id, group_id, "
        "system_attributes, validate_group_id",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
    ),
    method(
        "moto.sqs.models.SQSBackend.set_queue_attributes", "self, queue_name, attributes", "providers.sqs.QueuePolicy"
    ),
    attribute(
        "moto.sqs.models.sqs_backends",
        "shims.lambda_._failed_asynchronous_invocations_go_to_the_dead_letter_queue",
        "providers.sqs.QueuePolicy",
    ),
    # moto.stepfunctions
    module("moto.stepfunctions.parser", "shims.stepfunctions._step_functions_tasks_use_their_role"),
    class_(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials.StateCredentials",
        "role_arn",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES",
        "shims.stepfunctions._step_functions_sdk_tasks_name_eventbridge_as_aws_does",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk._SERVICE_ERROR_NAMES",
        "shims.stepfunctions._step_functions_sdk_tasks_name_eventbridge_as_aws_does",
    ),
    method(
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task.StateTask._eval_state_credentials",
        "self, env",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.eval.environment.Environment.aws_execution_details",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    attribute(
        "moto.stepfunctions.parser.asl.eval.evaluation_details.AWSExecutionDetails.role_arn",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    function(
        "moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for",
        "region, service, state_credentials",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.create_state_machine",
        "self, name, definition, roleArn, tags, publish, loggingConfiguration, tracingConfiguration, "
        "encryptionConfiguration, version_description, sm_type",
        "providers.stepfunctions.StateMachine",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.delete_state_machine",
        "self, arn",
        "providers.stepfunctions.StateMachine",
    ),
    method(
        "moto.stepfunctions.parser.models.StepFunctionsParserBackend.start_execution",
        "self, state_machine_arn, name, execution_input, trace_header",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    function(
        "moto.stepfunctions.responses.get_backend",
        "account, region",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "providers.stepfunctions.StateMachine",
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
    ),
    attribute(
        "moto.sts.models.sts_backends",
        "shims.sts._assume_role_honours_trust_policies",
        "shims.lambda_._lambda_runs_in_the_local_runtime",
        "shims.stepfunctions._step_functions_tasks_use_their_role",
    ),
    method("moto.sts.responses.TokenResponse.assume_role", "self", "shims.sts._assume_role_honours_trust_policies"),
    # moto.utilities
    prop(
        "moto.utilities.docker_utilities.DockerModel.docker_client",
        "shims.moto_server._state_dump_reads_functions_without_docker",
    ),
)


def discrepancy(internal: Internal) -> str | None:
    """How the installed library differs from what ``internal`` says, or None when it is as listed."""
    owner_path, _, name = internal.path.rpartition(".")
    try:
        owner = _resolve(owner_path)
    except (ImportError, AttributeError) as error:
        return f"{owner_path} is gone ({error})"
    present = hasattr(owner, name) or (inspect.isclass(owner) and _set_on_instances(owner, name))
    if internal.kind == "added":
        return f"{internal.path} exists now: the shim would replace it" if present else None
    if not present:
        return f"{internal.path} is gone"
    found = getattr(owner, name, None)
    kind = _kind(owner, name, found)
    if kind != internal.kind:
        return f"{internal.path} is a {kind} now, not a {internal.kind}"
    if internal.parameters is not None and parameters(found) != internal.parameters:
        return f"{internal.path} takes ({parameters(found)}) now, not ({internal.parameters})"
    return None


def parameters(target: Any) -> str:
    """The parameter names of a callable (a class: its constructor's), ``*args`` and ``**kwargs`` marked."""
    marks = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return ", ".join(
        marks.get(parameter.kind, "") + parameter.name for parameter in inspect.signature(target).parameters.values()
    )


def _resolve(path: str) -> Any:
    found: Any = importlib.import_module(path.split(".")[0])
    for part in path.split(".")[1:]:
        if inspect.ismodule(found) and not hasattr(found, part):
            importlib.import_module(f"{found.__name__}.{part}")  # a submodule its package does not import
        found = getattr(found, part)
    return found


def _set_on_instances(cls: type, name: str) -> bool:
    """Whether the class (or a base from the same library) gives its instances ``name``: assigned to ``self``,
    declared as a field or annotated."""
    library = cls.__module__.split(".")[0]
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] != library:
            continue
        if name in getattr(klass, "__dataclass_fields__", {}) or name in vars(klass).get("__annotations__", {}):
            return True
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{re.escape(name)}\s*(:[^=\n]*)?=[^=]", source):
            return True
    return False


def _kind(owner: Any, name: str, found: Any) -> Kind:
    if inspect.ismodule(found):
        return "module"
    if inspect.isclass(found):
        return "class"
    if inspect.isclass(owner) and isinstance(inspect.getattr_static(owner, name, None), property):
        return "property"
    if callable(found):
        return "function" if inspect.ismodule(owner) else "method"
    return "attribute"
