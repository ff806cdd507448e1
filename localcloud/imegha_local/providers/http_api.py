"""API Gateway HTTP APIs (v2): ``AWS::ApiGatewayV2::Api`` and its ``Route``, ``Integration``, ``Authorizer``, ``Stage``.

The stage goes live on the local gateway and, deploying automatically, takes
each route, integration and JWT authorizer as it comes or goes.
"""

from __future__ import annotations

import re
from typing import ClassVar

from imegha_local.api_specs import CorsSpec
from imegha_local.authorizers import AuthorizerSpec
from imegha_local.providers import api_gateway
from imegha_local.providers.base import Provider
from imegha_local.shims.core import LocalCloudUnsupported, active

COGNITO_ISSUER = re.compile(r"https://cognito-idp\.[\w-]+\.amazonaws\.com/(?P<pool>[\w-]+_\w+)")


class HttpApi(Provider):
    """An HTTP API; from its OpenAPI 3 ``Body`` when it has one: routes, Lambda integrations, JWT authorizers.

    moto has no CloudFormation model for it, and its OpenAPI import drops the
    authorizers and each route's ``security``. Without a ``Body``, the routes come
    from the template's ``AWS::ApiGatewayV2::Route`` resources.
    """

    TYPE = "AWS::ApiGatewayV2::Api"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = ("ApiEndpoint", "ApiId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        for unsupported in ("Target", "RouteKey", "CredentialsArn"):
            if unsupported in properties:
                raise LocalCloudUnsupported(f"quick-create ({unsupported}) is not supported; declare routes instead")
        if properties.get("ProtocolType", "HTTP") != "HTTP":
            raise LocalCloudUnsupported(f"protocol {properties['ProtocolType']}: the local gateway serves HTTP APIs")
        backend = _apigatewayv2(account_id, region)
        has_body = {"Body", "BodyS3Location"} & properties.keys()
        body = api_gateway.openapi_definition(properties, account_id) if has_body else {}
        api = backend.create_api(
            api_key_selection_expression=None,
            cors_configuration=properties.get("CorsConfiguration"),
            description=properties.get("Description"),
            disable_schema_validation=None,
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),
            name=properties.get("Name") or body.get("info", {}).get("title") or name,
            protocol_type="HTTP",
            route_selection_expression=None,
            tags=properties.get("Tags"),
            version=None,
        )
        try:
            _import_http_paths(api, body)
        except Exception:
            backend.delete_api(api.api_id)
            raise
        return cls(
            api.api_id,
            account_id,
            region,
            {"ApiId": api.api_id, "ApiEndpoint": f"https://{api.api_id}.execute-api.{region}.amazonaws.com"},
        )

    def delete(self, account_id, region):
        active().gateway.remove_api(self.physical_resource_id)
        _apigatewayv2(account_id, region).delete_api(self.physical_resource_id)


def _import_http_paths(api, body: dict) -> None:
    authorizers = {}
    for name, scheme in ((body.get("components") or {}).get("securitySchemes") or {}).items():
        definition = scheme.get("x-amazon-apigateway-authorizer") or {}
        if definition.get("type", "").lower() != "jwt":
            raise LocalCloudUnsupported(f"authorizer {name} is not a JWT authorizer; the local gateway runs JWT ones")
        configuration = definition.get("jwtConfiguration") or {}
        sources = definition.get("identitySource") or "$request.header.Authorization"
        authorizers[name] = _jwt_config_authorizer(
            api,
            name,
            [sources] if isinstance(sources, str) else sources,
            configuration.get("issuer"),
            configuration.get("audience") or [],
        )
    for path, operations in (body.get("paths") or {}).items():
        for method, operation in operations.items():
            if method not in api_gateway.HTTP_METHODS:
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            created = _lambda_integration(
                api,
                integration.get("type", ""),
                integration.get("uri"),
                integration.get("payloadFormatVersion"),
                f"{method.upper()} {path}",
            )
            security = [name for requirement in operation.get("security") or [] for name in requirement]
            authorizer = next((authorizers[name] for name in security if name in authorizers), None)
            verb = "ANY" if method == api_gateway.ANY_METHOD else method.upper()
            api.create_route(
                api_key_required=False,
                authorization_scopes=[],
                target=f"integrations/{created.id}",
                route_key="$default" if path == "/$default" else f"{verb} {path}",
                authorization_type="JWT" if authorizer else "NONE",
                authorizer_id=authorizer.id if authorizer else None,
            )


