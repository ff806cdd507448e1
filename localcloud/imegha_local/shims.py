"""Where moto differs from AWS in ways iMegha depends on, each gap closed by one named shim.

moto is an excellent model of AWS's APIs, but several behaviours that a real
deployment relies on are stubbed, skipped or not modelled at all. Each function
below named ``_<behaviour>`` restores one documented AWS behaviour, says why it
is needed, and patches as little as it can. :func:`install` applies them once per
process (moto's state is process-wide); :func:`activate` points them at the
running local cloud (its Lambda runtime, gateway and endpoint).

The tests (``tests/integration/local``) show each behaviour as AWS documents it,
through the AWS APIs, never by calling a shim. Every part of moto a shim patches,
calls or reads is listed once in :mod:`imegha_local.moto_internals`, which a unit
test checks against the installed moto.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import functools
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imegha_local.runtime import FunctionSpec, LambdaRuntime

PARTITION = "aws"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Marks requests the local cloud makes on a service's behalf, so that the Lambda
# log can say which service invoked a function (see ``_source_of``).
SOURCE_USER_AGENT = "imegha-source"
SESSION_SECONDS = 3600


class LocalCloudUnsupported(Exception):
    """A template or request asks for something the local cloud cannot do; the message says what and why."""


@dataclass
class Hooks:
    """What the shims reach in the running local cloud."""

    endpoint_url: str
    runtime: LambdaRuntime
    gateway: Any  # imegha_local.gateway.LocalGateway
    code_cache: Path
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(8, "imegha-async"))
    # Each API stage's AWS invoke URL -> the local gateway's base URL for it.
    api_urls: dict[str, str] = field(default_factory=dict)


_hooks: Hooks | None = None
_installed = False
_install_lock = threading.Lock()


def activate(hooks: Hooks) -> None:
    global _hooks
    _hooks = hooks


def deactivate() -> None:
    global _hooks
    if _hooks is not None:
        _hooks.executor.shutdown(wait=False, cancel_futures=True)
    _hooks = None


def active() -> Hooks:
    if _hooks is None:
        raise LocalCloudUnsupported("no local cloud is running in this process")
    return _hooks


def install() -> None:
    """Apply every shim to moto, once per process."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from moto.core.config import default_user_config

        # Step Functions executes state machines for real (moto's interpreter from LocalStack).
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        for shim in (
            _botocore_decodes_each_data_file_once,
            _moto_lists_regions_once_per_service,
            _lambda_runs_in_the_local_runtime,
            _state_dump_reads_functions_without_docker,
            _failed_asynchronous_invocations_go_to_the_dead_letter_queue,
            _cloudformation_keeps_lambda_layers,
            _ref_returns_what_aws_documents,
            _eventbridge_delivers_to_lambda_sns_and_step_functions,
            _eventbridge_takes_events_from_the_accounts_its_bus_policy_names,
            _nested_stack_outputs_resolve,
            _assume_role_honours_trust_policies,
            _step_functions_tasks_use_their_role,
            _step_functions_sdk_tasks_name_eventbridge_as_aws_does,
            _cognito_invokes_lambda_triggers,
            _cognito_resends_confirmation_codes,
            _cognito_revokes_refresh_tokens,
            _cognito_hides_whether_a_user_exists,
            _cloudformation_runs_the_sam_transform,
            _cloudformation_reads_json_templates_as_json,
            _cloudformation_rolls_back_failed_stacks,
            _bucket_policies_apply_the_statements_whose_conditions_hold,
            _s3_honours_presigned_urls_as_signed,
            _sns_delivers_to_subscribed_mobile_endpoints,
            _stack_outputs_name_the_local_gateway,
        ):
            shim()
        from imegha_local import providers

        providers.register()
        _installed = True


def _patch(owner: Any, name: str) -> Callable[[Callable], Callable]:
    """Replace ``owner.name`` by the decorated function, which receives the original first.

    The replacement acts only while a local cloud is active in the process, so
    that moto used directly (``mock_aws`` in unit tests) keeps its own behaviour.
    """

    def decorate(replacement: Callable) -> Callable:
        original = getattr(owner, name)

        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            if _hooks is None:
                return original(*args, **kwargs)
            return replacement(original, *args, **kwargs)

        setattr(owner, name, patched)
        return patched

    return decorate


def _botocore_decodes_each_data_file_once() -> None:
    """botocore's data files (endpoints, partitions, each service's model) are decoded once per process.

    botocore caches what it loads on each session's loader, and the local cloud
    makes a session per account (and moto several more, listing EC2's regions
    as it is imported), so each decodes endpoints.json and every model again:
    about 1 s of a cold ``imegha local up``. The files do not change while the
    process runs, so the first decoding is kept as a pickled snapshot and every
    caller gets a copy of its own (unpickling is 2-5x faster than decoding the
    JSON). A copy, because botocore edits what it loaded: its S3 handler
    ``remove_bucket_from_url_paths_from_model`` rewrites an operation's
    ``requestUri`` in place, and one shared dict would hand that edit to moto's
    own S3 router in the same process. Not a behaviour AWS documents; starting
    in under five seconds depends on it.
    """
    from botocore.loaders import JSONFileLoader

    decode = JSONFileLoader.load_file
    snapshots: dict[str, bytes] = {}

    def load_file(loader: JSONFileLoader, file_path: str) -> Any:
        snapshot = snapshots.get(file_path)
        if snapshot is None:
            decoded = decode(loader, file_path)
            snapshots[file_path] = pickle.dumps(decoded, protocol=pickle.HIGHEST_PROTOCOL)
            return decoded
        return pickle.loads(snapshot)

    JSONFileLoader.load_file = load_file


def _moto_lists_regions_once_per_service() -> None:
    """A service's regions are listed once per process, not once per account.

    moto caches the list on each account's backend object, so each new account
    pays again, some 0.1 s per service: a user's cloud touches a dozen services in
    an account of its own. Not a behaviour AWS documents; deploying a user's cloud
    in under three seconds depends on it.
    """
    from moto.core.base_backend import AccountSpecificBackend

    per_account = AccountSpecificBackend._generate_regions.__wrapped__

    @functools.cache
    def regions(service_name: str) -> list[str]:
        return per_account(None, service_name)

    AccountSpecificBackend._generate_regions = lambda backend, service_name: regions(service_name)


# --- Lambda ------------------------------------------------------------------

_invocation_source: ContextVar[str] = ContextVar("invocation_source", default="lambda:Invoke")


@contextlib.contextmanager
def invoked_by(source: str) -> Iterator[None]:
    """Label the Lambda invocations made in this block (for the invocation log)."""
    token = _invocation_source.set(source)
    try:
        yield
    finally:
        _invocation_source.reset(token)


