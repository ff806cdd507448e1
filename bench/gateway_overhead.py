"""Per-request cost of the local gateway, against calling the same handler directly.

The platform's health route, three ways, each timed over the same number of
requests (median, in milliseconds):

- ``direct``: the handler called in this process, as a unit test would;
- ``invoke``: through the local runtime (its worker process, no HTTP);
- ``gateway``: an HTTP request through the local gateway (keep-alive), as a client sees it.

``overhead`` is ``gateway - direct``; ``cold_start`` is the first invocation's
init (the worker forked and the handler imported), measured once the zygote is ready.

Alone: ``python bench/gateway_overhead.py [requests]``. From another bench:
``gateway_overhead.measure(requests)`` returns the figures as a dict.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imegha_local.functions import load_handler
from imegha_local.gateway import ApiSpec, LocalGateway, RouteSpec
from imegha_local.runtime import FunctionSpec, LambdaRuntime

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111111111111"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:HealthFunction"


@dataclass
class _Context:
    function_name: str = "HealthFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = ARN
    aws_request_id: str = "bench"


def measure(requests: int = 200) -> dict[str, float]:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    event = json.loads((ROOT / "events/platform_health.json").read_text())
    handler = load_handler(ROOT / "functions", "handlers.health.lambda_handler")
    direct = _median_ms(lambda: handler(event, _Context()), requests)

    with tempfile.TemporaryDirectory() as scratch:
        # The health route calls no AWS service, so the endpoint is never reached.
        runtime = LambdaRuntime("http://127.0.0.1:9", Path(scratch) / "bench.log")
        gateway = LocalGateway(runtime)
        try:
            _warm_zygote(runtime)
            runtime.register(
                FunctionSpec(
                    arn=ARN,
                    name="HealthFunction",
                    account_id=ACCOUNT,
                    region="us-east-1",
                    code_dir=ROOT / "functions",
                    handler="handlers.health.lambda_handler",
                    environment={"POWERTOOLS_SERVICE_NAME": "imegha-platform"},
                    layer_dirs=(ROOT / "layers/crypto",),
                    timeout_s=30,
                    memory_mb=256,
                    credentials=dict,
                )
            )
            started = time.perf_counter()
            runtime.invoke(ARN, event, source="bench")
            cold_start = (time.perf_counter() - started) * 1000
            invoke = _median_ms(lambda: runtime.invoke(ARN, event, source="bench"), requests)

            gateway.start()
            base = gateway.add_api(
                ApiSpec("benchapi", ACCOUNT, "us-east-1", "REST", "dev", (RouteSpec("GET", "/health", ARN, None),))
            )
            connection = http.client.HTTPConnection(gateway.url.removeprefix("http://"))
            path = base.removeprefix(gateway.url) + "/health"
            through_gateway = _median_ms(lambda: _get(connection, path), requests)
            connection.close()
        finally:
            gateway.stop()
            runtime.close()
    return {
        "direct": direct,
        "invoke": invoke,
        "gateway": through_gateway,
        "overhead": through_gateway - direct,
        "cold_start": cold_start,
    }


def _warm_zygote(runtime: LambdaRuntime) -> None:
    """One throwaway function, so that cold_start does not include the zygote's own start."""
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:Warmup"
    runtime.register(
        FunctionSpec(
            arn=arn,
            name="Warmup",
            account_id=ACCOUNT,
            region="us-east-1",
            code_dir=ROOT / "tests/fixtures/lambdas/twin_a",
            handler="app.handler",
            environment={},
            layer_dirs=(),
            timeout_s=30,
            memory_mb=128,
            credentials=dict,
        )
    )
    runtime.invoke(arn, {}, source="bench")


def _get(connection: http.client.HTTPConnection, path: str) -> None:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")


def _median_ms(call, requests: int) -> float:
    call()  # warm
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


if __name__ == "__main__":
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    for name, value in figures.items():
        print(f"{name:>10}: {value:8.3f} ms")
