"""The local cloud as a whole: the platform and a user's cloud deployed from their templates, what it refuses and
how it fails, how it is found, and ``imegha local up`` itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from imegha_local.cloud import LocalCloud, LocalCloudError, running_cloud

TEMPLATES = Path(__file__).parent / "templates"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_platform_deploys_from_template_yaml_and_its_api_url_is_the_local_gateways(local_cloud, platform):
    api = platform.outputs["PlatformApiUrl"]

    assert api.startswith(local_cloud.gateway_url + "/")
    assert get(f"{api}/health") == (200, b'{"status":"ok","service":"platform"}')
    assert platform.outputs["UserPoolIssuer"] == (
        f"https://cognito-idp.{local_cloud.region}.amazonaws.com/{platform.outputs['UserPoolId']}"
    )


def test_a_users_cloud_is_deployed_in_its_own_account_through_the_deployment_role(local_cloud, platform):
    cloud = local_cloud.deploy_user_cloud(owner="user-1")

    assert cloud.account.account_id != local_cloud.platform.account_id
    assert cloud.stack.account_id == cloud.account.account_id
    functions = local_cloud.client("lambda", cloud.account).list_functions()["Functions"]
    assert functions and all(f":{cloud.account.account_id}:" in f["FunctionArn"] for f in functions)
    platform_functions = local_cloud.client("lambda").list_functions()["Functions"]
    assert not {f["FunctionName"] for f in functions} & {f["FunctionName"] for f in platform_functions}
    served = [url for url in cloud.stack.outputs.values() if url.startswith(local_cloud.gateway_url)]
    assert served and get(f"{served[0]}/health")[0] in (200, 401)  # 401: the route wants the platform's token


def test_a_template_the_local_cloud_cannot_honour_fails_at_deploy_naming_the_resource(local_cloud):
    with pytest.raises(LocalCloudError) as refusal:
        local_cloud.deploy(TEMPLATES / "unsupported.yaml", "unsupported")

    assert "GraphApi (AWS::AppSync::GraphQLApi)" in str(refusal.value)
    assert "Notes" not in str(refusal.value)
    assert "unsupported-notes" not in local_cloud.client("dynamodb").list_tables()["TableNames"]


def test_a_stack_that_fails_halfway_rolls_back_and_says_why(local_cloud):
    with pytest.raises(LocalCloudError) as failure:
        local_cloud.deploy(TEMPLATES / "half_built.yaml", "half-built")

    assert "ROLLBACK_COMPLETE" in str(failure.value)
    assert "Reader (AWS::Lambda::Function)" in str(failure.value)
    assert "cannot be assumed by Lambda" in str(failure.value)
    assert "half-built-notes" not in local_cloud.client("dynamodb").list_tables()["TableNames"]
    stack = local_cloud.client("cloudformation").describe_stacks(StackName="half-built")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE" and "Outputs" not in stack


def test_presigned_urls_work_with_a_plain_http_client(local_cloud):
    s3 = local_cloud.client("s3")
    s3.create_bucket(Bucket="sealed-files")
    put = s3.generate_presigned_url("put_object", Params={"Bucket": "sealed-files", "Key": "f1"}, ExpiresIn=60)
    upload = urllib.request.Request(
        put, data=b"ciphertext", method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    urllib.request.urlopen(upload, timeout=30)

    fetch = s3.generate_presigned_url("get_object", Params={"Bucket": "sealed-files", "Key": "f1"}, ExpiresIn=60)
    assert fetch.startswith(f"{local_cloud.endpoint_url}/sealed-files/f1?")
    assert get(fetch) == (200, b"ciphertext")


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(LocalCloudError, match=f"port {port} on 127.0.0.1 is already in use"):
            LocalCloud(port, home=tmp_path).start()


def test_the_running_cloud_is_found_by_its_state_file_and_a_stale_one_is_not(local_cloud, tmp_path):
    state = tmp_path / "endpoints.json"
    local_cloud.state().save(state)

    found = running_cloud(state)
    assert found.aws_endpoint_url == local_cloud.endpoint_url
    assert found.platform.client("sts", found.aws_endpoint_url).get_caller_identity()["Account"] == (
        local_cloud.platform.account_id
    )
    assert state.stat().st_mode & 0o077 == 0  # it holds the platform's credentials

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    document = json.loads(state.read_text()) | {"pid": int(finished.stdout)}
    state.write_text(json.dumps(document))
    assert running_cloud(state) is None


@pytest.mark.slow
def test_imegha_local_up_prints_its_endpoints_and_stops_cleanly_on_ctrl_c(tmp_path):
    environment = {**os.environ, "IMEGHA_HOME": str(tmp_path), "IMEGHA_LOCAL_STATE": str(tmp_path / "state.json")}
    up = subprocess.Popen(
        [sys.executable, "-m", "imegha.cli", "--json", "local", "up", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        document = ""
        for line in up.stdout:
            document += line
            if line.startswith("}"):
                break
        ready = json.loads(document)
        assert ready["platform_api_url"].startswith(ready["gateway_url"] + "/")
        assert get(f"{ready['platform_api_url']}/health")[0] == 200
        status = subprocess.run(
            [sys.executable, "-m", "imegha.cli", "--json", "local", "status"],
            capture_output=True,
            text=True,
            env=environment,
        )
        assert json.loads(status.stdout)["aws_endpoint_url"] == ready["aws_endpoint_url"]

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=30) == 0
    finally:
        if up.poll() is None:
            up.kill()
    assert not (tmp_path / "state.json").exists()
    with pytest.raises((ClientError, OSError, Exception)):
        urllib.request.urlopen(ready["aws_endpoint_url"], timeout=2)


def test_a_new_session_decodes_none_of_botocores_data_files_again(local_cloud, monkeypatch):
    """Speed, not behaviour: each session (moto makes several, a role's credentials another) would otherwise decode
    endpoints.json and each service's model again."""
    import boto3
    import botocore.loaders

    def queues_of_a_new_account():
        account = local_cloud.create_account()
        return (
            boto3.Session(account.access_key_id, account.secret_access_key, region_name=local_cloud.region)
            .client("sqs", endpoint_url=local_cloud.endpoint_url)
            .list_queues()
            .get("QueueUrls", [])
        )

    assert queues_of_a_new_account() == []
    decoded: list[str] = []
    decode = botocore.loaders.JSONFileLoader._load_file
    monkeypatch.setattr(
        botocore.loaders.JSONFileLoader,
        "_load_file",
        lambda loader, path, open_method: decoded.append(path) or decode(loader, path, open_method),
    )

    assert queues_of_a_new_account() == []
    assert decoded == []


def test_a_pools_enabled_mfas_is_its_mfa_configuration_and_codes_the_local_cloud_cannot_send_fail_at_deploy(
    local_cloud, tmp_path
):
    def template(mfa: str) -> Path:
        path = tmp_path / "pool.yaml"
        path.write_text(
            'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Users:\n    Type: AWS::Cognito::UserPool\n'
            f"    Properties:\n      UserPoolName: two-step\n{mfa}"
            "Outputs:\n  UserPoolId:\n    Value: !Ref Users\n"
        )
        return path

    off = local_cloud.deploy(template('      MfaConfiguration: "OFF"\n'), "two-step")
    updated = local_cloud.deploy(
        template("      MfaConfiguration: OPTIONAL\n      EnabledMfas: [SOFTWARE_TOKEN_MFA]\n"), "two-step"
    )
    with pytest.raises(LocalCloudError) as by_sms:
        local_cloud.deploy(template("      MfaConfiguration: OPTIONAL\n      EnabledMfas: [SMS_MFA]\n"), "by-sms")

    pool = updated.outputs["UserPoolId"]
    assert pool == off.outputs["UserPoolId"]
    config = local_cloud.client("cognito-idp").get_user_pool_mfa_config(UserPoolId=pool)
    assert (config["MfaConfiguration"], config["SoftwareTokenMfaConfiguration"]) == ("OPTIONAL", {"Enabled": True})
    assert "Users (AWS::Cognito::UserPool)" in str(by_sms.value) and "sends no codes" in str(by_sms.value)
