"""Inside one Lambda execution environment: the loop a runtime worker process runs.

A worker is forked from the zygote (:mod:`imegha_local.zygote`) with the heavy
libraries already imported. It takes on the function's environment (variables, working directory,
import path), imports the handler once (Lambda's init phase), then answers
invocations one at a time until the runtime closes the pipe. Nothing here runs in
the runtime's own process except :func:`append_line`.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from imegha_local.functions import handler_module

# The services the templates' functions call. Their models are parsed once in the
# zygote, so a function's first boto3 client costs milliseconds, not a few
# hundred of them spent reading JSON.
AWS_SERVICES = ("s3", "dynamodb", "sts", "events", "sns", "sqs", "stepfunctions", "cognito-idp", "lambda", "kms")


@dataclass(frozen=True)
class Environment:
    """What a worker needs to become one function's execution environment."""

    function_name: str
    function_arn: str
    account_id: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    variables: dict[str, str]
    memory_mb: int
    log_path: Path


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event_json: str
    timeout_ms: int


class LambdaContext:
    """The context object the Python runtime passes to a handler (the attributes Powertools reads, and the clock)."""

    function_version = "$LATEST"
    identity = None
    client_context = None

    def __init__(self, environment: Environment, invocation: Invocation):
        self.function_name = environment.function_name
        self.memory_limit_in_mb = environment.memory_mb
        self.invoked_function_arn = environment.function_arn
        self.aws_request_id = invocation.request_id
        self.log_group_name = f"/aws/lambda/{environment.function_name}"
        self.log_stream_name = f"local/{os.getpid()}"
        self._deadline = time.monotonic() + invocation.timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def append_line(fd: int, record: dict) -> None:
    """Append one JSON line in a single write, so that lines from several processes never interleave."""
    os.write(fd, (json.dumps({"time": _now(), **record}, default=str) + "\n").encode())


def serve(connection: Connection, environment: Environment, echo_fd: int | None) -> None:
    """The worker's entry point: become the function, report init, then invoke until told to stop.

    The function's output goes to the log, and is copied to ``echo_fd`` (the
    runtime's stderr, when verbose) as it comes.
    """
    output = _FunctionOutput(environment, echo_fd)
    _become(environment)
    try:
        handler = _import_handler(environment)
    except Exception as error:  # noqa: BLE001 - any init failure is reported as Lambda reports it
        traceback.print_exc()
        output.flush()
        connection.send(("init_error", _error_document(error, _init_error_type(error), error.__traceback__)))
        return
    output.flush()
    connection.send(("ready", None))
    while True:
        try:
            invocation = connection.recv()
        except EOFError:
            return
        if invocation is None:
            return
        connection.send(_invoke(handler, environment, invocation, output))


def prepare_aws_sdk() -> None:
    """Parse the SDK's data for :data:`AWS_SERVICES` and make boto3's default session (in the zygote).

    Neither reads the environment or the AWS config file yet: the session has its
    data loader already, and it resolves region, endpoint, config and credentials
    when a client is first made, in the worker, as the function. (The runtime's
    tests check that a function's region, credentials and S3 addressing are its own.)
    """
    import boto3
    import botocore.loaders
    import botocore.session

    loader = botocore.loaders.create_loader()
    for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry"):
        loader.load_data(name)
    for service in AWS_SERVICES:
        for kind in ("service-2", "endpoint-rule-set-1"):
            loader.load_service_model(service, kind)
    session = botocore.session.get_session()
    session.register_component("data_loader", loader)
    boto3.setup_default_session(botocore_session=session)  # adds boto3's resource models to the loader
    loader.load_service_model("dynamodb", "resources-1")


