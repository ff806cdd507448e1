"""How long deploying one user's cloud takes on the local cloud, and how many AWS API calls the deployment makes.

The real path, as a person's ``imegha cloud deploy`` drives it: ``POST /deployments``,
the platform bus's 'Deployment Requested' rule, DeployUserCloudStateMachine, and
UserCloudStackFunction assuming the user's deployment role (with their ExternalId)
to create user-cloud.yaml and its nested stacks in the user's own (simulated) account.
Each user is signed up and connected first (not timed); then:

- ``deploy``: from the request until the deployment is recorded SUCCEEDED (the stack CREATE_COMPLETE);
- ``redeploy``: the same for a second deployment, which updates the stack;
- ``destroy``: until the stack, its bucket and its table are gone.

API calls are every request the embedded AWS received from the request until the
execution ended, by service and by whose credentials made it (the platform's
account, or the deployment role's session in the user's account); the bench's own
polling is left out. CloudFormation creating the stack's resources is its own
work inside AWS, not a call the deployment makes, and is not counted.

``python bench/deploy_bench.py [users]`` (default 3)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from imegha.platform_api import PlatformApi
from imegha_local.cloud import LocalCloud, bootstrap_account
from imegha_local.people import upload_first_keys

BENCH_AGENT = "imegha-bench"  # marks the bench's own requests, which are not the deployment's


class RequestCounter:
    """Wraps the embedded AWS's WSGI app: counts each request by service and by the account whose key signed it."""

    def __init__(self, app):
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()
        self.counting = False
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.counting and BENCH_AGENT not in environ.get("HTTP_USER_AGENT", ""):
            key = self._caller(environ.get("HTTP_AUTHORIZATION", ""))
            with self._lock:
                self.counts[key] += 1
        return self.app(environ, start_response)

    @staticmethod
    def _caller(authorization: str) -> tuple[str, str]:
        from moto.iam.models import get_account_id_from

        if "Credential=" not in authorization:
            return "unsigned", "-"
        access_key, _, _, service, _ = authorization.split("Credential=")[1].split(",")[0].split("/")
        return service, get_account_id_from(access_key)

    def take(self) -> Counter[tuple[str, str]]:
        with self._lock:
            taken, self.counts = self.counts, Counter()
        return taken


def sign_up(cloud: LocalCloud, outputs: dict, name: str) -> PlatformApi:
    cognito = boto3.client(
        "cognito-idp",
        region_name=cloud.region,
        endpoint_url=cloud.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )
    email, password = f"{name}@example.org", "a long bench password"
    cognito.sign_up(
        ClientId=outputs["UserPoolClientId"],
        Username=email,
        Password=password,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "custom:imtag", "Value": name}],
    )
    cloud.client("cognito-idp").admin_confirm_sign_up(UserPoolId=outputs["UserPoolId"], Username=email)
    tokens = cognito.initiate_auth(
        ClientId=outputs["UserPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    # The device's keys, so that it signs the role, the deploys and the destroy (the derivation is not timed here).
    return upload_first_keys(
        PlatformApi(outputs["PlatformApiUrl"], tokens["AuthenticationResult"]["IdToken"]), password, 100_000
    )


def connect(cloud: LocalCloud, api: PlatformApi) -> None:
    connection = api.connect_cloud()
    _, bootstrap = bootstrap_account(cloud.endpoint_url, connection["platformAccountId"], connection["externalId"])
    api.record_deployment_role(bootstrap.outputs["DeploymentRoleArn"])


def timed(cloud: LocalCloud, api: PlatformApi, action: str, counter: RequestCounter) -> tuple[float, Counter]:
    """Seconds from the request until the deployment is recorded finished, and the requests made until its
    execution ended."""
    sfn = cloud.client("stepfunctions", config=Config(user_agent_extra=BENCH_AGENT))
    dynamodb = cloud.resource("dynamodb", config=Config(user_agent_extra=BENCH_AGENT))
    table = _deployments_table(cloud, dynamodb)
    counter.take()
    counter.counting = True
    started = time.perf_counter()
    deployment = api.request_deployment(action)
    key = {"userId": _user_of(api), "deploymentId": deployment["deploymentId"]}
    while (item := table.get_item(Key=key, ConsistentRead=True).get("Item", {})).get("status") not in (
        "SUCCEEDED",
        "FAILED",
    ):
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    if item["status"] != "SUCCEEDED":
        raise RuntimeError(f"{action} failed: {item.get('reason')}")
    while sfn.describe_execution(executionArn=item["executionArn"])["status"] == "RUNNING":
        time.sleep(0.005)
    counter.counting = False
    return elapsed, counter.take()


def _deployments_table(cloud: LocalCloud, dynamodb):
    resources = cloud.client("cloudformation").describe_stack_resources(StackName=cloud.platform_stack.name)
    name = next(
        r["PhysicalResourceId"] for r in resources["StackResources"] if r["LogicalResourceId"] == "DeploymentsTable"
    )
    return dynamodb.Table(name)


def _user_of(api: PlatformApi) -> str:
    import base64

    payload = api.id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def describe(counts: Counter, platform_account: str) -> str:
    by_service = Counter()
    for (service, account), count in counts.items():
        by_service[(service, "platform" if account == platform_account else "user's account")] += count
    return ", ".join(f"{service} {count} ({whose})" for (service, whose), count in by_service.most_common())


def main(users: int) -> None:
    with tempfile.TemporaryDirectory(prefix="imegha-bench-") as home, LocalCloud(0, home=Path(home)) as cloud:
        counter = RequestCounter(cloud._server._server.app)
        cloud._server._server.app = counter
        outputs = cloud.deploy_platform().outputs
        results: dict[str, list[tuple[float, Counter]]] = {"deploy": [], "redeploy": [], "destroy": []}
        for index in range(users):
            api = sign_up(cloud, outputs, f"bench{index}")
            connect(cloud, api)
            results["deploy"].append(timed(cloud, api, "deploy", counter))
            results["redeploy"].append(timed(cloud, api, "deploy", counter))
            results["destroy"].append(timed(cloud, api, "destroy", counter))
        print(
            f"Deploying users' clouds on the local cloud through the state machine, {users} users "
            "(median; first / slowest):"
        )
        for name, runs in results.items():
            seconds = [elapsed for elapsed, _ in runs]
            calls = [sum(counts.values()) for _, counts in runs]
            print(
                f"  {name:<9} {statistics.median(seconds):6.2f} s   ({seconds[0]:.2f} / {max(seconds):.2f})   "
                f"AWS API calls: {statistics.median(calls):.0f}"
            )
            print(f"            {describe(runs[-1][1], cloud.platform.account_id)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
