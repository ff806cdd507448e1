"""Resource types the local CloudFormation creates although moto's CloudFormation cannot.

moto has backends for Cognito, API Gateway (v1 and v2), Step Functions, S3,
SNS and SQS, but no CloudFormation model for several of their resource types,
or one that drops what iMegha's templates say. Each provider here creates the
resource through moto's own backend, from the template's resolved properties,
so that the API calls see it as if CloudFormation had made it; an API stage
also goes live on the local gateway. What a provider cannot honour fails the
stack, naming the resource, rather than being left out.

Providers subclass moto's ``CloudFormationModel`` and so join moto's model map;
one for a type moto already models replaces moto's.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from imegha_local.shims.core import LocalCloudUnsupported, active

PARTITION = "aws"
LAMBDA_INTEGRATION = re.compile(r"arn:[\w-]+:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(?P<arn>[^/]+)/invocations")
COGNITO_ISSUER = re.compile(r"https://cognito-idp\.[\w-]+\.amazonaws\.com/(?P<pool>[\w-]+_\w+)")
ANY_METHOD = "x-amazon-apigateway-any-method"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", ANY_METHOD}


class Provider(CloudFormationModel):
    """A resource made through moto's backends; ``Ref`` is ``physical_resource_id``, ``GetAtt`` reads ``attributes``."""

    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_resource_id: str, account_id: str, region: str, attributes: dict[str, Any]):
        self.physical_resource_id = physical_resource_id
        self.account_id = account_id
        self.region = region
        self.attributes = attributes

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict, account_id: str,
                                        region_name: str, **kwargs: Any) -> Provider:
        return cls.create(resource_name, cloudformation_json.get("Properties") or {}, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Provider, new_resource_name: str,
                                        cloudformation_json: dict, account_id: str, region_name: str) -> Provider:
        original_resource.delete(account_id, region_name)
        return cls.create(new_resource_name, cloudformation_json.get("Properties") or {}, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict, account_id: str,
                                        region_name: str) -> None:
        """Instances delete themselves (``delete``); CloudFormation calls this only for objects that cannot."""

    def is_created(self) -> bool:
        return True

    @classmethod
    def create(cls, name: str, properties: dict, account_id: str, region: str) -> Provider:
        raise NotImplementedError

    def delete(self, account_id: str, region: str) -> None:
        raise NotImplementedError


# --- Cognito -----------------------------------------------------------------


class UserPool(Provider):
    TYPE = "AWS::Cognito::UserPool"
    NAME_PROPERTY = "UserPoolName"
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        backend = _cognito(account_id, region)
        # CreateUserPool takes the template's properties by the same names, but for the pool's name.
        config = {key: value for key, value in properties.items() if key != "UserPoolName"}
        pool = backend.create_user_pool(name, config)
        return cls(pool.id, account_id, region, {
            "Arn": pool.arn,
            "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool.id}",
            "ProviderURL": f"https://cognito-idp.{region}.amazonaws.com/{pool.id}",
            "UserPoolId": pool.id,
        })

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        properties = cloudformation_json.get("Properties") or {}
        _cognito(account_id, region_name).update_user_pool(
            original_resource.physical_resource_id, {k: v for k, v in properties.items() if k != "UserPoolName"})
        return original_resource

    def delete(self, account_id, region):
        backend = _cognito(account_id, region)
        if backend.describe_user_pool(self.physical_resource_id).extended_config.get("DeletionProtection") == "ACTIVE":
            raise LocalCloudUnsupported(
                f"user pool {self.physical_resource_id} has deletion protection; as in AWS it is not deleted")
        backend.delete_user_pool(self.physical_resource_id)


class UserPoolClient(Provider):
    TYPE = "AWS::Cognito::UserPoolClient"
    ATTRIBUTES = ("ClientId", "ClientSecret", "Name")

    @classmethod
    def create(cls, name, properties, account_id, region):
        config = {key: value for key, value in properties.items() if key not in ("UserPoolId", "GenerateSecret")}
        client = _cognito(account_id, region).create_user_pool_client(
            properties["UserPoolId"], bool(properties.get("GenerateSecret")), config)
        resource = cls(client.id, account_id, region, {
            "ClientId": client.id, "ClientSecret": client.secret, "Name": properties.get("ClientName", "")})
        resource.user_pool_id = properties["UserPoolId"]
        return resource

    def delete(self, account_id, region):
        _cognito(account_id, region).delete_user_pool_client(self.user_pool_id, self.physical_resource_id)