def _lambda_runs_in_the_local_runtime() -> None:
    """Lambda functions run their handler, in the local runtime, without Docker.

    moto runs a function by starting a Docker container (or, with
    ``use_docker: False``, returns a canned string without running anything). Here
    a function is registered with :class:`LambdaRuntime` when it is created or
    updated (its zip unpacked once per digest, its layers likewise), and every
    invocation moto makes, whatever the caller (the Invoke API, SNS, SQS and
    DynamoDB event source mappings, EventBridge, Step Functions, Cognito), runs
    there. As in AWS, ``Event`` invocations return at once and run in the
    background, and ``CreateFunction`` refuses a role that Lambda cannot assume.
    """
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    @_patch(LambdaBackend, "create_function")
    def create_function(original, backend, spec):
        function = original(backend, spec)
        if _trust_refusal(function.role, _Principal.service("lambda.amazonaws.com")):
            backend.delete_function(function.function_name)
            raise InvalidParameterValueException("The role defined for the function cannot be assumed by Lambda.")
        _register(function)
        return function

    for method in ("update_configuration", "update_function_code"):
        @_patch(LambdaFunction, method)
        def updated(original, function, *args, **kwargs):
            result = original(function, *args, **kwargs)
            _register(function)
            return result

    @_patch(LambdaFunction, "invoke")
    def invoke(original, function, body, request_headers, response_headers):
        hooks = active()
        event = json.loads(body) if body else {}
        arn = _unqualified_arn(function)
        source = _source_of(request_headers)
        invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            hooks.executor.submit(_invoke_asynchronously, function, arn, event, source)
            return b""
        result = hooks.runtime.invoke(arn, event, source=source)
        if result.error:
            response_headers["x-amz-function-error"] = result.error
        return json.dumps(result.payload).encode()

    # The in-process callers, so that the invocation log names them.
    for method, source in (("send_sqs_batch", "sqs"), ("send_sns_message", "sns"),
                           ("send_dynamodb_items", "dynamodb"), ("send_kinesis_message", "kinesis")):
        @_patch(LambdaBackend, method)
        def labelled(original, *args, _source=source, **kwargs):
            with invoked_by(_source):
                return original(*args, **kwargs)


def _state_dump_reads_functions_without_docker() -> None:
    """moto's own state dump (``GET /moto-api/data.json``) lists every resource, Lambda functions included.

    The dump reads every public attribute of every model object and leaves out
    those that raise ``AttributeError``; a function's ``docker_client`` connects
    to Docker when first read, and with no Docker running it raises
    ``DockerException``, so the whole dump failed with a 500. The local cloud
    runs functions without Docker, so while it is active a function has no
    Docker client: reading it raises ``AttributeError``, which the dump skips
    (and anything else reaching for Docker gets a message saying why).
    """
    from moto.utilities.docker_utilities import DockerModel

    connect = DockerModel.docker_client.fget

    def docker_client(model: DockerModel) -> Any:
        if _hooks is None:
            return connect(model)
        raise AttributeError("the local cloud runs Lambda functions without Docker")

    DockerModel.docker_client = property(docker_client)


def _register(function) -> None:
    from moto.awslambda.utils import get_backend

    if function.package_type != "Zip":
        raise LocalCloudUnsupported(f"function {function.function_name}: the local cloud runs zip packages only")
    if not function.code_bytes:
        raise LocalCloudUnsupported(f"function {function.function_name}: its code could not be read from S3")
    backend = get_backend(function.account_id, function.region)
    layer_dirs: list[Path] = []
    for layer in function.layers:
        version = backend.layers_versions_by_arn(layer["Arn"])
        root = _unpacked(version.code_bytes)
        # Lambda puts /opt/python and its site-packages on sys.path.
        layer_dirs += [path for path in (root / "python", root / "python/lib/python3.12/site-packages") if path.is_dir()]
    active().runtime.register(FunctionSpec(
        arn=_unqualified_arn(function),
        name=function.function_name,
        account_id=function.account_id,
        region=function.region,
        code_dir=_unpacked(function.code_bytes),
        handler=function.handler,
        environment={name: str(value) for name, value in function.environment_vars.items()},
        layer_dirs=tuple(layer_dirs),
        timeout_s=int(function.timeout),
        memory_mb=int(function.memory_size),
        credentials=functools.partial(
            service_credentials, function.role, "lambda.amazonaws.com", function.function_name
        ),
    ))


def _unqualified_arn(function) -> str:
    return f"arn:{PARTITION}:lambda:{function.region}:{function.account_id}:function:{function.function_name}"


def _unpacked(code: bytes) -> Path:
    """The directory a code zip unpacks to, unpacked once per content (concurrent callers race safely)."""
    cache = active().code_cache
    target = cache / hashlib.sha256(code).hexdigest()
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache, prefix=".unpacking-"))
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            archive.extractall(staging)
        try:
            os.rename(staging, target)
        except OSError:  # another thread got there first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for candidate in (name, name.lower()):
        if candidate in headers:
            return headers[candidate]
    return None


def _source_of(request_headers: Any) -> str:
    agent = _header(request_headers, "User-Agent") or ""
    marker = re.search(rf"{SOURCE_USER_AGENT}/(\S+)", agent)
    return marker.group(1) if marker else _invocation_source.get()


