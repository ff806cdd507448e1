"""A Lambda runtime without Docker: each function runs warm in worker processes of its own.

A worker is one execution environment, as in Lambda: it has the function's own
environment variables, code directory, layers and credentials, imports the
handler once and then serves invocations one at a time. Workers are forked from a
zygote process that has boto3, Powertools and cryptography imported already, so
a cold start costs the handler's own imports and little else.

Concurrency: a function scales out to :data:`MAX_ENVIRONMENTS` workers, as Lambda
starts a new environment for a concurrent invocation; past that, invocations wait
for a free worker (Lambda would throttle; locally a short wait is more useful).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from imegha_local.faults import FaultInjector
from imegha_local.worker import Environment, Invocation, append_line
from imegha_local.zygote import Zygote

MAX_ENVIRONMENTS = 4
INIT_TIMEOUT_S = 10  # Lambda's limit on the init phase
# STS's default session length, assumed when a credentials provider gives no expiry.
ASSUMED_CREDENTIALS_LIFETIME_S = 3600
# An environment is retired this long before its credentials expire, so that no
# invocation starts with credentials that could lapse halfway through.
CREDENTIALS_MARGIN_S = 15 * 60
STDERR = 2

_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# Optional in what a credentials provider returns: when the credentials lapse (ISO 8601).
CREDENTIALS_EXPIRY = "AWS_CREDENTIAL_EXPIRATION"


@dataclass(frozen=True)
class FunctionSpec:
    arn: str
    name: str
    account_id: str
    region: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...]
    timeout_s: int
    memory_mb: int
    # The function's role credentials in its own account: the three AWS_* variables,
    # and optionally AWS_CREDENTIAL_EXPIRATION.
    credentials: Callable[[], dict[str, str]]


@dataclass(frozen=True)
class InvocationResult:
    """What Lambda's Invoke returns: the payload, and the X-Amz-Function-Error value if the function failed.

    On failure ``error`` is ``"Unhandled"`` and ``payload`` is Lambda's error
    document (``errorType``, ``errorMessage``; ``Sandbox.Timedout`` with "Task timed
    out after N seconds" for a timeout). A throttled invocation (an injected fault,
    :mod:`imegha_local.faults`) never ran: ``throttled`` is set, and its error document
    is Lambda's ``TooManyRequestsException``.
    """

    payload: Any
    error: str | None
    duration_ms: float
    throttled: bool = False


class UnknownFunction(LookupError):
    pass


class LambdaRuntime:
    def __init__(self, endpoint_url: str, log_path: Path, verbose: bool = False, faults: FaultInjector | None = None):
        self.log = RuntimeLog(log_path, verbose)
        self.faults = faults or FaultInjector()
        self._endpoint_url = endpoint_url
        self._scratch = tempfile.TemporaryDirectory(prefix="imegha-lambda-")
        self._aws_config = Path(self._scratch.name) / "aws-config"
        # Path-style addressing, so that presigned URLs name 127.0.0.1 and work with
        # any HTTP client; SigV4, the only signature S3 accepts in newer regions.
        self._aws_config.write_text("[default]\ns3 =\n    addressing_style = path\n    signature_version = s3v4\n")
        Zygote.shared()  # started now, so that its imports overlap with what the caller does next
        self._functions: dict[str, _Function] = {}
        self._lock = threading.Lock()

    def register(self, spec: FunctionSpec) -> None:
        """Make ``spec.arn`` invocable; registering an ARN again replaces its code and configuration."""
        function = _Function(spec, self._start_worker)
        with self._lock:
            previous = self._functions.get(spec.arn)
            self._functions[spec.arn] = function
        if previous:
            previous.close()

    def invoke(self, arn: str, event: dict | list, *, source: str) -> InvocationResult:
        """Invoke synchronously; a handler error or timeout is a result, never an exception."""
        with self._lock:
            function = self._functions.get(arn)
        if function is None:
            raise UnknownFunction(arn)
        spec = function.spec
        invocation = Invocation(str(uuid.uuid4()), json.dumps(event), spec.timeout_s * 1000)
        record = {
            "type": "invocation",
            "function": spec.name,
            "account": spec.account_id,
            "source": source,
            "request_id": invocation.request_id,
        }
        fault = self.faults.lambda_fault()
        if fault in _REFUSALS:
            return self._finish(record, _REFUSALS[fault], 0.0, fault.removeprefix("lambda_"), None)
        try:
            worker, init_ms = function.acquire()
        except _InitFailed as failure:
            record["cold_start"] = True
            return self._finish(record, failure.document, 0.0, "error", init_ms=failure.init_ms)
        record["cold_start"] = init_ms is not None
        started = time.perf_counter()
        try:
            # An injected timeout cuts the invocation short wherever the handler is, as Lambda's own would.
            status, payload = worker.invoke(invocation, self.faults.cut() if fault else spec.timeout_s)
        except TimeoutError:
            function.discard(worker)
            document = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after {spec.timeout_s:.2f} seconds",
            }
            return self._finish(record, document, _since(started), "timeout", init_ms)
        except (EOFError, OSError):
            exit_code = function.discard(worker)
            document = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited with exit status {exit_code}",
            }
            return self._finish(record, document, _since(started), "error", init_ms)
        function.release(worker)
        if status == "ok":
            return self._finish(record, payload, _since(started), "ok", init_ms)
        return self._finish(record, payload, _since(started), "error", init_ms)

    def close(self) -> None:
        """Stop every worker and the log (stop whatever invokes first: the gateway, moto)."""
        with self._lock:
            functions, self._functions = list(self._functions.values()), {}
        for function in functions:
            function.close()
        self._scratch.cleanup()
        self.log.close()

    def _finish(
        self, record: dict, payload: Any, duration_ms: float, outcome: str, init_ms: float | None
    ) -> InvocationResult:
        record = {**record, "duration_ms": round(duration_ms, 2), "outcome": outcome}
        if init_ms is not None:
            record["init_ms"] = round(init_ms, 2)
        if outcome != "ok":
            record["error_type"] = payload.get("errorType")
        self.log.write(record, _summary(record))
        error = None if outcome == "ok" else "Unhandled"
        return InvocationResult(payload, error, duration_ms, throttled=outcome == "throttle")

    def _start_worker(self, spec: FunctionSpec) -> _Worker:
        credentials = spec.credentials()
        expires_at = _expiry(credentials)
        variables = {
            # What every Lambda environment has, unless the template says otherwise.
            "PATH": os.environ.get("PATH", os.defpath),
            "LANG": "en_US.UTF-8",
            "POWERTOOLS_TRACE_DISABLED": "true",  # there is no X-Ray daemon here
            **spec.environment,
            # Reserved: set by Lambda, whatever the template says.
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "AWS_ENDPOINT_URL": self._endpoint_url,
            "AWS_CONFIG_FILE": str(self._aws_config),
            **{name: credentials[name] for name in _CREDENTIAL_VARIABLES if name in credentials},
        }
        environment = Environment(
            function_name=spec.name,
            function_arn=spec.arn,
            account_id=spec.account_id,
            code_dir=spec.code_dir.resolve(),
            handler=spec.handler,
            layer_dirs=tuple(path.resolve() for path in spec.layer_dirs),
            variables=variables,
            memory_mb=spec.memory_mb,
            log_path=self.log.path,
        )
        echo_fd = STDERR if self.log.verbose else None
        return _Worker.start(Zygote.shared(), environment, echo_fd, expires_at)


class RuntimeLog:
    """The local cloud's log file: one JSON object a line, written by the runtime, the gateway and every worker.

    Invocation records carry who ran, for whom, how long and how it ended; never an
    event or a payload, which may hold ciphertext or tokens.
    """

    def __init__(self, path: Path, verbose: bool):
        self.path = path.resolve()
        self.verbose = verbose
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def write(self, record: dict, summary: str) -> None:
        append_line(self._fd, record)
        if self.verbose:
            print(summary, file=sys.stderr, flush=True)

    def close(self) -> None:
        os.close(self._fd)


class _InitFailed(Exception):
    def __init__(self, document: dict):
        super().__init__(document.get("errorMessage"))
        self.document = document
        self.init_ms = 0.0


class _Worker:
    """The runtime's handle on one worker process."""

    def __init__(self, zygote: Zygote, pid: int, connection, expires_at: float):
        self._zygote = zygote
        self._pid = pid
        self._connection = connection
        self.expires_at = expires_at

    @classmethod
    def start(cls, zygote: Zygote, environment: Environment, echo_fd: int | None, expires_at: float) -> _Worker:
        pid, connection = zygote.start(environment, echo_fd)
        worker = cls(zygote, pid, connection, expires_at)
        if not connection.poll(INIT_TIMEOUT_S):
            worker.stop()
            raise _InitFailed(
                {
                    "errorType": "Runtime.InitTimeout",
                    "errorMessage": f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds",
                }
            )
        try:
            status, document = connection.recv()
        except EOFError:
            status, document = "exited", None
        if status != "ready":
            exit_code = worker.stop()
            raise _InitFailed(
                document
                or {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime exited with exit status {exit_code}"}
            )
        return worker

    def invoke(self, invocation: Invocation, timeout_s: int) -> tuple[str, Any]:
        self._connection.send(invocation)
        if not self._connection.poll(timeout_s):
            raise TimeoutError
        status, body = self._connection.recv()
        return (status, json.loads(body)) if status == "ok" else (status, body)

    def fresh(self) -> bool:
        return time.time() < self.expires_at - CREDENTIALS_MARGIN_S

    def stop(self) -> int:
        """End the worker, whatever it is doing, and return its exit code."""
        self._connection.close()
        return self._zygote.stop(self._pid)


class _Function:
    """One registered function and its pool of warm workers."""

    def __init__(self, spec: FunctionSpec, start_worker: Callable[[FunctionSpec], _Worker]):
        self.spec = spec
        self._start_worker = start_worker
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._available = threading.Condition()

    def acquire(self) -> tuple[_Worker, float | None]:
        """A worker for one invocation, and how long its init took if it had to be started."""
        stale: list[_Worker] = []
        with self._available:
            while True:
                while self._idle and not self._idle[-1].fresh():
                    stale.append(self._idle.pop())
                    self._count -= 1
                if self._idle:
                    worker = self._idle.pop()
                    break
                if self._count < MAX_ENVIRONMENTS:
                    self._count += 1
                    worker = None
                    break
                self._available.wait()
        for old in stale:
            old.stop()
        if worker is not None:
            return worker, None
        started = time.perf_counter()
        try:
            worker = self._start_worker(self.spec)
        except _InitFailed as failure:
            failure.init_ms = _since(started)
            self._forget()
            raise
        except BaseException:
            self._forget()
            raise
        return worker, _since(started)

    def release(self, worker: _Worker) -> None:
        with self._available:
            if not self._closed:
                self._idle.append(worker)
                self._available.notify()
                return
        self.discard(worker)

    def discard(self, worker: _Worker) -> int:
        """Stop a worker that cannot serve again; returns its exit code."""
        exit_code = worker.stop()
        self._forget()
        return exit_code

    def close(self) -> None:
        """Stop the idle workers now; busy ones stop when their invocation ends."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.stop()

    def _forget(self) -> None:
        with self._available:
            self._count -= 1
            self._available.notify()


# What Lambda answers for the injected faults that refuse an invocation before it runs.
_REFUSALS = {
    "lambda_throttle": {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded. (an injected fault)"},
    "lambda_error": {
        "errorType": "ServiceException",
        "errorMessage": "Lambda was unable to run the function (an injected fault)",
    },
}


def _expiry(credentials: dict[str, str]) -> float:
    if CREDENTIALS_EXPIRY in credentials:
        return datetime.fromisoformat(credentials[CREDENTIALS_EXPIRY]).timestamp()
    return time.time() + ASSUMED_CREDENTIALS_LIFETIME_S


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _summary(record: dict) -> str:
    cold = f" (cold start {record['init_ms']:.0f} ms)" if "init_ms" in record else ""
    error = f" {record['error_type']}" if "error_type" in record else ""
    return (
        f"{record['outcome']:>7}  {record['function']} in {record['account']}  "
        f"{record['duration_ms']:.1f} ms{cold}  <- {record['source']}{error}"
    )
