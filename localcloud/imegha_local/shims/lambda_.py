"""Lambda: functions run their handler in the local runtime, with their layers, role and dead-letter queue.

moto runs a function in a Docker container (or, without Docker, runs nothing
and answers a canned string), drops a template's ``Layers`` and keeps no
``DeadLetterConfig``. Here, as in AWS, every invocation runs the function's own
code, whoever invokes it, as its role; ``Event`` invocations run in the
background and, failing, are retried twice and then dead-lettered; and the log
of invocations names which service invoked each (:func:`invoked_by`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from imegha_local.runtime import FunctionSpec
from imegha_local.shims.cloudformation import local_url
from imegha_local.shims.core import PARTITION, LocalCloudUnsupported, active, patch
from imegha_local.shims.policies import Principal, trust_refusal
from imegha_local.shims.sts import service_credentials

# Marks requests the local cloud makes on a service's behalf, so that the Lambda
# log can say which service invoked a function (see ``_source_of``).
SOURCE_USER_AGENT = "imegha-source"


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
    background, ``CreateFunction`` refuses a role that Lambda cannot assume, and a
    throttled invocation (an injected fault) is Invoke's 429.
    """
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.core.exceptions import JsonRESTError

    class TooManyRequestsException(JsonRESTError):
        code = 429  # what Invoke answers for a throttled invocation (an injected fault)

    @patch(LambdaBackend, "create_function")
    def create_function(original, backend, spec):
        function = original(backend, spec)
        if trust_refusal(function.role, Principal.service("lambda.amazonaws.com")):
            backend.delete_function(function.function_name)
            raise InvalidParameterValueException("The role defined for the function cannot be assumed by Lambda.")
        _register(function)
        return function

    for method in ("update_configuration", "update_function_code"):

        @patch(LambdaFunction, method)
        def updated(original, function, *args, **kwargs):
            result = original(function, *args, **kwargs)
            _register(function)
            return result

    @patch(LambdaFunction, "invoke")
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
        if result.throttled:
            raise TooManyRequestsException("TooManyRequestsException", result.payload["errorMessage"])
        if result.error:
            response_headers["x-amz-function-error"] = result.error
        return json.dumps(result.payload).encode()

    # The in-process callers, so that the invocation log names them.
    for method, source in (
        ("send_sqs_batch", "sqs"),
        ("send_sns_message", "sns"),
        ("send_dynamodb_items", "dynamodb"),
        ("send_kinesis_message", "kinesis"),
    ):

        @patch(LambdaBackend, method)
        def labelled(original, *args, _source=source, **kwargs):
            with invoked_by(_source):
                return original(*args, **kwargs)


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
        layer_dirs += [
            path for path in (root / "python", root / "python/lib/python3.12/site-packages") if path.is_dir()
        ]
    active().runtime.register(
        FunctionSpec(
            arn=_unqualified_arn(function),
            name=function.function_name,
            account_id=function.account_id,
            region=function.region,
            code_dir=_unpacked(function.code_bytes),
            handler=function.handler,
            # An API's execute-api URL (a platform endpoint a function calls) names the local gateway, as outputs do.
            environment={name: local_url(str(value)) for name, value in function.environment_vars.items()},
            layer_dirs=tuple(layer_dirs),
            timeout_s=int(function.timeout),
            memory_mb=int(function.memory_size),
            credentials=functools.partial(
                service_credentials, function.role, "lambda.amazonaws.com", function.function_name
            ),
        )
    )


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


