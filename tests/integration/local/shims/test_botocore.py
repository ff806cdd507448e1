"""botocore's data files, decoded once per process, still reach each loader as botocore wrote them."""

from __future__ import annotations

import uuid


def test_a_clients_first_s3_call_leaves_the_s3_model_as_botocore_and_moto_load_it(local_cloud):
    """botocore rewrites an S3 operation's requestUri in the model its client holds (``/{Bucket}`` → ``''``);
    the decoded-once data files must not pass that edit to the next loader, moto's own S3 router included."""
    from botocore.loaders import Loader
    from moto.core.utils import get_service_model

    local_cloud.client("s3").create_bucket(Bucket=f"model-{uuid.uuid4().hex[:8]}")

    assert (
        Loader().load_service_model("s3", "service-2")["operations"]["CreateBucket"]["http"]["requestUri"]
        == "/{Bucket}"
    )
    assert get_service_model("s3").operation_model("CreateBucket").http["requestUri"] == "/{Bucket}"
