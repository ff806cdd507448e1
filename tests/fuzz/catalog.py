"""Every route the fuzzer drives, read from where routes are declared: the templates say which API path reaches
which function, and each function's handler module says, route by route, what it reads.

The templates: template.yaml's ``Type: Api`` events (the platform's REST API), and the user cloud's
``AWS::ApiGatewayV2::Route`` resources (``RouteKey``, ``Target`` an integration, its ``IntegrationUri`` a
function). A gateway route may be a ``{proxy+}``; the handler's own routes under it are what the fuzzer
drives, each on its own.

A handler module's routes: each function decorated ``@app.<method>(path)``; what it reads is found in its
body: the JSON Schema it validates its body against (``json_body(app, SCHEMAS, "x.json")``, optional when a
default is given), a form body (``decoded_body``), the query parameters it reads, whether only the cloud's
owner may call it (``require_owner``) and whether it needs an identity signature (a ``middlewares=``
argument). A new route in a template or a handler is in the catalogue without a line changed here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from imegha_local.routes import RouteTable
from imegha_local.templates import load_template
from tests.conftest import ROOT

Api = Literal["platform", "cloud"]
SCHEMA_DIRS: dict[Api, Path] = {
    "platform": ROOT / "functions" / "schemas",
    "cloud": ROOT / "user-cloud" / "functions" / "schemas",
}
HTTP_METHODS = ("get", "post", "put", "delete", "patch")


@dataclass(frozen=True)
class GatewayRoute:
    """A route as a template declares it: what API Gateway matches, and the handler module it invokes."""

    api: Api
    method: str  # GET, POST, ... or ANY
    path: str  # /groups/{group_id}, /storage/{proxy+}
    module: Path  # the handler module's file
    public: bool  # no authorizer


@dataclass(frozen=True)
class Route:
    """One route of a handler module, reached through ``gateway``."""

    api: Api
    method: str
    path: str  # the template's form: /groups/{group_id}/epochs/{epoch}
    function: str  # the handler function's name, for messages
    gateway: GatewayRoute
    schema: Path | None  # the body's JSON Schema
    body_optional: bool  # an empty body is a default, not an error
    form: bool  # an application/x-www-form-urlencoded body
    query: tuple[str, ...]  # the query parameters it reads
    headers: tuple[str, ...]  # the request headers its module reads
    owner_only: bool
    signed: bool  # an identity signature is checked before it runs

    @property
    def key(self) -> str:
        return f"{self.api} {self.method} {self.path}"

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))

    def __str__(self) -> str:
        return self.key


# --- The templates ------------------------------------------------------------------------------------------


def platform_gateway_routes() -> list[GatewayRoute]:
    template = ROOT / "template.yaml"
    routes = []
    for resource in load_template(template)["Resources"].values():
        properties = resource.get("Properties") or {}
        for event in (properties.get("Events") or {}).values():
            # The platform API's routes; the doorbell API (DoorbellApi) takes only requests signed with an AWS role
            # (SigV4), which this fuzzer does not make: its route has its schema, unit and integration tests.
            if event["Type"] != "Api" or event["Properties"].get("RestApiId") != {"Ref": "PlatformApi"}:
                continue
            declared = event["Properties"]
            routes.append(
                GatewayRoute(
                    "platform",
                    declared["Method"].upper(),
                    declared["Path"],
                    _handler_file(template.parent / properties["CodeUri"], properties["Handler"]),
                    (declared.get("Auth") or {}).get("Authorizer") == "NONE",
                )
            )
    return routes


def cloud_gateway_routes() -> list[GatewayRoute]:
    routes = []
    for template in sorted((ROOT / "user-cloud").rglob("*.yaml")):
        resources = load_template(template).get("Resources") or {}
        for resource in resources.values():
            if resource["Type"] != "AWS::ApiGatewayV2::Route":
                continue
            declared = resource["Properties"]
            integration = resources[declared["Target"]["Fn::Sub"].removeprefix("integrations/${").rstrip("}")]
            function = resources[integration["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]]["Properties"]
            method, path = declared["RouteKey"].split(" ", 1)
            routes.append(
                GatewayRoute(
                    "cloud",
                    method,
                    path,
                    _handler_file(template.parent / function["CodeUri"], function["Handler"]),
                    declared.get("AuthorizationType", "NONE") == "NONE",
                )
            )
    return routes


def _handler_file(code_dir: Path, handler: str) -> Path:
    module = handler.rpartition(".")[0]
    return (code_dir / (module.replace(".", "/") + ".py")).resolve()


# --- The handler modules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Declared:
    method: str
    path: str
    function: ast.FunctionDef
    signed: bool


def handler_routes(module: Path) -> list[_Declared]:
    """Each ``@app.<method>(path)`` of a handler module, with the path in the template's form."""
    tree, constants = _parsed(module)
    declared = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and isinstance(decorator.func.value, ast.Name)
                and decorator.func.value.id == "app"
                and decorator.func.attr in HTTP_METHODS
            ):
                path = _constant(decorator.args[0], constants, module)
                template_path = "/".join(
                    "{" + part[1:-1] + "}" if part.startswith("<") else part for part in path.split("/")
                )
                signed = any(keyword.arg == "middlewares" for keyword in decorator.keywords)
                declared.append(_Declared(decorator.func.attr.upper(), template_path, node, signed))
    return declared