def _become(environment: Environment) -> None:
    os.environ.clear()
    os.environ.update(environment.variables)
    os.chdir(environment.code_dir)
    # The function sees its code, its layers and the runtime's libraries, nothing
    # else: not the directory the local cloud was started from, and not the
    # repository's own packages installed in editable mode. A template that forgets
    # to give a function a layer fails here as it would in AWS.
    runtime_paths = [path for path in sys.path if path.startswith((sys.prefix, sys.base_prefix))]
    sys.path[:] = [str(environment.code_dir), *map(str, environment.layer_dirs), *runtime_paths]
    sys.meta_path[:] = [finder for finder in sys.meta_path if not _is_editable_install(finder)]
    importlib.invalidate_caches()


def _is_editable_install(finder) -> bool:
    return getattr(finder, "__module__", "").startswith("__editable__")


def _import_handler(environment: Environment):
    module_name, function_name = handler_module(environment.code_dir, environment.handler)
    module = importlib.import_module(module_name)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _HandlerNotFound(f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class _HandlerNotFound(Exception):
    pass


def _init_error_type(error: Exception) -> str:
    if isinstance(error, _HandlerNotFound):
        return "Runtime.HandlerNotFound"
    if isinstance(error, SyntaxError):
        return "Runtime.UserCodeSyntaxError"
    if isinstance(error, (ImportError, FileNotFoundError)):
        return "Runtime.ImportModuleError"
    return type(error).__name__


def _invoke(handler, environment: Environment, invocation: Invocation, output: _FunctionOutput) -> tuple:
    output.request_id = invocation.request_id
    try:
        result = handler(json.loads(invocation.event_json), LambdaContext(environment, invocation))
    except Exception as error:  # noqa: BLE001 - an unhandled handler error is the invocation's result
        # As Lambda's Python runtime does: the error and the handler's part of its
        # trace go to the function's log, and back to the caller.
        handler_frames = error.__traceback__.tb_next
        print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exception(type(error), error, handler_frames, file=sys.stderr)
        reply = ("error", _error_document(error, type(error).__name__, handler_frames, invocation.request_id))
    else:
        try:
            reply = ("ok", json.dumps(result))
        except (TypeError, ValueError) as error:
            reply = ("error", _error_document(error, "Runtime.MarshalError", None, invocation.request_id))
    output.flush()
    output.request_id = None
    return reply


def _error_document(error: BaseException, error_type: str, frames, request_id: str | None = None) -> dict:
    document = {
        "errorMessage": str(error),
        "errorType": error_type,
        "stackTrace": traceback.format_tb(frames) if frames else [],
    }
    if request_id:
        document["requestId"] = request_id
    return document


class _FunctionOutput:
    """Routes the function's stdout and stderr into the log, one JSON line per line written.

    Powertools' Logger, ``print`` and ``logging`` all write through ``sys.stdout``
    or ``sys.stderr``, replaced here before the handler is imported. Anything
    written to the file descriptors directly (a C library, a subprocess) lands in
    the log file as it is.
    """

    def __init__(self, environment: Environment, echo_fd: int | None):
        self.request_id: str | None = None
        self._environment = environment
        self._fd = os.open(environment.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._echo_fd = echo_fd
        self._lock = threading.Lock()
        os.dup2(self._fd, 1)
        os.dup2(self._fd, 2)
        self._streams = [_LineStream(self, "stdout"), _LineStream(self, "stderr")]
        sys.stdout, sys.stderr = self._streams

    def emit(self, stream: str, line: str) -> None:
        with self._lock:
            append_line(
                self._fd,
                {
                    "type": "output",
                    "function": self._environment.function_name,
                    "account": self._environment.account_id,
                    "request_id": self.request_id,
                    "stream": stream,
                    "message": line,
                },
            )
            if self._echo_fd is not None:
                os.write(self._echo_fd, f"  {self._environment.function_name} | {line}\n".encode())

    def flush(self) -> None:
        for stream in self._streams:
            stream.flush()


class _LineStream(io.TextIOBase):
    def __init__(self, output: _FunctionOutput, name: str):
        self._output = output
        self._name = name
        self._pending = ""

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._output.emit(self._name, line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            self._output.emit(self._name, line)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
