"""An embedded AWS and a Lambda runtime for the runtime's and the gateway's tests, one of each per module."""

from __future__ import annotations

import json

import pytest
from moto.server import ThreadedMotoServer

from imegha_local.gateway import LocalGateway
from imegha_local.runtime import LambdaRuntime
from tests.integration.local.local_lambdas import function_spec


@pytest.fixture(scope="module")
def aws_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def lambda_runtime(aws_endpoint, tmp_path_factory):
    runtime = LambdaRuntime(aws_endpoint, tmp_path_factory.mktemp("runtime") / "local-cloud.log")
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def register(lambda_runtime):
    """Register a test Lambda (see :func:`~tests.integration.local.local_lambdas.function_spec`); returns its ARN."""

    def register(name: str, code: str, handler: str, **overrides) -> str:
        spec = function_spec(name, code, handler, **overrides)
        lambda_runtime.register(spec)
        return spec.arn

    return register


@pytest.fixture(scope="module")
def gateway(lambda_runtime):
    """A local gateway of the module's own, serving what its tests add."""
    gateway = LocalGateway(lambda_runtime)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def log_records(lambda_runtime):
    """The runtime log's records of one type ("invocation", "output", "request"), oldest first."""

    def read(record_type: str) -> list[dict]:
        lines = lambda_runtime.log.path.read_text().splitlines()
        return [record for record in map(json.loads, lines) if record["type"] == record_type]

    return read
