"""The local cloud's part of ``make demo``: the platform deployed from ``template.yaml`` on this machine, and a
request followed through the gateway, an EventBridge rule and a state machine."""

from __future__ import annotations

import json
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from botocore import UNSIGNED
from botocore.config import Config

from imegha.cloud_tokens import exchange
from imegha.platform_api import PlatformApi
from imegha_local.cloud import LocalCloud, bootstrap_account
from imegha_local.people import upload_first_keys

DEMO_EMAIL = "asha@example.org"
DEMO_IMTAG = "DrAsha"
DEMO_PASSWORD = "correct horse battery staple"


def run_local_demo(say: Callable[[str], None] = print) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="imegha-demo-") as home, LocalCloud(0, home=Path(home)) as cloud:
        platform = cloud.deploy_platform()
        api = platform.outputs["PlatformApiUrl"]
        say(f"The local cloud is up in {time.perf_counter() - started:.1f} s: an embedded AWS at {cloud.endpoint_url},")
        say(f"the platform deployed into account {cloud.platform.account_id} from template.yaml, its API at {api}.")

        status, body = _request("GET", f"{api}/health")
        say("")
        say(f"GET /health through the local gateway, no token: {status} {body}")
        status, body = _request("GET", f"{api}/me")
        say(f"GET /me without a token: {status} {body} (the Cognito authorizer refused it; no Lambda ran)")

        token = _sign_up_and_in(cloud, platform.outputs["UserPoolClientId"], platform.outputs["UserPoolId"])
        say("")
        say(f"{DEMO_EMAIL} signed up as {DEMO_IMTAG}: Cognito ran the PreSignUp trigger (the iMTag reserved, or the")
        say("sign-up refused) and, on confirmation, PostConfirmation (the reservation made the directory entry);")
        say("signing in gave an ID token.")
        status, body = _request("GET", f"{api}/me", token)
        user_id = body["userId"]
        say(f"GET /me with it: {status} {body}")
        platform_api = upload_first_keys(PlatformApi(api, token), DEMO_PASSWORD)
        say("Her device made her keys and uploaded them wrapped, with a key statement signed by her identity key.")

        status, connection = _request("POST", f"{api}/cloud/connection", token)
        say("")
        say(f"POST /cloud/connection: {status}: ExternalId {connection['externalId']}, made for {DEMO_IMTAG} alone.")
        account, bootstrap = bootstrap_account(
            cloud.endpoint_url,
            connection["platformAccountId"],
            connection["externalId"],
        )
        role_arn = bootstrap.outputs["DeploymentRoleArn"]
        say(f"{DEMO_IMTAG}'s own AWS account {account.account_id} launched the bootstrap stack with it: {role_arn}")
        status, body = _request("PUT", f"{api}/cloud/connection", token, {"roleArn": role_arn})
        say(f"PUT /cloud/connection with her token alone: {status}: {body['message']}")
        say("  (a stolen token cannot point her next deployment into another account)")
        platform_api.record_deployment_role(role_arn)
        say("The same, signed by her identity key over a nonce the platform issued (X-Imegha-Signature): accepted.")
        body = platform_api.request_deployment("deploy")
        deployment_id = body["deploymentId"]
        say(f"POST /deployments, signed too: {body}")
        say("The function put a 'Deployment Requested' event on the platform bus; the bus's rule started")
        say("DeployUserCloudStateMachine, which assumed the deployment role with the ExternalId and created the")
        say(f"user-cloud stack in account {account.account_id} from the template the platform published.")
        record = _wait_for(
            lambda: _request("GET", f"{api}/deployments/{deployment_id}", token)[1],
            lambda document: document.get("status") in ("SUCCEEDED", "FAILED"),
        )
        say(
            f"GET /deployments/{deployment_id}: {record['status']}, stack {record.get('stackStatus')}, "
            f"cloud API {record.get('cloudApiUrl')}"
        )
        status, body = _request("GET", f"{record.get('cloudApiUrl')}/health", token)
        say(f"GET /health on {DEMO_IMTAG}'s cloud with her Cognito token: {status} (it is for the platform alone)")
        exchanged = exchange(api, token, user_id)
        status, body = _request("GET", f"{record.get('cloudApiUrl')}/health", f"Bearer {exchanged['access_token']}")
        say(f"POST /tokens exchanged it for a {exchanged['expires_in']} s token for her cloud alone")
        say(f"({exchanged['audience']}); GET /health with that: {status} {body}")
        machine = platform.outputs["DeployUserCloudStateMachineArn"]
        sfn = cloud.client("stepfunctions")
        execution = sfn.list_executions(stateMachineArn=machine)["executions"][0]
        history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
        states = [event["stateEnteredEventDetails"]["name"] for event in history if "stateEnteredEventDetails" in event]
        say(f"The execution {execution['status']}: {' -> '.join(states)}")

        say("")
        say("Every Lambda invocation and API request, from the local cloud's log:")
        for line in cloud.log_path.read_text().splitlines():
            record = json.loads(line)
            if record["type"] == "invocation":
                say(f"  {record['outcome']:>5}  {record['function'].split('-')[-2]:<26} <- {record['source']}")


def _sign_up_and_in(cloud: LocalCloud, client_id: str, pool_id: str) -> str:
    # What a device does: the public, unsigned calls. The operator confirms (there is no email locally).
    operator = cloud.client("cognito-idp")
    anonymous = _unsigned_cognito(cloud)
    anonymous.sign_up(
        ClientId=client_id,
        Username=DEMO_EMAIL,
        Password=DEMO_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": DEMO_EMAIL}, {"Name": "custom:imtag", "Value": DEMO_IMTAG}],
    )
    operator.admin_confirm_sign_up(UserPoolId=pool_id, Username=DEMO_EMAIL)
    tokens = anonymous.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": DEMO_EMAIL, "PASSWORD": DEMO_PASSWORD},
    )
    return tokens["AuthenticationResult"]["IdToken"]


def _unsigned_cognito(cloud: LocalCloud):
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name=cloud.region,
        endpoint_url=cloud.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )


def _request(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else b"" if method in ("POST", "PUT") else None
    request = urllib.request.Request(url, method=method, data=data)
    if token:
        request.add_header("Authorization", token)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wait_for(read: Callable[[], dict], done: Callable[[dict], bool], timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        document = read()
        if done(document) or time.monotonic() > deadline:
            return document
        time.sleep(0.05)


if __name__ == "__main__":
    run_local_demo()