def _cloudformation_keeps_lambda_layers() -> None:
    """CloudFormation gives a function its ``Layers``, and a layer version its ``LayerName``.

    moto's CloudFormation model of ``AWS::Lambda::Function`` passes only a few
    properties on to CreateFunction and drops ``Layers`` (and ``Architectures``),
    so a function deployed from a template would run without its layers; its
    ``AWS::Lambda::LayerVersion`` ignores ``LayerName``.
    """
    from moto.awslambda.models import LambdaFunction, LayerVersion

    @_patch(LambdaFunction, "create_from_cloudformation_json")
    def create_function(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        function = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json["Properties"]
        if properties.get("Layers") or properties.get("Architectures"):
            function.layers = function._get_layers_data(properties.get("Layers", []))
            function.architectures = properties.get("Architectures", function.architectures)
            _register(function)
        return function

    @_patch(LayerVersion, "create_from_cloudformation_json")
    def create_layer(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json["Properties"].get("LayerName", resource_name)
        return original(name, cloudformation_json, account_id, region_name, **kwargs)


def _ref_returns_what_aws_documents() -> None:
    """``Ref`` of a layer version is its ARN, and of an event bus its name.

    moto's models of these two types have no physical id, so ``Ref`` returns the
    model object itself and whatever uses it (a function's ``Layers``, a rule's
    ``EventBusName``) fails or receives nonsense.
    """
    from moto.awslambda.models import LayerVersion
    from moto.events.models import EventBus

    LayerVersion.physical_resource_id = property(lambda layer: layer.arn)
    EventBus.physical_resource_id = property(lambda bus: bus.name)


# Lambda's default MaximumRetryAttempts for an asynchronous invocation.
ASYNC_RETRIES = 2


def _failed_asynchronous_invocations_go_to_the_dead_letter_queue() -> None:
    """An ``Event`` invocation that fails is retried twice, then sent to the function's dead-letter queue.

    As Lambda does for asynchronous invocations (EventBridge and SNS targets,
    ``InvocationType=Event``): a handler error or timeout is retried twice
    (Lambda waits a minute, then two; here at once), then the event goes to the
    SQS queue or SNS topic of the function's ``DeadLetterConfig``, with the
    ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes Lambda gives it.
    moto does neither, and keeps no ``DeadLetterConfig`` (neither CreateFunction
    nor its CloudFormation model stores it).
    """
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    @_patch(LambdaBackend, "create_function")
    def create_function(original, backend, spec):
        function = original(backend, spec)
        function.dead_letter_config = spec.get("DeadLetterConfig") or {}
        return function

    @_patch(LambdaFunction, "create_from_cloudformation_json")
    def create_from_template(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        function = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        function.dead_letter_config = cloudformation_json["Properties"].get("DeadLetterConfig") or {}
        return function


def _invoke_asynchronously(function, arn: str, event: Any, source: str) -> None:
    hooks = active()
    for _ in range(1 + ASYNC_RETRIES):
        result = hooks.runtime.invoke(arn, event, source=source)
        if not result.error:
            return
    target = getattr(function, "dead_letter_config", {}).get("TargetArn")
    if target:
        _dead_letter(target, event, result.payload)


def _dead_letter(target: str, event: Any, error: dict) -> None:
    import uuid

    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    _, _, service, region, account, name = target.split(":", 5)
    attributes = {
        "RequestID": str(uuid.uuid4()),
        "ErrorCode": "200",
        "ErrorMessage": str(error.get("errorMessage", error.get("errorType", "the function failed")))[:1024],
    }
    body = json.dumps(event)
    if service == "sqs":
        sqs_backends[account][region].send_message(
            name, body, message_attributes={key: {"DataType": "String", "StringValue": value}
                                            for key, value in attributes.items()})
    elif service == "sns":
        sns_backends[account][region].publish(message=body, arn=target, message_attributes={
            key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()})


# --- EventBridge -------------------------------------------------------------


def _eventbridge_delivers_to_lambda_sns_and_step_functions() -> None:
    """A rule's Lambda, SNS and Step Functions targets receive the events it matches.

    moto delivers matched events to log groups, archives, SQS queues and other
    buses only, and raises NotImplementedError (failing PutEvents) for any other
    target. As in AWS: a Lambda target is invoked asynchronously with the event,
    an SNS target gets it as the message, a state machine target starts an
    execution with it as input; ``Input``, ``InputPath`` and ``InputTransformer``
    shape what is delivered, and ``time`` is an ISO 8601 timestamp.
    """
    from moto.events.models import EventTemplateParser, Rule

    deliverers = {"lambda": _deliver_to_lambda, "sns": _deliver_to_sns, "states": _deliver_to_state_machine}

    @_patch(Rule, "send_to_targets")
    def send_to_targets(original, rule, event, transform_input=True):
        ours = [target for target in rule.targets if target["Arn"].split(":")[2] in deliverers]
        if len(ours) < len(rule.targets):
            others = _copy_with_targets(rule, [target for target in rule.targets if target not in ours])
            original(others, event, transform_input)
        if not ours or not rule.event_pattern.matches_event(event):
            return
        delivered = {key: value for key, value in event.items() if key != "ingestion-time"}
        if isinstance(delivered.get("time"), int | float):
            delivered["time"] = dt.datetime.fromtimestamp(delivered["time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for target in ours:
            payload = _target_input(target, delivered, EventTemplateParser)
            deliverers[target["Arn"].split(":")[2]](target["Arn"], payload)


_event_sender: ContextVar[str | None] = ContextVar("event_sender", default=None)


def _eventbridge_takes_events_from_the_accounts_its_bus_policy_names() -> None:
    """PutEvents to another account's bus (named by ARN) lands there if that bus's policy allows the sender's account.

    moto looks every bus up in the caller's own account, so an event a user's
    cloud sends to the platform's bus fails with ResourceNotFoundException. As in
    AWS: the bus's resource policy (``PutPermission``) must allow
    ``events:PutEvents`` to the sender's account, or the whole call fails with
    AccessDeniedException; a delivered event's ``account`` is the sender's, which
    is what lets a consumer, or a rule's ``account`` pattern, tell who sent it.
    """
    from moto.core.exceptions import JsonRESTError
    from moto.events.models import EventsBackend, Rule, events_backends

    @_patch(EventsBackend, "put_events")
    def put_events(original, backend, events):
        buses = [_other_accounts_bus(backend, event.get("EventBusName")) for event in events]
        if not any(buses):
            return original(backend, events)
        for event, bus in zip(events, buses):
            if bus and not _bus_policy_allows(bus.policy, backend.account_id):
                raise JsonRESTError(
                    "AccessDeniedException",
                    f"User: arn:{PARTITION}:iam::{backend.account_id}:root is not authorized to perform: "
                    f"events:PutEvents on resource: {event['EventBusName']} because no resource-based policy "
                    "allows the events:PutEvents action")
        entries = []
        for event, bus in zip(events, buses):
            if bus is None:
                entries += original(backend, [event])
                continue
            token = _event_sender.set(backend.account_id)
            try:
                entries += events_backends[bus.account_id][bus.region].put_events([{**event, "EventBusName": bus.name}])
            finally:
                _event_sender.reset(token)
        return entries

    @_patch(Rule, "send_to_targets")
    def send_to_targets(original, rule, event, transform_input=True):
        sender = _event_sender.get()
        return original(rule, {**event, "account": sender} if sender else event, transform_input)


def _other_accounts_bus(backend, name: str | None):
    """The bus ``name`` names if it is an ARN in another account than ``backend``'s, else None."""
    from moto.events.models import events_backends

    match = re.fullmatch(rf"arn:{PARTITION}:events:([\w-]+):(\d{{12}}):event-bus/(.+)", name or "")
    if not match or match.group(2) == backend.account_id:
        return None
    return events_backends[match.group(2)][match.group(1)].describe_event_bus(match.group(3))


def _bus_policy_allows(policy: str | None, account: str) -> bool:
    statements = json.loads(policy)["Statement"] if policy else []
    sender = _Principal(account, f"arn:{PARTITION}:iam::{account}:root")
    allowed = [statement for statement in statements
               if _matches_action(statement.get("Action"), "events:PutEvents")
               and _names_principal(statement.get("Principal"), sender)
               and not _unmet_condition(statement.get("Condition") or {}, {"aws:principalaccount": account})]
    return any(s.get("Effect") == "Allow" for s in allowed) and not any(s.get("Effect") == "Deny" for s in allowed)


def _copy_with_targets(rule, targets: list[dict]):
    import copy

    view = copy.copy(rule)
    view.targets = targets
    return view


def _target_input(target: dict, event: dict, template_parser) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        value: Any = event
        for part in target["InputPath"].removeprefix("$").strip(".").split("."):
            value = value.get(part) if part and isinstance(value, dict) else value
        return value
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        return template_parser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return event


def _deliver_to_lambda(arn: str, payload: Any) -> None:
    from moto.awslambda.utils import get_backend

    _, _, _, region, account, *_ = arn.split(":")
    with invoked_by("events"):
        get_backend(account, region).invoke(
            function_name=arn, qualifier=None, body=json.dumps(payload),
            headers={"X-Amz-Invocation-Type": "Event"}, response_headers={},
        )


def _deliver_to_sns(arn: str, payload: Any) -> None:
    from moto.sns.models import sns_backends

    _, _, _, region, account, *_ = arn.split(":")
    message = payload if isinstance(payload, str) else json.dumps(payload)
    active().executor.submit(sns_backends[account][region].publish, message=message, arn=arn)


def _deliver_to_state_machine(arn: str, payload: Any) -> None:
    import uuid

    from moto.stepfunctions.responses import get_backend

    _, _, _, region, account, *_ = arn.split(":")
    get_backend(account, region).start_execution(arn, name=str(uuid.uuid4()), execution_input=json.dumps(payload))


# --- CloudFormation ----------------------------------------------------------


def _nested_stack_outputs_resolve() -> None:
    """``Fn::GetAtt NestedStack.Outputs.Name`` is the nested stack's output, and a failed nested stack fails its parent.

    moto's ``AWS::CloudFormation::Stack`` accepts every attribute but resolves
    none (GetAtt logs a warning and yields nothing, so the property that used it
    silently disappears), and creates a nested stack whatever becomes of it. A
    nested stack that fails is deleted as its parent rolls back, as in AWS, not
    left standing in ``ROLLBACK_COMPLETE`` beside it.
    """
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    def get_cfn_attribute(stack: Stack, attribute: str) -> Any:
        name = attribute.removeprefix("Outputs.")
        for output in stack.outputs or []:
            if attribute.startswith("Outputs.") and output["OutputKey"] == name:
                return output["OutputValue"]
        raise ValidationError(message=f"Template error: stack {stack.name} has no attribute {attribute}")

    Stack.get_cfn_attribute = get_cfn_attribute

    @_patch(Stack, "create_from_cloudformation_json")
    def create_nested(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.cloudformation.models import cloudformation_backends

        stack = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if stack.status != "CREATE_COMPLETE":
            reason = getattr(stack, "stack_status_reason", None) or stack.status
            # It has rolled its own resources back; the parent's rollback deletes the nested stack itself.
            backend = cloudformation_backends[account_id][region_name]
            backend.stacks.pop(stack.stack_id, None)
            backend.deleted_stacks[stack.stack_id] = stack
            stack.status = "DELETE_COMPLETE"
            stack._add_stack_event("DELETE_COMPLETE")
            raise ValidationError(message=f"Embedded stack {stack.stack_id} was not successfully created: {reason}")
        return stack


def _cloudformation_runs_the_sam_transform() -> None:
    """CloudFormation expands ``Transform: AWS::Serverless-2016-10-31`` and refuses what it cannot create.

    In AWS the SAM transform runs inside CloudFormation, on every stack and nested
    stack; moto ignores ``Transform`` and would create nothing from a SAM template.
    Here CreateStack, UpdateStack and CreateChangeSet run aws-sam-translator
    first. moto also skips, with a mere warning, every resource type it has no
    model for, so a template would deploy with pieces silently missing: such a
    template is refused instead, naming each resource and its type.
    """
    from moto.cloudformation.models import CloudFormationBackend

    @_patch(CloudFormationBackend, "create_stack")
    def create_stack(original, backend, name, template, parameters, *args, **kwargs):
        return original(backend, name, _expanded(template, parameters, backend.region_name), parameters, *args, **kwargs)

    @_patch(CloudFormationBackend, "update_stack")
    def update_stack(original, backend, name, template, role_arn, parameters, tags):
        values = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters or [] if "ParameterValue" in p}
        return original(backend, name, _expanded(template, values, backend.region_name), role_arn, parameters, tags)

    @_patch(CloudFormationBackend, "create_change_set")
    def create_change_set(original, backend, stack_name, change_set_name, template, parameters, *args, **kwargs):
        return original(backend, stack_name, change_set_name,
                        _expanded(template, parameters, backend.region_name), parameters, *args, **kwargs)


def _expanded(template: str | None, parameters: dict | None, region: str) -> str | None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    if not template:
        return template
    document = Stack.parse_template(template)
    transforms = document.get("Transform") or []
    transforms = [transforms] if isinstance(transforms, str) else transforms
    if not transforms and not _unsupported_types(document):
        return template
    unknown = [name for name in transforms if name != SAM_TRANSFORM]
    if unknown:
        raise ValidationError(message=f"Transform {', '.join(unknown)} is not supported by the local cloud")
    if transforms:
        document = _sam_translate_cached(document, parameters or {}, region)
    unsupported = _unsupported_types(document)
    if unsupported:
        raise ValidationError(message="The local cloud cannot create " + "; ".join(
            f"{logical_id} ({kind}): neither moto nor imegha_local.providers models this type"
            for logical_id, kind in unsupported))
    return json.dumps(document)


def _unsupported_types(document: dict) -> list[tuple[str, str]]:
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    models = get_model_map()
    return [
        (logical_id, resource.get("Type"))
        for logical_id, resource in (document.get("Resources") or {}).items()
        if resource.get("Type") not in models and resource.get("Type") not in NULL_MODELS
        and not str(resource.get("Type")).startswith("Custom::")
    ]


def _sam_translate(document: dict, parameters: dict, region: str) -> dict:
    import boto3
    from moto.cloudformation.exceptions import ValidationError
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

    values = {key: value for key, value in parameters.items() if value is not None}
    to_py27_compatible_template(document, values)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=region))
    try:
        translated = translator.translate(document, parameter_values=values, get_managed_policy_map=_aws_managed_policies)
    except InvalidDocumentException as error:
        raise ValidationError(message=f"Transform {SAM_TRANSFORM} failed with: {error.message}") from None
    finally:
        translator.metrics.metrics_cache.clear()  # nothing to publish them to
    return undo_mark_unicode_str_in_template(translated)


def _sam_translate_cached(document: dict, parameters: dict, region: str) -> dict:
    """The SAM transform's output, remembered on disk: the same template, parameters, region and translator
    version always translate alike, and importing the translator alone costs a second at start."""
    from importlib.metadata import version

    values = {key: value for key, value in parameters.items() if value is not None}
    key = hashlib.sha256(json.dumps([document, values, region, version("aws-sam-translator")],
                                    sort_keys=True).encode()).hexdigest()
    cached = active().code_cache.parent / "transforms" / f"{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    translated = _sam_translate(document, parameters, region)
    cached.parent.mkdir(parents=True, exist_ok=True)
    staging = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}")
    staging.write_text(json.dumps(translated))
    staging.replace(cached)
    return translated


@functools.cache
def _aws_managed_policies() -> dict[str, str]:
    """AWS managed policy name -> ARN, for templates naming a policy by name (as SAM allows)."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return {
        name: f"arn:{PARTITION}:iam::aws:policy{policy.get('Path', '/')}{name}"
        for name, policy in json.loads(aws_managed_policies_data).items()
    }


def _cloudformation_reads_json_templates_as_json() -> None:
    """A JSON template is parsed as JSON.

    moto parses every template with PyYAML's pure-Python loader first (JSON is
    YAML), which takes a tenth of a second for a 50 KB template, on every
    CreateStack, nested stack and ``has_template`` check. Not a behaviour AWS
    documents; the local cloud's start and each test module's fresh cloud
    depend on it being quick.
    """
    from moto.cloudformation.models import Stack

    yaml_first = Stack.parse_template

    def parse_template(template: str) -> dict:
        if isinstance(template, str) and template.lstrip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                return json.loads(template)
        return yaml_first(template)

    Stack.parse_template = staticmethod(parse_template)


def _cloudformation_rolls_back_failed_stacks() -> None:
    """A stack whose resource fails to create is rolled back and says why.

    In AWS, CreateStack returns at once; a resource that fails is ``CREATE_FAILED``
    with its reason, the resources made so far are deleted and the stack ends in
    ``ROLLBACK_COMPLETE``. moto creates resources inside the CreateStack call and
    lets an exception escape as an internal error, leaving the half-built stack in
    ``CREATE_IN_PROGRESS`` for ever.
    """
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Event, Stack

    @_patch(parsing, "parse_and_create_resource")
    def create_resource(original, logical_id, resource_json, *args, **kwargs):
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            error.__dict__.setdefault("failed_resources", []).append((logical_id, resource_json.get("Type")))
            raise

    @_patch(Stack, "create_resources")
    def create_resources(original, stack):
        try:
            original(stack)
        except Exception as error:  # noqa: BLE001 - any failure is the resource's, reported as CloudFormation does
            logical_id, kind = (getattr(error, "failed_resources", None) or [(stack.name, "AWS::CloudFormation::Stack")])[-1]
            reason = str(getattr(error, "message", "") or error) or type(error).__name__
            stack.events.append(Event(stack.stack_id, stack.name, logical_id, "", kind, "CREATE_FAILED", reason, None))
            stack.status = "ROLLBACK_IN_PROGRESS"
            stack.stack_status_reason = f"The following resource(s) failed to create: [{logical_id}]. {reason}"
            try:
                stack.resource_map.delete()
                stack.status, cleanup = "ROLLBACK_COMPLETE", None
            except Exception as failure:  # noqa: BLE001 - what could not be deleted stays, as in AWS
                stack.status, cleanup = "ROLLBACK_FAILED", f"could not delete everything: {failure}"
            stack._add_stack_event(stack.status, resource_status_reason=cleanup)


def _stack_outputs_name_the_local_gateway() -> None:
    """Stack outputs that give an API's ``execute-api`` URL give the local gateway's URL for it.

    Templates build their API's URL from the API id and the region
    (``https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}``); no DNS
    resolves that name locally, so whoever reads the outputs (the CLI, the deploy
    state machine) gets the address where the local gateway serves that stage.
    """
    from moto.cloudformation.models import Stack

    original = Stack.outputs.fget

    def outputs(stack: Stack) -> list[dict] | None:
        if _hooks is not None and stack.status.startswith("ROLLBACK"):
            return None  # nothing to resolve them from (moto would try to create the missing resources)
        listed = original(stack)
        if not listed or _hooks is None:
            return listed
        return [{**output, "OutputValue": local_url(str(output["OutputValue"]))} for output in listed]

    Stack.outputs = property(outputs)


def local_url(value: str) -> str:
    """``value`` with each AWS invoke URL of a locally served API replaced by the local gateway's."""
    for aws_url, local in sorted(active().api_urls.items(), key=lambda item: -len(item[0])):
        value = value.replace(aws_url, local)
    return value


