"""API Gateway REST APIs (v1): ``AWS::ApiGateway::RestApi`` from its Swagger 2.0 body, and its ``Stage``.

The API's resources, methods, Lambda integrations, Cognito authorizers and
``AWS_IAM`` (Signature Version 4) authorization come
from its ``Body`` as SAM writes it; its stage goes live on the local gateway.
SAM's ``Cors`` becomes mock ``OPTIONS`` methods, answered with their static
headers, and its ``GatewayResponses`` the headers on the answers the gateway
makes itself (a 401, a 403 without a route).
"""

from __future__ import annotations

from imegha_local.api_specs import Headers, RouteSpec
from imegha_local.authorizers import AuthorizerSpec
from imegha_local.providers import api_gateway
from imegha_local.providers.base import Provider
from imegha_local.shims.core import LocalCloudUnsupported, active


class RestApi(Provider):
    """A REST API from its OpenAPI (Swagger 2.0) ``Body``: resources, methods, Lambda integrations, authorizers.

    moto's own model requires ``Name`` (SAM gives the title in ``Body`` instead)
    and ignores ``Body``; its import takes OpenAPI 3 only, without authorizers.
    """

    TYPE = "AWS::ApiGateway::RestApi"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("RestApiId", "RootResourceId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        backend = _apigateway(account_id, region)
        body = api_gateway.openapi_definition(properties, account_id)
        title = properties.get("Name") or body.get("info", {}).get("title") or name
        api = backend.create_rest_api(name=title, description=properties.get("Description", ""))
        try:
            _import_rest_paths(backend, api.id, body)
        except Exception:
            backend.delete_rest_api(api.id)
            raise
        return cls(api.id, account_id, region, {"RestApiId": api.id, "RootResourceId": api.default.id})

    def delete(self, account_id, region):
        _apigateway(account_id, region).delete_rest_api(self.physical_resource_id)


def _import_rest_paths(backend, api_id: str, body: dict) -> None:
    for response_type, response in (body.get("x-amazon-apigateway-gateway-responses") or {}).items():
        backend.put_gateway_response(
            api_id,
            response_type,
            status_code=response.get("statusCode"),
            response_parameters=response.get("responseParameters") or {},
            response_templates=response.get("responseTemplates") or {},
        )
    authorizers = {}
    for name, scheme in (body.get("securityDefinitions") or {}).items():
        if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
            authorizers[name] = None  # AWS_IAM: no authorizer, a signed request
            continue
        definition = scheme.get("x-amazon-apigateway-authorizer")
        if definition is None:
            raise LocalCloudUnsupported(f"security scheme {name} is not an API Gateway authorizer")
        kind = definition.get("type", "").upper()
        if kind != "COGNITO_USER_POOLS":
            raise LocalCloudUnsupported(f"authorizer {name} is of type {kind}; the local gateway runs Cognito ones")
        authorizers[name] = backend.create_authorizer(
            api_id,
            name=name,
            authorizer_type=kind,
            provider_arns=definition.get("providerARNs"),
            identity_source=f"method.request.header.{scheme.get('name', 'Authorization')}",
        )
    for path, operations in sorted((body.get("paths") or {}).items()):
        resource = _rest_resource(backend, api_id, path)
        for method, operation in operations.items():
            if method not in api_gateway.HTTP_METHODS:
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            if integration.get("type", "").lower() == "mock" and method == "options":
                _put_mock(backend, api_id, resource.id, integration)
                continue
            if integration.get("type", "").lower() != "aws_proxy":
                raise LocalCloudUnsupported(f"{method.upper()} {path}: only Lambda proxy integrations are served")
            verb = "ANY" if method == api_gateway.ANY_METHOD else method.upper()
            security = [name for requirement in operation.get("security") or [] for name in requirement]
            scheme = next((name for name in security if name in authorizers), None)
            authorizer = authorizers[scheme] if scheme else None
            backend.put_method(
                api_id,
                resource.id,
                verb,
                authorization_type=authorizer.type if authorizer else ("AWS_IAM" if scheme else "NONE"),
                authorizer_id=authorizer.id if authorizer else None,
            )
            backend.put_integration(
                api_id,
                resource.id,
                verb,
                integration_type="AWS_PROXY",
                uri=integration["uri"],
                integration_method=integration.get("httpMethod", "POST"),
            )


def _put_mock(backend, api_id: str, resource_id: str, integration: dict) -> None:
    """A mock OPTIONS method (a CORS preflight, as SAM writes it): its default response's static headers."""
    backend.put_method(api_id, resource_id, "OPTIONS", authorization_type="NONE")
    backend.put_integration(api_id, resource_id, "OPTIONS", integration_type="MOCK", uri=None, integration_method=None)
    default = (integration.get("responses") or {}).get("default") or {}
    backend.put_integration_response(
        api_id,
        resource_id,
        "OPTIONS",
        str(default.get("statusCode", "200")),
        selection_pattern=None,
        response_templates={},
        response_parameters=default.get("responseParameters") or {},
    )


def _static_headers(parameters: dict, prefix: str) -> Headers:
    """Response parameters that are static values (``'…'``) as headers: ``method.response.header.X`` → X."""
    return tuple(
        (name.removeprefix(prefix), value[1:-1])
        for name, value in parameters.items()
        if name.startswith(prefix) and isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'"
    )


def _rest_resource(backend, api_id: str, path: str):
    api = backend.get_rest_api(api_id)
    resource = api.get_resource_for_path("/")
    built = ""
    for part in [part for part in path.split("/") if part]:
        built += "/" + part
        resource = api.get_resource_for_path(built) or backend.create_resource(api_id, resource.id, part)
    return resource


class RestApiStage(Provider):
    """A REST API stage; creating it puts the API's methods live on the local gateway."""

    TYPE = "AWS::ApiGateway::Stage"
    ATTRIBUTES = ()

    @classmethod
    def create(cls, name, properties, account_id, region):
        api_id, stage_name = properties["RestApiId"], properties["StageName"]
        backend = _apigateway(account_id, region)
        api = backend.get_rest_api(api_id)
        if stage_name not in api.stages:
            backend.create_stage(
                api_id,
                stage_name,
                properties.get("DeploymentId"),
                variables=properties.get("Variables"),
                description=properties.get("Description", ""),
                tracing_enabled=properties.get("TracingEnabled"),
            )
        routes = []
        for resource in api.resources.values():
            for verb, method in resource.resource_methods.items():
                if method.method_integration.integration_type == "MOCK":
                    answer = (method.method_integration.integration_responses or {}).get("200")
                    headers = _static_headers(answer.response_parameters if answer else {}, "method.response.header.")
                    routes.append(RouteSpec(verb, resource.get_path(), "", None, mock_headers=headers))
                    continue
                authorizer = api.authorizers.get(method.authorizer_id) if method.authorizer_id else None
                routes.append(
                    api_gateway.lambda_route(
                        verb,
                        resource.get_path(),
                        method.method_integration.uri,
                        _cognito_authorizer(authorizer)
                        if authorizer
                        else (SIGNED if method.authorization_type == "AWS_IAM" else None),
                    )
                )
        api_gateway.serve_stage(
            api_id,
            account_id,
            region,
            "REST",
            stage_name,
            routes,
            aws_url=f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage_name}",
            gateway_response_headers={
                response_type: _static_headers(response.response_parameters or {}, "gatewayresponse.header.")
                for response_type, response in api.gateway_responses.items()
            },
        )
        resource = cls(stage_name, account_id, region, {})
        resource.api_id = api_id
        return resource

    def delete(self, account_id, region):
        active().gateway.remove_api(self.api_id)


SIGNED = AuthorizerSpec(kind="AWS_IAM", issuer="", audiences=(), jwks_url=None)
"""A method whose authorization is AWS_IAM: the request signed with Signature Version 4 (``imegha_local.sigv4``)."""


def _cognito_authorizer(authorizer):
    pools = [arn.rsplit("/", 1)[1] for arn in authorizer.provider_arns or []]
    if len(pools) != 1:
        raise LocalCloudUnsupported(
            f"authorizer {authorizer.name} names {len(pools)} user pools; the local gateway takes one"
        )
    pool_region = pools[0].split("_", 1)[0]
    return AuthorizerSpec(
        kind="COGNITO_USER_POOLS",
        issuer=f"https://cognito-idp.{pool_region}.amazonaws.com/{pools[0]}",
        audiences=(),  # API Gateway accepts an ID token from any app client of the pool
        jwks_url=api_gateway.cognito_jwks_url(pools[0]),
        identity_source=authorizer.identity_source or "Authorization",
    )


def _apigateway(account_id: str, region: str):
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region]
