"""The internals of API Gateway (REST and HTTP APIs), which the providers build and the gateway serves."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, attribute, method

INTERNALS: tuple[Internal, ...] = (
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
        "moto.apigateway.models.APIGatewayBackend.put_gateway_response",
        "self, rest_api_id, response_type, status_code, response_parameters, response_templates",
        "providers.rest_api.RestApi",
    ),
    method(
        "moto.apigateway.models.APIGatewayBackend.put_integration_response",
        "self, function_id, resource_id, method_type, status_code, selection_pattern, response_templates, "
        "response_parameters, content_handling",
        "providers.rest_api.RestApi",
    ),
    attribute("moto.apigateway.models.Integration.integration_responses", "providers.rest_api.RestApiStage"),
    attribute("moto.apigateway.models.Integration.integration_type", "providers.rest_api.RestApiStage"),
    attribute("moto.apigateway.models.RestAPI.gateway_responses", "providers.rest_api.RestApiStage"),
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
    attribute("moto.apigatewayv2.models.Api.cors_configuration", "providers.http_api.HttpApiStage"),
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
)