# --- IAM and STS ---------------------------------------------------------------


@dataclass(frozen=True)
class _Principal:
    """Who asks to assume a role: an AWS identity (account and ARN) or a service."""

    account: str | None = None
    arn: str | None = None
    role_arn: str | None = None  # for an assumed-role session: the role behind it
    service_name: str | None = None

    @classmethod
    def service(cls, name: str) -> _Principal:
        return cls(service_name=name)

    @property
    def described(self) -> str:
        return self.arn or self.service_name or "anonymous"


def _bucket_policies_apply_the_statements_whose_conditions_hold() -> None:
    """A bucket policy statement applies only when its conditions hold, so a TLS-only Deny denies plain HTTP alone.

    moto ignores a statement's condition keys and treats the statement as failing
    its conditions, which it reads as DENIED whatever the statement's effect: the
    usual ``Deny`` unless ``aws:SecureTransport`` (every iMegha bucket has it)
    denies every object request, and a conditional ``Allow`` denies too. Here a
    statement whose conditions hold applies with its own effect, one whose
    conditions do not hold is left out, as in AWS. The local endpoint is plain
    HTTP standing in for AWS's HTTPS endpoints, so ``aws:SecureTransport`` is
    true; a condition on any key the bucket cannot know here (the caller's
    principal, for one) is unmet, so such a statement neither allows nor denies.
    """
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    context = {"aws:securetransport": "true"}

    @_patch(FakeBucket, "get_permission")
    def get_permission(original, bucket, action, resource):
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(bucket.policy)["Statement"]
        applying = [statement for statement in statements if isinstance(statement, dict)
                    and statement.get("Principal") in ("*", {"AWS": "*"})
                    and _matches_action(statement.get("Action"), action)
                    and _matches_resource(statement.get("Resource"), resource)
                    and not _unmet_condition(statement.get("Condition") or {}, context)]
        if any(statement.get("Effect") == "Deny" for statement in applying):
            return PermissionResult.DENIED
        return PermissionResult.PERMITTED if applying else PermissionResult.NEUTRAL