@cache
def _parsed(module: Path) -> tuple[ast.Module, dict[str, object]]:
    """A module's syntax tree, and its module-level constants (``NAME = "..."``)."""
    tree = ast.parse(module.read_text(), str(module))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return tree, constants


def _constant(node: ast.expr, constants: dict[str, object], module: Path) -> str:
    """A string the handler names: a literal, a module constant, or ``imported_module.CONSTANT`` of a module beside
    it in the function's code (``tokens.TOKEN_PATH``, from ``from logic import tokens``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(constants.get(node.id), str):
        return str(constants[node.id])
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        tree, _ = _parsed(module)
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
                for alias in statement.names:
                    if (alias.asname or alias.name) == node.value.id:
                        code_dir = module.parent.parent
                        imported = code_dir / statement.module.replace(".", "/") / f"{alias.name}.py"
                        if imported.exists():
                            return _constant(ast.Name(node.attr), _parsed(imported)[1], imported)
    raise ValueError(f"{module}: cannot read the string {ast.unparse(node)!r}")


def _calls(function: ast.FunctionDef) -> list[ast.Call]:
    return [node for node in ast.walk(function) if isinstance(node, ast.Call)]


def _called_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _reads(declared: _Declared, module: Path) -> dict:
    _, constants = _parsed(module)
    schema, body_optional, query = None, False, set()
    for call in _calls(declared.function):
        name = _called_name(call)
        for argument in call.args:
            if isinstance(argument, ast.Constant) and str(argument.value).endswith(".json"):
                schema = str(argument.value)
                body_optional = any(keyword.arg == "default" for keyword in call.keywords)
        if name in ("get_query_string_value", "integer_query") and call.args:
            argument = call.args[0] if name == "get_query_string_value" else call.args[1]
            if isinstance(argument, ast.Constant):
                query.add(str(argument.value))
            else:  # a name drawn from a tuple of names in the same function
                query |= {
                    str(element.value)
                    for node in ast.walk(declared.function)
                    if isinstance(node, ast.Tuple)
                    for element in node.elts
                    if isinstance(element, ast.Constant) and isinstance(element.value, str)
                }
    tree, _ = _parsed(module)
    headers = {
        _constant(node.args[0], constants, module)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "headers"
    }
    names = {_called_name(call) for call in _calls(declared.function)}
    form = any(isinstance(node, ast.Attribute) and node.attr == "decoded_body" for node in ast.walk(declared.function))
    return {
        "schema": schema,
        "body_optional": body_optional,
        "form": form,
        "query": tuple(sorted(query)),
        "headers": tuple(sorted(headers)),
        "owner_only": "require_owner" in names,
    }


# --- The catalogue ------------------------------------------------------------------------------------------


def gateway_routes() -> list[GatewayRoute]:
    return platform_gateway_routes() + cloud_gateway_routes()


def concrete(path: str) -> str:
    """A route's path with each parameter given a value, to match it against the templates' routes."""
    return "/".join(f"x{part[1:-1]}" if part.startswith("{") else part for part in path.split("/"))


@cache
def catalogue() -> tuple[Route, ...]:
    """Every handler route reached through a template's route, in a stable order."""
    routes: dict[str, Route] = {}
    gateway = gateway_routes()
    for api in ("platform", "cloud"):
        served = [route for route in gateway if route.api == api]
        table = RouteTable(served)
        for module in sorted({route.module for route in served}):
            for declared in handler_routes(module):
                match = table.match(declared.method, concrete(declared.path))
                reached: GatewayRoute | None = match.route if match else None  # type: ignore[assignment]
                if reached is None or reached.module != module:
                    continue  # declared but unreachable: test_every_handler_route_is_reached names it
                reads = _reads(declared, module)
                schema = reads.pop("schema")
                route = Route(
                    api,
                    declared.method,
                    declared.path,
                    declared.function.name,
                    reached,
                    SCHEMA_DIRS[api] / schema if schema else None,
                    signed=declared.signed,
                    **reads,
                )
                routes[route.key] = route
    return tuple(sorted(routes.values(), key=lambda route: route.key))


def unreached_handler_routes() -> list[str]:
    """Routes a handler module declares that no template route of its function reaches."""
    reached = {route.key for route in catalogue()}
    unreached = []
    for gateway in gateway_routes():
        for declared in handler_routes(gateway.module):
            key = f"{gateway.api} {declared.method} {declared.path}"
            if key not in reached:
                unreached.append(f"{key} ({gateway.module.relative_to(ROOT)}:{declared.function.name})")
    return sorted(set(unreached))
