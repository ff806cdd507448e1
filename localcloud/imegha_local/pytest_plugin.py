"""The local cloud as pytest fixtures, for any suite that tests iMegha on it: ``pytest_plugins = ["imegha_local.pytest_plugin"]``.

``local_cloud`` is a fresh embedded AWS for each test module, ``platform`` the platform
deployed into it from template.yaml, ``invocations`` its log of Lambda invocations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from imegha_local.cloud import DeployedStack, LocalCloud

# One per test process, made fresh for each module. moto's state is process-wide,
# so the process shares one embedded AWS; each module that asks for
# ``local_cloud`` starts from nothing (every account and resource forgotten, a new
# Lambda runtime and gateway) at a cost well under a second, and leaves moto plain
# for modules that use it directly.


@pytest.fixture(scope="session")
def _local_cloud_process(tmp_path_factory):
    cloud = LocalCloud(0, home=tmp_path_factory.mktemp("local-cloud")).start()
    cloud.suspend()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def local_cloud(_local_cloud_process) -> Iterator[LocalCloud]:
    """A fresh local cloud: the platform's account exists, nothing is deployed."""
    _local_cloud_process.reset()
    yield _local_cloud_process
    _local_cloud_process.suspend()


@pytest.fixture(scope="module")
def platform(local_cloud) -> DeployedStack:
    """The platform, deployed from template.yaml into the fresh local cloud."""
    return local_cloud.deploy_platform()


@pytest.fixture(scope="module")
def invocations(local_cloud) -> Callable[[], list[dict]]:
    """The local cloud's log of Lambda invocations so far, oldest first."""

    def read() -> list[dict]:
        records = map(json.loads, local_cloud.log_path.read_text().splitlines())
        return [record for record in records if record["type"] == "invocation"]

    return read