def _s3_honours_presigned_urls_as_signed() -> None:
    """A presigned S3 URL does what it was signed for, until it expires, and nothing else.

    moto serves a presigned URL without checking its signature or its expiry,
    so a URL made for one object fetches any other, and never lapses. Here an
    object request carrying a SigV4 query signature (``X-Amz-Signature``, what
    boto3 presigns with ``s3v4``, as every iMegha Lambda does) is checked as S3
    checks it: the signer's secret from its access key (an IAM user's, or an STS
    session's with its token), the canonical request over the method, the path,
    every other query parameter and the signed headers, with the payload
    unsigned; then ``X-Amz-Date`` plus ``X-Amz-Expires`` against the clock. A
    mismatch is a 403 ``SignatureDoesNotMatch``, a lapsed URL a 403
    ``AccessDenied`` ("Request has expired"). Requests signed in their
    ``Authorization`` header (SDK calls) are left as moto handles them.

    moto also finds a request's account from its access key in the
    ``Authorization`` header or the SigV2 ``AWSAccessKeyId`` parameter only, so a
    SigV4-presigned request landed in moto's default account, where the bucket
    is not; here its ``X-Amz-Credential`` names the key, as in AWS.
    """
    from moto.core.responses import BaseResponse
    from moto.s3.responses import S3Response

    @_patch(BaseResponse, "get_access_key")
    def get_access_key(original, response):
        credential = (response.querystring.get("X-Amz-Credential") or [""])[0]
        if "Authorization" not in response.headers and credential:
            return credential.split("/")[0]
        return original(response)

    @_patch(S3Response, "_key_response")
    def key_response(original, response, request, full_url):
        refusal = _presigned_refusal(response.current_account, request.method, full_url, request.headers)
        if refusal:
            code, message = refusal
            body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
            return 403, {"Content-Type": "application/xml"}, body
        return original(response, request, full_url)