def _cognito(account_id: str, region: str):
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region]


# --- API Gateway: REST APIs (v1) ----------------------------------------------


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
        body = _definition(properties, account_id)
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
    authorizers = {}
    for name, scheme in (body.get("securityDefinitions") or {}).items():
        definition = scheme.get("x-amazon-apigateway-authorizer")
        if definition is None:
            raise LocalCloudUnsupported(f"security scheme {name} is not an API Gateway authorizer")
        kind = definition.get("type", "").upper()
        if kind != "COGNITO_USER_POOLS":
            raise LocalCloudUnsupported(f"authorizer {name} is of type {kind}; the local gateway runs Cognito ones")
        authorizers[name] = backend.create_authorizer(
            api_id, name=name, authorizer_type=kind, provider_arns=definition.get("providerARNs"),
            identity_source=f"method.request.header.{scheme.get('name', 'Authorization')}",
        )
    for path, operations in sorted((body.get("paths") or {}).items()):
        resource = _rest_resource(backend, api_id, path)
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            if integration.get("type", "").lower() != "aws_proxy":
                raise LocalCloudUnsupported(f"{method.upper()} {path}: only Lambda proxy integrations are served")
            verb = "ANY" if method == ANY_METHOD else method.upper()
            security = [name for requirement in operation.get("security") or [] for name in requirement]
            authorizer = next((authorizers[name] for name in security if name in authorizers), None)
            backend.put_method(api_id, resource.id, verb,
                               authorization_type=authorizer.type if authorizer else "NONE",
                               authorizer_id=authorizer.id if authorizer else None)
            backend.put_integration(api_id, resource.id, verb, integration_type="AWS_PROXY",
                                    uri=integration["uri"], integration_method=integration.get("httpMethod", "POST"))


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
            backend.create_stage(api_id, stage_name, properties.get("DeploymentId"),
                                 variables=properties.get("Variables"), description=properties.get("Description", ""),
                                 tracing_enabled=properties.get("TracingEnabled"))
        routes = []
        for resource in api.resources.values():
            for verb, method in resource.resource_methods.items():
                authorizer = api.authorizers.get(method.authorizer_id) if method.authorizer_id else None
                routes.append(_route(verb, resource.get_path(), method.method_integration.uri,
                                     _cognito_authorizer(authorizer) if authorizer else None))
        _serve(api_id, account_id, region, "REST", stage_name, routes,
               aws_url=f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage_name}")
        resource = cls(stage_name, account_id, region, {})
        resource.api_id = api_id
        return resource

    def delete(self, account_id, region):
        active().gateway.remove_api(self.api_id)


def _cognito_authorizer(authorizer):
    from imegha_local.authorizers import AuthorizerSpec

    pools = [arn.rsplit("/", 1)[1] for arn in authorizer.provider_arns or []]
    if len(pools) != 1:
        raise LocalCloudUnsupported(f"authorizer {authorizer.name} names {len(pools)} user pools; the local gateway takes one")
    pool_region = pools[0].split("_", 1)[0]
    return AuthorizerSpec(
        kind="COGNITO_USER_POOLS",
        issuer=f"https://cognito-idp.{pool_region}.amazonaws.com/{pools[0]}",
        audiences=(),  # API Gateway accepts an ID token from any app client of the pool
        jwks_url=_jwks_url(pools[0]),
        identity_source=authorizer.identity_source or "Authorization",
    )


def _apigateway(account_id: str, region: str):
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region]