def _jwt_config_authorizer(api, name: str, identity_source: list[str], issuer: str | None, audience: list[str]):
    return api.create_authorizer(
        auth_creds_arn=None,
        auth_payload_format_version=None,
        auth_result_ttl=None,
        authorizer_type="JWT",
        authorizer_uri=None,
        enable_simple_response=None,
        identity_source=identity_source,
        identity_validation_expr=None,
        jwt_config={"Issuer": issuer, "Audience": audience},
        name=name,
    )


def _lambda_integration(api, kind: str, uri: str | None, payload_format: str | None, where: str):
    if kind.lower() != "aws_proxy" or payload_format != "2.0":
        raise LocalCloudUnsupported(f"{where}: only Lambda proxy integrations with payload format 2.0 are served")
    return api.create_integration(
        connection_type="INTERNET",
        description=None,
        integration_method="POST",
        integration_type="AWS_PROXY",
        integration_uri=uri,
        payload_format_version="2.0",
    )


class HttpApiPart(Provider):
    """A route, integration or authorizer, kept in its API's ``PARTS`` collection under its id (``ATTRIBUTES[0]``);
    its API's live stage takes it at once (stages deploy automatically)."""

    PARTS: ClassVar[str] = ""

    @classmethod
    def create(cls, name, properties, account_id, region):
        api = _apigatewayv2(account_id, region).get_api(properties["ApiId"])
        part_id = cls.add_to(api, name, properties)
        part = cls(part_id, account_id, region, {cls.ATTRIBUTES[0]: part_id})
        part.api_id = api.api_id
        _serve_http_api(api, account_id, region)
        return part

    @classmethod
    def add_to(cls, api, name: str, properties: dict) -> str:
        """Make the part in ``api``; returns its id."""
        raise NotImplementedError

    def delete(self, account_id, region):
        getattr(_apigatewayv2(account_id, region).get_api(self.api_id), self.PARTS).pop(self.physical_resource_id, None)


class HttpApiAuthorizer(HttpApiPart):
    TYPE = "AWS::ApiGatewayV2::Authorizer"
    ATTRIBUTES = ("AuthorizerId",)
    PARTS = "authorizers"

    @classmethod
    def add_to(cls, api, name, properties):
        if properties.get("AuthorizerType") != "JWT":
            raise LocalCloudUnsupported(
                f"authorizer type {properties.get('AuthorizerType')}: the local gateway runs JWT ones"
            )
        configuration = properties.get("JwtConfiguration") or {}
        return _jwt_config_authorizer(
            api,
            properties.get("Name", name),
            properties.get("IdentitySource") or [],
            configuration.get("Issuer"),
            configuration.get("Audience") or [],
        ).id


class HttpApiIntegration(HttpApiPart):
    TYPE = "AWS::ApiGatewayV2::Integration"
    ATTRIBUTES = ("IntegrationId",)
    PARTS = "integrations"

    @classmethod
    def add_to(cls, api, name, properties):
        return _lambda_integration(
            api,
            properties.get("IntegrationType", ""),
            properties.get("IntegrationUri"),
            properties.get("PayloadFormatVersion"),
            name,
        ).id