def _presigned_refusal(account_id: str, method: str, url: str, headers: Any) -> tuple[str, str] | None:
    """Why S3 would refuse this SigV4-presigned request, or None (also for a request not presigned with SigV4)."""
    import hmac
    from urllib.parse import parse_qsl, quote, unquote, urlsplit

    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query)
    if "X-Amz-Signature" not in given:
        return None
    try:
        access_key_id, date, region, service, _ = given["X-Amz-Credential"].split("/")
        signed_at = dt.datetime.strptime(given["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        lifetime = int(given["X-Amz-Expires"])
        signed_headers = given["X-Amz-SignedHeaders"].split(";")
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError", "Query-string authentication requires X-Amz-Credential, X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders"
    token = given.get("X-Amz-Security-Token")
    try:
        credentials = create_access_key(account_id, PARTITION, access_key_id,
                                        {"X-Amz-Security-Token": token} if token else {}).create_credentials()
    except CreateAccessKeyFailure:
        return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."

    def encoded(text: str) -> str:
        return quote(text, safe="-_.~")

    canonical_query = "&".join(f"{encoded(name)}={encoded(value)}" for name, value in
                               sorted((name, value) for name, value in query if name != "X-Amz-Signature"))
    lowered = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{' '.join(str(lowered.get(name, '')).split())}\n" for name in signed_headers)
    canonical_request = "\n".join([method, quote(unquote(parts.path), safe="/~"), canonical_query, canonical_headers,
                                   ";".join(signed_headers), "UNSIGNED-PAYLOAD"])
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", given["X-Amz-Date"], scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = f"AWS4{credentials.secret_key}".encode()
    for step in (date, region, service, "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given["X-Amz-Signature"]):
        return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
    if _now() > signed_at + dt.timedelta(seconds=lifetime):
        return "AccessDenied", "Request has expired"
    return None


def _matches_resource(resources: Any, resource: str) -> bool:
    resources = [resources] if isinstance(resources, str) else resources or []
    return any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)


def _assume_role_honours_trust_policies() -> None:
    """AssumeRole is allowed only by the role's trust policy, ``sts:ExternalId`` conditions included.

    moto lets any caller assume any role, even one that does not exist, so the
    confused-deputy defence of cross-account deployment (the role trusts the
    platform account only with ``sts:ExternalId = imegha-{uuid}``) would pass with
    a wrong or missing ExternalId. Here the role must exist and an ``Allow``
    statement for ``sts:AssumeRole`` must name the caller (its account, user, role
    or ``*``) with every condition met, and no ``Deny`` may match; otherwise the
    call fails with ``AccessDenied``, as in AWS. Conditions on keys or with
    operators it does not know count as unmet: the local cloud refuses rather
    than guesses.
    """
    from moto.sts.exceptions import STSClientError
    from moto.sts.responses import TokenResponse

    @_patch(TokenResponse, "assume_role")
    def assume_role(original, response):
        role_arn = response._get_param("RoleArn")
        caller = _caller(response.get_access_key())
        refusal = _trust_refusal(role_arn, caller, response._get_param("ExternalId"))
        if refusal:
            raise STSClientError(
                "AccessDenied",
                f"User: {caller.described} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
                f" ({refusal})",
            )
        return original(response)


def _caller(access_key: str) -> _Principal:
    from moto.iam.models import get_account_id_from, iam_backends
    from moto.sts.models import sts_backends

    account = get_account_id_from(access_key)
    session = sts_backends[account][PARTITION].get_assumed_role_from_access_key(access_key)
    if session:
        return _Principal(account, session.arn, session.role_arn)
    user = iam_backends[account][PARTITION].get_user_from_access_key_id(access_key)
    return _Principal(account, user.arn if user else f"arn:{PARTITION}:iam::{account}:root")


def _trust_refusal(role_arn: str, principal: _Principal, external_id: str | None = None) -> str | None:
    """Why the role's trust policy refuses ``principal``, or None when it allows it."""
    from moto.iam.models import iam_backends

    match = re.fullmatch(rf"arn:{PARTITION}:iam::(\d{{12}}):role/.+", role_arn or "")
    if not match:
        return f"{role_arn!r} is not a role ARN"
    try:
        role = iam_backends[match.group(1)][PARTITION].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types
        return "the role does not exist"
    policy = role.assume_role_policy_document
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document.get("Statement", [])
    context = {
        "sts:externalid": external_id,
        "aws:principalaccount": principal.account,
        "aws:principalarn": principal.arn,
    }
    refusal = "no statement of the trust policy allows the caller"
    allowed = False
    for statement in statements if isinstance(statements, list) else [statements]:
        if not _matches_action(statement.get("Action"), "sts:AssumeRole"):
            continue
        if "NotPrincipal" in statement or not _names_principal(statement.get("Principal"), principal):
            continue
        unmet = _unmet_condition(statement.get("Condition") or {}, context)
        if unmet:
            refusal = unmet
            continue
        if statement.get("Effect") == "Deny":
            return "an explicit Deny in the trust policy"
        allowed = True
    return None if allowed else refusal


def _matches_action(actions: Any, action: str) -> bool:
    actions = [actions] if isinstance(actions, str) else actions or []
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)


def _names_principal(principals: Any, principal: _Principal) -> bool:
    if principals == "*":
        return True
    for kind, values in (principals or {}).items():
        for value in [values] if isinstance(values, str) else values:
            if kind == "Service" and value == principal.service_name:
                return True
            if kind == "AWS" and principal.account and _names_aws_identity(value, principal):
                return True
    return False


def _names_aws_identity(value: str, principal: _Principal) -> bool:
    if value == "*":
        return True
    if value in (principal.account, f"arn:{PARTITION}:iam::{principal.account}:root"):
        return True
    return value in (principal.arn, principal.role_arn)


_STRING_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "Bool": lambda actual, expected: actual.lower() == str(expected).lower(),
    "StringEquals": lambda actual, expected: actual == expected,
    "StringNotEquals": lambda actual, expected: actual != expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "StringNotLike": lambda actual, expected: not fnmatch.fnmatchcase(actual, expected),
}


def _unmet_condition(conditions: dict, context: dict[str, str | None]) -> str | None:
    """The first condition of a statement that does not hold, described; None when all hold."""
    for operator, tests in conditions.items():
        base = operator.removesuffix("IfExists")
        if base not in _STRING_OPERATORS:
            return f"condition operator {operator} is not evaluated by the local cloud"
        for key, expected in tests.items():
            if key.lower() not in context:
                return f"condition key {key} is not evaluated by the local cloud"
            actual = context[key.lower()]
            if actual is None:
                if operator.endswith("IfExists") or base.startswith("StringNot"):
                    continue
                return f"the request has no {key}"
            expected_values = [expected] if isinstance(expected, str) else expected
            negated = base.startswith("StringNot")
            check = _STRING_OPERATORS[base]
            holds = all(check(actual, value) for value in expected_values) if negated else any(
                check(actual, value) for value in expected_values)
            if not holds:
                return f"{key} does not satisfy {operator}"
    return None


_credentials_cache: dict[tuple[str, str], dict[str, str]] = {}
_credentials_lock = threading.Lock()


def service_credentials(role_arn: str, service: str, session_name: str) -> dict[str, str]:
    """Credentials of ``role_arn`` as ``service`` assumes it for its work (a function's, a state machine's).

    The role's trust policy must allow the service, as AWS checks; sessions are
    reused until a quarter of an hour before they lapse.
    """
    from moto.sts.models import sts_backends

    key = (role_arn, service)
    with _credentials_lock:
        cached = _credentials_cache.get(key)
        if cached and dt.datetime.fromisoformat(cached["AWS_CREDENTIAL_EXPIRATION"]) > _now() + dt.timedelta(minutes=15):
            return cached
    refusal = _trust_refusal(role_arn, _Principal.service(service))
    if refusal:
        raise PermissionError(f"{service} cannot assume {role_arn}: {refusal}")
    account = role_arn.split(":")[4]
    session = sts_backends[account][PARTITION].assume_role(
        region_name="us-east-1", role_session_name=session_name[:64], role_arn=role_arn,
        policy=None, duration=SESSION_SECONDS, external_id=None,
    )
    credentials = {
        "AWS_ACCESS_KEY_ID": session.access_key_id,
        "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
        "AWS_SESSION_TOKEN": session.session_token,
        "AWS_CREDENTIAL_EXPIRATION": session.expiration.replace(tzinfo=dt.UTC).isoformat(),
    }
    with _credentials_lock:
        _credentials_cache[key] = credentials
    return credentials


def forget_credentials() -> None:
    """Drop cached sessions (after moto's state is reset, they name nothing)."""
    with _credentials_lock:
        _credentials_cache.clear()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Step Functions ------------------------------------------------------------


