"""moto's own server: its state dump (``/moto-api/data.json``) answers while Lambda functions run without Docker.

Not an AWS API, but how one looks into the embedded AWS: moto's dump failed with
a 500 as soon as one function existed, reaching for a Docker daemon the local
cloud does not use.
"""

from __future__ import annotations

from typing import Any

from imegha_local.shims.core import is_active


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
        if not is_active():
            return connect(model)
        raise AttributeError("the local cloud runs Lambda functions without Docker")

    DockerModel.docker_client = property(docker_client)