class HttpApiRoute(HttpApiPart):
    TYPE = "AWS::ApiGatewayV2::Route"
    ATTRIBUTES = ("RouteId",)
    PARTS = "routes"

    @classmethod
    def add_to(cls, api, name, properties):
        return api.create_route(
            api_key_required=bool(properties.get("ApiKeyRequired")),
            authorization_scopes=properties.get("AuthorizationScopes") or [],
            route_key=properties["RouteKey"],
            target=properties.get("Target"),
            authorization_type=properties.get("AuthorizationType", "NONE"),
            authorizer_id=properties.get("AuthorizerId"),
        ).route_id

    def delete(self, account_id, region):
        super().delete(account_id, region)
        # A route gone must stop being served; integrations and authorizers go only after the routes that use them.
        _serve_http_api(_apigatewayv2(account_id, region).get_api(self.api_id), account_id, region)


class HttpApiStage(Provider):
    """An HTTP API stage; creating it puts the API's routes live on the local gateway."""

    TYPE = "AWS::ApiGatewayV2::Stage"
    ATTRIBUTES = ()

    @classmethod
    def create(cls, name, properties, account_id, region):
        api = _apigatewayv2(account_id, region).get_api(properties["ApiId"])
        if api.stages:
            raise LocalCloudUnsupported(
                f"API {api.api_id} already has stage(s) {list(api.stages)}; the local gateway serves one stage per API"
            )
        stage = api.create_stage({"stageName": properties["StageName"], "autoDeploy": properties.get("AutoDeploy")})
        _serve_http_api(api, account_id, region)
        resource = cls(stage.name, account_id, region, {})
        resource.api_id = api.api_id
        return resource

    def delete(self, account_id, region):
        active().gateway.remove_api(self.api_id)
        _apigatewayv2(account_id, region).get_api(self.api_id).delete_stage(self.physical_resource_id)


def _serve_http_api(api, account_id: str, region: str) -> None:
    """(Re)publish an HTTP API's routes on the local gateway, if it has a stage; routes still unfinished wait."""
    if not api.stages:
        return
    stage_name = next(iter(api.stages))
    routes = []
    for route in api.routes.values():
        integration = api.integrations.get((route.target or "").removeprefix("integrations/"))
        authorizer = api.authorizers.get(route.authorizer_id) if route.authorizer_id else None
        if integration is None or (route.authorization_type == "JWT" and authorizer is None):
            raise LocalCloudUnsupported(f"route {route.route_key}: its integration or authorizer does not exist")
        method, _, path = route.route_key.partition(" ")
        routes.append(
            api_gateway.lambda_route(
                "ANY" if route.route_key == "$default" else method,
                path or "$default",
                integration.integration_uri,
                _jwt_authorizer(authorizer) if authorizer else None,
            )
        )
    suffix = "" if stage_name == "$default" else f"/{stage_name}"
    api_gateway.serve_stage(
        api.api_id,
        account_id,
        region,
        "HTTP",
        stage_name,
        routes,
        aws_url=f"https://{api.api_id}.execute-api.{region}.amazonaws.com{suffix}",
        cors=_cors(api.cors_configuration),
    )


def _cors(configuration: dict | None) -> CorsSpec | None:
    if not configuration:
        return None
    return CorsSpec(
        allow_origins=tuple(configuration.get("AllowOrigins") or ()),
        allow_methods=tuple(configuration.get("AllowMethods") or ()),
        allow_headers=tuple(configuration.get("AllowHeaders") or ()),
        expose_headers=tuple(configuration.get("ExposeHeaders") or ()),
        max_age=configuration.get("MaxAge"),
    )


def _jwt_authorizer(authorizer):
    issuer = authorizer.jwt_config.get("Issuer") or ""
    pool = COGNITO_ISSUER.fullmatch(issuer)
    return AuthorizerSpec(
        kind="JWT",
        issuer=issuer,
        audiences=tuple(authorizer.jwt_config.get("Audience") or ()),
        # A Cognito issuer's keys are moto's locally; any other's, where its OpenID configuration says, as in AWS.
        jwks_url=api_gateway.cognito_jwks_url(pool.group("pool")) if pool else None,
        identity_source=(authorizer.identity_source or ["$request.header.Authorization"])[0],
    )


def _apigatewayv2(account_id: str, region: str):
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region]