def _step_functions_tasks_use_their_role() -> None:
    """A state machine's tasks call AWS as its execution role, in its account, or as the task's ``Credentials`` role.

    moto's interpreter makes every task's AWS call with the fixed keys
    ``ak``/``sk`` against ``localhost:$MOTO_PORT``: the calls land in moto's default
    account whatever account the state machine lives in, and a task's
    ``Credentials.RoleArn`` (cross-account tasks) is ignored. Here a task runs with
    the execution role's session, which ``states.amazonaws.com`` must be trusted
    to assume; with ``Credentials``, that session then assumes the named role
    through STS, so the target role's trust policy decides, as in AWS.
    """
    import importlib
    import pkgutil

    import moto.stepfunctions.parser as parser
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
    from moto.stepfunctions.parser.asl.utils import boto_client

    @dataclass
    class TaskCredentials(StateCredentials):
        execution_role_arn: str = ""

    @_patch(StateTask, "_eval_state_credentials")
    def eval_state_credentials(original, task, env):
        credentials = original(task, env)
        return TaskCredentials(role_arn=credentials.role_arn, execution_role_arn=env.aws_execution_details.role_arn)

    # The interpreter's modules import the client factory by name: replace it in each.
    for module_info in pkgutil.walk_packages(parser.__path__, parser.__name__ + "."):
        if module_info.name.startswith(f"{parser.__name__}.asl.component"):
            importlib.import_module(module_info.name)
    global _moto_task_client
    _moto_task_client = boto_client.boto_client_for
    for module in list(_modules_under(parser.__name__)):
        if getattr(module, "boto_client_for", None) is _moto_task_client:
            module.boto_client_for = _task_client