# --- API Gateway: HTTP APIs (v2) ----------------------------------------------


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
        body = _definition(properties, account_id) if {"Body", "BodyS3Location"} & properties.keys() else {}
        api = backend.create_api(
            api_key_selection_expression=None, cors_configuration=properties.get("CorsConfiguration"),
            description=properties.get("Description"), disable_schema_validation=None,
            disable_execute_api_endpoint=properties.get("DisableExecuteApiEndpoint"),
            name=properties.get("Name") or body.get("info", {}).get("title") or name, protocol_type="HTTP",
            route_selection_expression=None, tags=properties.get("Tags"), version=None,
        )
        try:
            _import_http_paths(api, body)
        except Exception:
            backend.delete_api(api.api_id)
            raise
        return cls(api.api_id, account_id, region, {
            "ApiId": api.api_id, "ApiEndpoint": f"https://{api.api_id}.execute-api.{region}.amazonaws.com"})

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
            api, name, [sources] if isinstance(sources, str) else sources,
            configuration.get("issuer"), configuration.get("audience") or [])
    for path, operations in (body.get("paths") or {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            created = _lambda_integration(api, integration.get("type", ""), integration.get("uri"),
                                          integration.get("payloadFormatVersion"), f"{method.upper()} {path}")
            security = [name for requirement in operation.get("security") or [] for name in requirement]
            authorizer = next((authorizers[name] for name in security if name in authorizers), None)
            verb = "ANY" if method == ANY_METHOD else method.upper()
            api.create_route(
                api_key_required=False, authorization_scopes=[], target=f"integrations/{created.id}",
                route_key="$default" if path == "/$default" else f"{verb} {path}",
                authorization_type="JWT" if authorizer else "NONE",
                authorizer_id=authorizer.id if authorizer else None,
            )


def _jwt_config_authorizer(api, name: str, identity_source: list[str], issuer: str | None, audience: list[str]):
    return api.create_authorizer(
        auth_creds_arn=None, auth_payload_format_version=None, auth_result_ttl=None, authorizer_type="JWT",
        authorizer_uri=None, enable_simple_response=None, identity_source=identity_source,
        identity_validation_expr=None, jwt_config={"Issuer": issuer, "Audience": audience}, name=name,
    )


def _lambda_integration(api, kind: str, uri: str | None, payload_format: str | None, where: str):
    if kind.lower() != "aws_proxy" or payload_format != "2.0":
        raise LocalCloudUnsupported(f"{where}: only Lambda proxy integrations with payload format 2.0 are served")
    return api.create_integration(connection_type="INTERNET", description=None, integration_method="POST",
                                  integration_type="AWS_PROXY", integration_uri=uri, payload_format_version="2.0")


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
            raise LocalCloudUnsupported(f"authorizer type {properties.get('AuthorizerType')}: the local gateway runs JWT ones")
        configuration = properties.get("JwtConfiguration") or {}
        return _jwt_config_authorizer(api, properties.get("Name", name), properties.get("IdentitySource") or [],
                                      configuration.get("Issuer"), configuration.get("Audience") or []).id


class HttpApiIntegration(HttpApiPart):
    TYPE = "AWS::ApiGatewayV2::Integration"
    ATTRIBUTES = ("IntegrationId",)
    PARTS = "integrations"

    @classmethod
    def add_to(cls, api, name, properties):
        return _lambda_integration(api, properties.get("IntegrationType", ""), properties.get("IntegrationUri"),
                                   properties.get("PayloadFormatVersion"), name).id


class HttpApiRoute(HttpApiPart):
    TYPE = "AWS::ApiGatewayV2::Route"
    ATTRIBUTES = ("RouteId",)
    PARTS = "routes"

    @classmethod
    def add_to(cls, api, name, properties):
        return api.create_route(
            api_key_required=bool(properties.get("ApiKeyRequired")),
            authorization_scopes=properties.get("AuthorizationScopes") or [], route_key=properties["RouteKey"],
            target=properties.get("Target"), authorization_type=properties.get("AuthorizationType", "NONE"),
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
            raise LocalCloudUnsupported(f"API {api.api_id} already has stage(s) {list(api.stages)}; "
                                        "the local gateway serves one stage per API")
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
        routes.append(_route("ANY" if route.route_key == "$default" else method, path or "$default",
                             integration.integration_uri, _jwt_authorizer(authorizer) if authorizer else None))
    suffix = "" if stage_name == "$default" else f"/{stage_name}"
    _serve(api.api_id, account_id, region, "HTTP", stage_name, routes,
           aws_url=f"https://{api.api_id}.execute-api.{region}.amazonaws.com{suffix}")


def _jwt_authorizer(authorizer):
    from imegha_local.authorizers import AuthorizerSpec

    issuer = authorizer.jwt_config.get("Issuer") or ""
    pool = COGNITO_ISSUER.fullmatch(issuer)
    return AuthorizerSpec(
        kind="JWT",
        issuer=issuer,
        audiences=tuple(authorizer.jwt_config.get("Audience") or ()),
        # API Gateway fetches {issuer}/.well-known/jwks.json; a Cognito issuer's keys are moto's locally.
        jwks_url=_jwks_url(pool.group("pool")) if pool else f"{issuer.rstrip('/')}/.well-known/jwks.json",
        identity_source=(authorizer.identity_source or ["$request.header.Authorization"])[0],
    )


def _apigatewayv2(account_id: str, region: str):
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region]


# --- What both kinds of API share -----------------------------------------------


def _definition(properties: dict, account_id: str) -> dict:
    if "Body" in properties:
        body = properties["Body"]
        return json.loads(body) if isinstance(body, str) else body
    if "BodyS3Location" in properties:
        location = properties["BodyS3Location"]
        return _yaml_or_json(_s3_object(account_id, location["Bucket"], location["Key"]))
    raise LocalCloudUnsupported("an API needs a Body or BodyS3Location (OpenAPI) to be served locally")


def _route(method: str, path: str, integration_uri: str, authorizer):
    from imegha_local.gateway import RouteSpec

    match = LAMBDA_INTEGRATION.fullmatch(integration_uri or "")
    function_arn = match.group("arn") if match else integration_uri
    if not (function_arn or "").startswith(f"arn:{PARTITION}:lambda:"):
        raise LocalCloudUnsupported(f"{method} {path}: integration {integration_uri!r} is not a Lambda function")
    return RouteSpec(method=method, path=path, function_arn=function_arn, authorizer=authorizer)


def _serve(api_id: str, account_id: str, region: str, kind: str, stage: str, routes: list, aws_url: str) -> None:
    from imegha_local.gateway import ApiSpec

    hooks = active()
    local = hooks.gateway.add_api(ApiSpec(api_id=api_id, account_id=account_id, region=region, kind=kind,
                                          stage=stage, routes=tuple(routes)))
    hooks.api_urls[aws_url] = local.rstrip("/")


def _jwks_url(pool_id: str) -> str:
    return f"{active().endpoint_url}/{pool_id}/.well-known/jwks.json"


# --- Step Functions ---------------------------------------------------------------


class StateMachine(Provider):
    """A state machine in the executing backend, its definition from any of the template's three forms.

    moto's own model reads ``DefinitionString`` only (not ``Definition`` or
    ``DefinitionS3Location``), ignores ``DefinitionSubstitutions``, and creates the
    machine in the backend that does not execute, so StartExecution could not find it.
    """

    TYPE = "AWS::StepFunctions::StateMachine"
    NAME_PROPERTY = "StateMachineName"
    ATTRIBUTES = ("Arn", "Name", "StateMachineRevisionId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.stepfunctions.responses import get_backend

        definition = properties.get("DefinitionString") or properties.get("Definition")
        if "DefinitionS3Location" in properties:
            location = properties["DefinitionS3Location"]
            definition = _s3_object(account_id, location["Bucket"], location["Key"]).decode()
        if definition is None:
            raise LocalCloudUnsupported("a state machine needs a definition")
        if not isinstance(definition, str):
            definition = json.dumps(definition)
        for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        machine = get_backend(account_id, region).create_state_machine(
            name=name, definition=definition, roleArn=properties.get("RoleArn"),
            tags=[{"key": tag["Key"], "value": tag["Value"]} for tag in properties.get("Tags") or []],
            loggingConfiguration=properties.get("LoggingConfiguration"),
            tracingConfiguration=properties.get("TracingConfiguration"),
            sm_type=properties.get("StateMachineType", "STANDARD"),
        )
        return cls(machine.arn, account_id, region,
                   {"Arn": machine.arn, "Name": machine.name,
                    "StateMachineRevisionId": getattr(machine, "revision_id", None)})

    def delete(self, account_id, region):
        from moto.stepfunctions.responses import get_backend

        get_backend(account_id, region).delete_state_machine(self.physical_resource_id)


# --- Policies and subscriptions -----------------------------------------------------


class BucketPolicy(Provider):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name, properties, account_id, region):
        bucket, document = properties["Bucket"], properties["PolicyDocument"]
        _s3(account_id).put_bucket_policy(bucket, _policy_bytes(document))
        return cls(bucket, account_id, region, {})

    def delete(self, account_id, region):
        _s3(account_id).delete_bucket_policy(self.physical_resource_id)


class TopicPolicy(Provider):
    TYPE = "AWS::SNS::TopicPolicy"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.sns.models import sns_backends

        for topic_arn in properties["Topics"]:
            sns_backends[account_id][region].set_topic_attribute(
                topic_arn, "Policy", _policy_bytes(properties["PolicyDocument"]).decode())
        return cls(name, account_id, region, {"Id": name})

    def delete(self, account_id, region):
        """The topics keep their policy until they go, as the attribute cannot be unset."""


class QueuePolicy(Provider):
    TYPE = "AWS::SQS::QueuePolicy"
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.sqs.models import sqs_backends

        for queue_url in properties["Queues"]:
            sqs_backends[account_id][region].set_queue_attributes(
                queue_url.rsplit("/", 1)[-1], {"Policy": _policy_bytes(properties["PolicyDocument"]).decode()})
        return cls(name, account_id, region, {"Id": name})

    def delete(self, account_id, region):
        """The queues keep their policy until they go, as CloudFormation would only unset it."""


class Subscription(Provider):
    TYPE = "AWS::SNS::Subscription"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.sns.models import sns_backends

        backend = sns_backends[account_id][region]
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for attribute in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"):
            if attribute in properties:
                value = properties[attribute]
                backend.set_subscription_attributes(
                    subscription.arn, attribute, json.dumps(value) if isinstance(value, dict) else str(value).lower()
                    if isinstance(value, bool) else str(value))
        return cls(subscription.arn, account_id, region, {"Arn": subscription.arn})

    def delete(self, account_id, region):
        from moto.sns.models import sns_backends

        sns_backends[account_id][region].unsubscribe(self.physical_resource_id)


class Alarm(Provider):
    """A metric alarm, as PutMetricAlarm makes it (moto evaluates none; the alarm exists to be described)."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.cloudwatch.models import cloudwatch_backends

        if "Metrics" in properties:
            raise LocalCloudUnsupported("metric-math alarms (Metrics) are not supported")
        alarm = cloudwatch_backends[account_id][region].put_metric_alarm(
            name=name, namespace=properties.get("Namespace"), metric_name=properties.get("MetricName"),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]), period=int(properties.get("Period", 60)),
            threshold=float(properties.get("Threshold", 0)), statistic=properties.get("Statistic"),
            description=properties.get("AlarmDescription"),
            dimensions=properties.get("Dimensions") or [],
            alarm_actions=properties.get("AlarmActions") or [],
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            extended_statistic=properties.get("ExtendedStatistic"), ok_actions=properties.get("OKActions"),
            insufficient_data_actions=properties.get("InsufficientDataActions"), unit=properties.get("Unit"),
            actions_enabled=properties.get("ActionsEnabled", True),
            treat_missing_data=properties.get("TreatMissingData"),
        )
        return cls(name, account_id, region, {"Arn": alarm.alarm_arn})

    def delete(self, account_id, region):
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region].delete_alarms([self.physical_resource_id])


def _policy_bytes(document: Any) -> bytes:
    return (document if isinstance(document, str) else json.dumps(document)).encode()


def _s3(account_id: str):
    from moto.s3.models import s3_backends

    return s3_backends[account_id][PARTITION]


def _s3_object(account_id: str, bucket: str, key: str) -> bytes:
    return _s3(account_id).get_object(bucket, key).value


def _yaml_or_json(content: bytes) -> dict:
    import yaml

    return yaml.safe_load(content)


def _providers(base: type[Provider]):
    """Every provider of a resource type under ``base``, however deep (HTTP API parts share a base of their own)."""
    for provider in base.__subclasses__():
        if provider.TYPE:
            yield provider
        yield from _providers(provider)


def register() -> None:
    """Make moto's CloudFormation use these providers, in place of its own model of a type where it has one.

    moto lists its models once (``CloudFormationModel.__subclasses__()``, cached):
    the providers are put into that list, and the maps derived from it rebuilt.
    """
    from moto.cloudformation import parsing

    ours = {provider.TYPE: provider for provider in _providers(Provider)}
    models = parsing.get_model_list()
    models[:] = [model for model in models if model is not Provider and model.cloudformation_type() not in ours]
    models += ours.values()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
