"""moto's own state dump on the local cloud: every resource listed, Lambda functions included, without Docker."""

from __future__ import annotations

import json
import urllib.request
import uuid


def test_the_embedded_aws_dumps_its_state_lambda_functions_included_without_docker(local_cloud, probe):
    bucket = f"dumped-{uuid.uuid4().hex[:8]}"
    local_cloud.client("s3").create_bucket(Bucket=bucket)

    with urllib.request.urlopen(f"{local_cloud.endpoint_url}/moto-api/data.json") as answer:
        status, dump = answer.status, json.loads(answer.read())

    assert status == 200
    assert bucket in {stored["name"] for stored in dump["s3"]["FakeBucket"]}
    assert probe["WhoAmI"] in {function["function_name"] for function in dump["awslambda"]["LambdaFunction"]}