def _step_functions_sdk_tasks_name_eventbridge_as_aws_does() -> None:
    """``arn:aws:states:::aws-sdk:eventbridge:<action>`` calls EventBridge, and its errors are ``EventBridge.*``.

    Step Functions names the service ``eventbridge`` in SDK integrations, while
    boto3 calls it ``events``: moto's interpreter looks the name up in boto3 as it
    is and fails the task with an unknown service. A state that catches
    ``EventBridge.ResourceNotFoundException`` (as AWS names it) must see that name.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES["eventbridge"] = "events"
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES["eventbridge"] = "EventBridge"


def _modules_under(prefix: str):
    import sys

    return (module for name, module in list(sys.modules.items()) if name.startswith(prefix) and module)


_moto_task_client: Callable | None = None
_task_sessions: dict[str, Any] = {}
_task_lock = threading.Lock()


def _task_client(region: str, service: str, state_credentials: Any = None):
    import boto3
    from botocore.config import Config

    if _hooks is None:
        return _moto_task_client(region=region, service=service, state_credentials=state_credentials)
    hooks = _hooks
    role_arn = getattr(state_credentials, "role_arn", None)
    execution_role = getattr(state_credentials, "execution_role_arn", None) or role_arn
    if not execution_role:
        raise PermissionError("the state machine has no execution role")
    credentials = service_credentials(execution_role, "states.amazonaws.com", "states-task")
    config = Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1},
                    user_agent_extra=f"{SOURCE_USER_AGENT}/states")
    with _task_lock:
        session = _task_sessions.setdefault("session", boto3.Session())
    if role_arn and role_arn != execution_role:
        sts = session.client("sts", region_name=region, endpoint_url=hooks.endpoint_url, config=config,
                             **_client_keys(credentials))
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName="states-task", DurationSeconds=SESSION_SECONDS)
        credentials = {
            "AWS_ACCESS_KEY_ID": assumed["Credentials"]["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": assumed["Credentials"]["SecretAccessKey"],
            "AWS_SESSION_TOKEN": assumed["Credentials"]["SessionToken"],
        }
    return session.client(service, region_name=region, endpoint_url=hooks.endpoint_url, config=config,
                          **_client_keys(credentials))


def _client_keys(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": credentials["AWS_SESSION_TOKEN"],
    }


# --- SNS -----------------------------------------------------------------------

# Which key of a JSON message structure each kind of platform application reads, as SNS documents it.
_PLATFORM_MESSAGE_KEYS = {"APNS": "APNS", "APNS_SANDBOX": "APNS_SANDBOX", "GCM": "GCM"}


def _sns_delivers_to_subscribed_mobile_endpoints() -> None:
    """A topic delivers to the mobile endpoints subscribed to it (protocol ``application``).

    moto accepts such subscriptions but delivers nothing to them. As AWS
    documents it, the subscription's filter policy applies as for any protocol,
    and with ``MessageStructure: json`` the endpoint gets the value under its
    platform's key (``APNS``, ``APNS_SANDBOX``, ``GCM``), else ``default``; a
    disabled endpoint gets nothing. What an endpoint received is kept where
    moto keeps what is published to an endpoint directly (``messages``), the
    local stand-in for the phone.
    """
    from moto.sns.models import Subscription, sns_backends

    @_patch(Subscription, "publish")
    def publish(original, subscription, message, message_id, subject=None, message_attributes=None, group_id=None,
                deduplication_id=None, message_structure=None) -> None:
        if subscription.protocol != "application":
            return original(subscription, message, message_id, subject, message_attributes, group_id,
                            deduplication_id, message_structure)
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return None
        region = subscription.endpoint.split(":")[3]
        endpoint = sns_backends[subscription.account_id][region].platform_endpoints.get(subscription.endpoint)
        if endpoint is None or not endpoint.enabled:
            return None
        if message_structure == "json":
            structured = json.loads(message)
            message = structured.get(_PLATFORM_MESSAGE_KEYS.get(endpoint.application.platform, ""),
                                     structured["default"])
        endpoint.messages[message_id] = message
        return None


# --- Cognito -------------------------------------------------------------------


def _cognito_invokes_lambda_triggers() -> None:
    """A user pool's PreSignUp and PostConfirmation triggers run, and a failing trigger fails the call.

    moto stores a pool's ``LambdaConfig`` but never invokes it. As in AWS:
    SignUp and AdminCreateUser invoke PreSignUp, and if it raises, the call fails
    with ``UserLambdaValidationException: PreSignUp failed with error <message>.``
    and no user is created; its ``autoConfirmUser``/``autoVerifyEmail`` answers are
    honoured. ConfirmSignUp, AdminConfirmSignUp and ConfirmForgotPassword invoke
    PostConfirmation (the user stays confirmed if it fails, as in AWS, but the
    caller gets the error).
    """
    from moto.cognitoidp.models import CognitoIdpBackend, UserStatus

    @_patch(CognitoIdpBackend, "sign_up")
    def sign_up(original, backend, client_id, username, password, attributes):
        user, details = original(backend, client_id, username, password, attributes)
        _pre_sign_up(backend, _pool_of_client(backend, client_id), user, "PreSignUp_SignUp", client_id, UserStatus)
        return user, details

    @_patch(CognitoIdpBackend, "admin_create_user")
    def admin_create_user(original, backend, user_pool_id, *args, **kwargs):
        user = original(backend, user_pool_id, *args, **kwargs)
        pool = backend.describe_user_pool(user_pool_id)
        _pre_sign_up(backend, pool, user, "PreSignUp_AdminCreateUser", None, UserStatus)
        return user

    @_patch(CognitoIdpBackend, "confirm_sign_up")
    def confirm_sign_up(original, backend, client_id, username):
        result = original(backend, client_id, username)
        pool = _pool_of_client(backend, client_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmSignUp", client_id)
        return result

    @_patch(CognitoIdpBackend, "admin_confirm_sign_up")
    def admin_confirm_sign_up(original, backend, user_pool_id, username):
        result = original(backend, user_pool_id, username)
        pool = backend.describe_user_pool(user_pool_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmSignUp", None)
        return result

    @_patch(CognitoIdpBackend, "confirm_forgot_password")
    def confirm_forgot_password(original, backend, client_id, username, *args, **kwargs):
        result = original(backend, client_id, username, *args, **kwargs)
        pool = _pool_of_client(backend, client_id)
        _post_confirmation(pool, pool._get_user(username), "PostConfirmation_ConfirmForgotPassword", client_id)
        return result


def _cognito_resends_confirmation_codes() -> None:
    """ResendConfirmationCode sends a new code to a user whose sign-up is not confirmed yet.

    moto does not implement the action. As AWS documents it, the response says
    where the code went (``CodeDeliveryDetails``: the masked email, ``EMAIL``,
    ``email``); a user already confirmed gets ``InvalidParameterException: User is
    already confirmed.``; a user that does not exist gets ``UserNotFoundException``,
    unless the app client prevents user existence errors
    (``PreventUserExistenceErrors: ENABLED``), when the answer looks like any
    delivery. The local cloud emails nothing, and its ConfirmSignUp accepts any
    code, so the new code is never needed.
    """
    from moto.cognitoidp.exceptions import InvalidParameterException, UserNotFoundError
    from moto.cognitoidp.models import UserStatus

    def resend_confirmation_code(client_id: str, pool, response) -> dict:
        username = response._get_param("Username")
        user = pool._get_user(username)
        if user is None:
            if pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") != "ENABLED":
                raise UserNotFoundError("Username/client id combination not found.")
            return {"CodeDeliveryDetails": _email_delivery(username)}
        if user.status is not UserStatus.UNCONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        return {"CodeDeliveryDetails": _email_delivery(user.attribute_lookup.get("email", username))}

    _add_public_cognito_action("resend_confirmation_code", resend_confirmation_code)


def _cognito_revokes_refresh_tokens() -> None:
    """RevokeToken revokes one refresh token: it renews nothing after, and the user's other sessions go on.

    moto does not implement the action (it has GlobalSignOut, which ends every
    session of the user). As AWS documents it, the token is revoked for the app
    client given; REFRESH_TOKEN_AUTH with it then fails with
    ``NotAuthorizedException: Refresh Token has been revoked``. ID and access
    tokens already issued stay valid to anything that checks only their
    signature and expiry (API Gateway's Cognito authorizer among them) until
    they lapse.
    """

    def revoke_token(client_id: str, pool, response) -> dict:
        token = response._get_param("Token")
        issued = pool.refresh_tokens.get(token)
        if issued is not None and issued[0] == client_id:
            pool.refresh_tokens[token] = None
        return {}

    _add_public_cognito_action("revoke_token", revoke_token)


def _cognito_hides_whether_a_user_exists() -> None:
    """Signing in as nobody, through an app client that prevents user existence errors, fails as a wrong password does.

    moto answers ``UserNotFoundException`` whatever the app client says. As AWS
    documents it, a client with ``PreventUserExistenceErrors: ENABLED`` answers
    ``NotAuthorizedException: Incorrect username or password.`` for a user that
    does not exist, so a sign-in form cannot be used to learn who has an account.
    """
    from moto.cognitoidp.exceptions import NotAuthorizedError, UserNotFoundError
    from moto.cognitoidp.models import CognitoIdpBackend

    @_patch(CognitoIdpBackend, "initiate_auth")
    def initiate_auth(original, backend, client_id, auth_flow, auth_parameters):
        try:
            return original(backend, client_id, auth_flow, auth_parameters)
        except UserNotFoundError:
            pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
            if pool is not None and pool.clients[client_id].extended_config.get("PreventUserExistenceErrors") == "ENABLED":
                raise NotAuthorizedError("Incorrect username or password.") from None
            raise


def _add_public_cognito_action(name: str, answer: Callable[[str, Any, Any], dict]) -> None:
    """Give moto's Cognito the app-client action ``name`` (snake case) it lacks, while a local cloud is active:
    ``answer(client id, its user pool, the response object)`` makes the result."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import ActionResult

    def action(response) -> ActionResult:
        if _hooks is None:  # what moto answers by itself
            raise NotImplementedError(f"The {name} action has not been implemented")
        client_id = response._get_param("ClientId")
        backend = response._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
        if pool is None:
            raise ResourceNotFoundError(client_id)
        return ActionResult(answer(client_id, pool, response))

    setattr(CognitoIdpResponse, name, action)


def _email_delivery(email: str) -> dict[str, str]:
    """Where Cognito says it sent a code: the address masked to its first letters, as AWS shows it."""
    local, _, domain = email.partition("@")
    return {"Destination": f"{local[:1]}***@{domain[:1]}***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _pool_of_client(backend, client_id: str):
    return next(pool for pool in backend.user_pools.values() if client_id in pool.clients)


def _pre_sign_up(backend, pool, user, trigger_source: str, client_id: str | None, statuses) -> None:
    try:
        response = _run_trigger(pool, "PreSignUp", trigger_source, user, client_id,
                                # What the caller supplied: the sub does not exist yet in AWS at this point.
                                {"userAttributes": {name: value for name, value in user.attribute_lookup.items()
                                                    if name != "sub"}, "validationData": None},
                                {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False})
    except Exception:
        pool.users.pop(user.username, None)
        raise
    if response.get("autoConfirmUser"):
        user.status = statuses.CONFIRMED
    for attribute in ("email", "phone_number"):
        if response.get(f"autoVerify{'Email' if attribute == 'email' else 'Phone'}"):
            user.update_attributes([{"Name": f"{attribute}_verified", "Value": "true"}])


def _post_confirmation(pool, user, trigger_source: str, client_id: str | None) -> None:
    attributes = {**user.attribute_lookup, "cognito:user_status": "CONFIRMED"}
    _run_trigger(pool, "PostConfirmation", trigger_source, user, client_id, {"userAttributes": attributes}, {})


def _run_trigger(pool, trigger: str, trigger_source: str, user, client_id: str | None,
                 request: dict, response: dict) -> dict:
    from moto.awslambda.utils import get_backend
    from moto.core.exceptions import JsonRESTError

    arn = (pool.extended_config.get("LambdaConfig") or {}).get(trigger)
    if not arn:
        return response
    event = {
        "version": "1",
        "region": pool.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                          "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
        "triggerSource": trigger_source,
        "request": request,
        "response": response,
    }
    _, _, _, region, account, *_ = arn.split(":")
    headers: dict[str, str] = {}
    with invoked_by("cognito-idp"):
        payload = get_backend(account, region).invoke(
            function_name=arn, qualifier=None, body=json.dumps(event), headers={}, response_headers=headers,
        )
    result = json.loads(payload) if payload else {}
    if "x-amz-function-error" in headers:
        message = result.get("errorMessage", "") if isinstance(result, dict) else str(result)
        raise JsonRESTError("UserLambdaValidationException", f"{trigger} failed with error {message}.")
    return (result or {}).get("response") or {}