def _lambda_reads_code_only_from_its_own_region() -> None:
    """A function's or a layer's code is read from an S3 bucket in its own region, or not at all.

    AWS refuses CreateFunction, PublishLayerVersion (and CloudFormation's functions and layers) whose code is in a
    bucket of another region ("S3 Error Code: PermanentRedirect"); moto reads any bucket (its source says it "does
    not validate bucket region"). It is why the platform publishes each release of the user cloud to a bucket in
    every region users' clouds may stand in.
    """
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.awslambda.models import LambdaFunction, LayerVersion
    from moto.s3.models import s3_backends

    def refuse_another_regions(code: dict[str, Any], region: str) -> None:
        owner = s3_backends.bucket_accounts.get(code.get("S3Bucket", ""))
        bucket = s3_backends[owner[1]][owner[0]].buckets.get(code["S3Bucket"]) if owner else None
        if bucket is not None and bucket.region_name != region:
            raise InvalidParameterValueException(
                "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is "
                f"in this region: {bucket.region_name}. Please use this region to retry the request"
            )

    @patch(LambdaFunction, "__init__")
    def function_made(original, function, account_id, spec, region, *args, **kwargs):
        refuse_another_regions(spec.get("Code") or {}, region)
        original(function, account_id, spec, region, *args, **kwargs)

    @patch(LayerVersion, "__init__")
    def layer_made(original, layer, spec, account_id, region):
        refuse_another_regions(spec.get("Content") or {}, region)
        original(layer, spec, account_id, region)


def _cloudformation_keeps_lambda_layers() -> None:
    """CloudFormation gives a function its ``Layers``, and a layer version its ``LayerName``.

    moto's CloudFormation model of ``AWS::Lambda::Function`` passes only a few
    properties on to CreateFunction and drops ``Layers`` (and ``Architectures``),
    so a function deployed from a template would run without its layers; its
    ``AWS::Lambda::LayerVersion`` ignores ``LayerName``.
    """
    from moto.awslambda.models import LambdaFunction, LayerVersion

    @patch(LambdaFunction, "create_from_cloudformation_json")
    def create_function(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        function = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json["Properties"]
        if properties.get("Layers") or properties.get("Architectures"):
            function.layers = function._get_layers_data(properties.get("Layers", []))
            function.architectures = properties.get("Architectures", function.architectures)
            _register(function)
        return function

    @patch(LayerVersion, "create_from_cloudformation_json")
    def create_layer(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json["Properties"].get("LayerName", resource_name)
        return original(name, cloudformation_json, account_id, region_name, **kwargs)


# Lambda's default MaximumRetryAttempts for an asynchronous invocation, and how long it waits before each retry
# (a minute, then two, in AWS; a second, then two, here).
ASYNC_RETRIES = 2
RETRY_DELAYS_S = (1.0, 2.0)
# A throttled asynchronous invocation is kept and tried again (AWS: for up to six hours), not counted as a retry.
THROTTLE_DELAY_S = 0.2
MAX_THROTTLED = 20


def _failed_asynchronous_invocations_go_to_the_dead_letter_queue() -> None:
    """An ``Event`` invocation that fails is retried twice, then sent to the function's dead-letter queue.

    As Lambda does for asynchronous invocations (EventBridge and SNS targets,
    ``InvocationType=Event``): a handler error or timeout is retried twice
    (Lambda waits a minute, then two; here a second, then two), then the event
    goes to the SQS queue or SNS topic of the function's ``DeadLetterConfig``,
    with the ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes Lambda
    gives it; a throttled one is tried again without counting. moto does
    neither, and keeps no ``DeadLetterConfig`` (neither CreateFunction nor its
    CloudFormation model stores it).
    """
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    @patch(LambdaBackend, "create_function")
    def create_function(original, backend, spec):
        function = original(backend, spec)
        function.dead_letter_config = spec.get("DeadLetterConfig") or {}
        return function

    @patch(LambdaFunction, "create_from_cloudformation_json")
    def create_from_template(original, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        function = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        function.dead_letter_config = cloudformation_json["Properties"].get("DeadLetterConfig") or {}
        return function


def _invoke_asynchronously(function, arn: str, event: Any, source: str) -> None:
    hooks = active()
    throttled = 0
    for delay in (0.0, *RETRY_DELAYS_S[:ASYNC_RETRIES]):
        time.sleep(delay)
        result = hooks.runtime.invoke(arn, event, source=source)
        while result.throttled and throttled < MAX_THROTTLED:
            throttled += 1
            time.sleep(THROTTLE_DELAY_S * throttled)
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
            name,
            body,
            message_attributes={key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()},
        )
    elif service == "sns":
        sns_backends[account][region].publish(
            message=body,
            arn=target,
            message_attributes={key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()},
        )
