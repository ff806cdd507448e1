"""The local Lambda runtime, seen from inside the functions it runs and from its log."""

from __future__ import annotations

import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from imegha_local.faults import FaultRates
from imegha_local.runtime import LambdaRuntime, UnknownFunction
from tests.integration.local.local_lambdas import ACCOUNT, REGION, function_spec

ROOT = Path(__file__).resolve().parents[3]
OTHER_ACCOUNT = "222222222222"


def assume_role(endpoint: str, account: str) -> dict[str, str]:
    """Credentials for a role in ``account``, from the embedded AWS's STS, as a function's role would have them."""
    sts = boto3.client(
        "sts", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/function", RoleSessionName="function")
    return {
        "AWS_ACCESS_KEY_ID": credentials["Credentials"]["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["Credentials"]["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["Credentials"]["SessionToken"],
    }


def test_each_function_has_its_own_environment_and_nothing_of_the_host(register, lambda_runtime, aws_endpoint):
    first = register(
        "EnvironmentOne",
        "probe",
        "app.environment",
        environment={"TABLE_NAME": "one", "AWS_REGION": "eu-west-3"},
        memory_mb=256,
    )
    second = register(
        "EnvironmentTwo",
        "probe",
        "app.environment",
        environment={"QUEUE_URL": "two"},
        region="eu-central-1",
        credentials=lambda: {"AWS_ACCESS_KEY_ID": "AKIDTWO", "AWS_SECRET_ACCESS_KEY": "secret"},
    )

    one = lambda_runtime.invoke(first, {}, source="test").payload
    two = lambda_runtime.invoke(second, {}, source="test").payload

    assert one["environ"]["TABLE_NAME"] == "one" and "QUEUE_URL" not in one["environ"]
    assert two["environ"]["QUEUE_URL"] == "two" and "TABLE_NAME" not in two["environ"]
    assert one["environ"]["AWS_REGION"] == REGION, "reserved variables are Lambda's, not the template's"
    assert (one["boto3_region"], two["boto3_region"]) == (REGION, "eu-central-1")
    assert one["environ"]["AWS_LAMBDA_FUNCTION_NAME"] == "EnvironmentOne"
    assert one["environ"]["AWS_ENDPOINT_URL"] == aws_endpoint
    assert two["environ"]["AWS_ACCESS_KEY_ID"] == "AKIDTWO"
    assert one["pid"] != two["pid"]
    # Exactly what Lambda sets and the template gives: nothing of the host (HOME, AWS_PROFILE, ...).
    assert set(one["environ"]) == {
        "TABLE_NAME",
        "PATH",
        "LANG",
        "POWERTOOLS_TRACE_DISABLED",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_EXECUTION_ENV",
        "LAMBDA_TASK_ROOT",
        "AWS_ENDPOINT_URL",
        "AWS_CONFIG_FILE",
    }
    assert one["cwd"] == str((ROOT / "tests/fixtures/lambdas/probe").resolve())
    assert not any(path in ("", str(ROOT), os.getcwd()) for path in one["sys_path"])
    assert one["context"]["function_name"] == "EnvironmentOne"
    assert one["context"]["memory_limit_in_mb"] == 256
    assert one["context"]["invoked_function_arn"] == first
    assert 0 < one["context"]["remaining_ms"] <= 3000


def test_two_functions_with_the_same_module_names_each_run_their_own(register, lambda_runtime):
    twin_a = register("TwinA", "twin_a", "app.handler")
    twin_b = register("TwinB", "twin_b", "app.handler")

    answers = [lambda_runtime.invoke(arn, {}, source="test").payload for arn in (twin_a, twin_b, twin_a, twin_b)]

    assert [answer["twin"] for answer in answers] == ["a", "b", "a", "b"]
    assert all(f"/twin_{answer['twin']}/" in answer["helper"] for answer in answers)


def test_a_layer_is_importable_only_by_the_functions_given_it(register, lambda_runtime):
    without = register("WithoutLayer", "needs_crypto", "app.handler")
    with_layer = register("WithLayer", "needs_crypto", "app.handler", layer_dirs=(ROOT / "layers/crypto",))

    refused = lambda_runtime.invoke(without, {}, source="test")
    imported = lambda_runtime.invoke(with_layer, {}, source="test")

    # The repository's editable install would make it importable anywhere; a Lambda only has its layers.
    assert refused.error == "Unhandled"
    assert refused.payload["errorType"] == "Runtime.ImportModuleError"
    assert imported.error is None
    assert imported.payload["imegha_crypto"] == str(ROOT / "layers/crypto/imegha_crypto/__init__.py")


def test_a_function_calls_aws_as_its_role_in_its_own_account(register, lambda_runtime, aws_endpoint):
    own = assume_role(aws_endpoint, ACCOUNT)
    s3 = boto3.client(
        "s3",
        endpoint_url=aws_endpoint,
        region_name=REGION,
        aws_access_key_id=own["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=own["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=own["AWS_SESSION_TOKEN"],
    )
    s3.create_bucket(Bucket="runtime-test-own")
    s3.put_object(Bucket="runtime-test-own", Key="k", Body=b"sealed bytes")
    mine = register("BucketsHere", "probe", "app.buckets", credentials=lambda: assume_role(aws_endpoint, ACCOUNT))
    theirs = register(
        "BucketsElsewhere",
        "probe",
        "app.buckets",
        account_id=OTHER_ACCOUNT,
        credentials=lambda: assume_role(aws_endpoint, OTHER_ACCOUNT),
    )

    here = lambda_runtime.invoke(mine, {"bucket": "runtime-test-own"}, source="test").payload
    elsewhere = lambda_runtime.invoke(theirs, {"bucket": "runtime-test-own"}, source="test").payload

    assert "runtime-test-own" in here["buckets"]
    assert "runtime-test-own" not in elsewhere["buckets"]
    # A presigned URL names the local endpoint, path-style, signed with SigV4 as the
    # runtime's AWS config asks, and any HTTP client can use it.
    assert here["presigned"].startswith(f"{aws_endpoint}/runtime-test-own/k?")
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in here["presigned"]
    with urllib.request.urlopen(here["presigned"]) as response:
        assert response.read() == b"sealed bytes"


def test_a_handler_past_its_timeout_is_stopped_and_its_environment_replaced(register, lambda_runtime, log_records):
    arn = register("Sleepy", "probe", "app.sleep", timeout_s=1)

    started = time.monotonic()
    timed_out = lambda_runtime.invoke(arn, {"seconds": 30}, source="test")
    elapsed = time.monotonic() - started
    after = lambda_runtime.invoke(arn, {"seconds": 0}, source="test")

    assert timed_out.error == "Unhandled"
    assert timed_out.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out.payload["errorMessage"]
    assert 1 <= elapsed < 2.5
    assert after.error is None and after.payload["slept"] == 0
    assert [record["outcome"] for record in log_records("invocation") if record["function"] == "Sleepy"] == [
        "timeout",
        "ok",
    ]


def test_an_unhandled_error_is_a_result_and_its_trace_goes_to_the_log(register, lambda_runtime, log_records, capfd):
    arn = register("Failing", "probe", "app.fail")

    result = lambda_runtime.invoke(arn, {"secret": "ciphertext-in-event"}, source="test")

    assert result.error == "Unhandled"
    assert result.payload["errorType"] == "ValueError"
    (record,) = [record for record in log_records("invocation") if record["function"] == "Failing"]
    assert record["outcome"] == "error" and record["error_type"] == "ValueError"
    assert record["account"] == ACCOUNT and record["source"] == "test"
    output = [line for line in log_records("output") if line["request_id"] == record["request_id"]]
    messages = [line["message"] for line in output]
    assert "about to fail" in messages and "failing on purpose" in messages
    assert any(message.startswith("Traceback") for message in messages)
    assert "about to fail" not in capfd.readouterr().out, "a function's output belongs in the log, not the CLI's stdout"


def test_the_log_never_holds_an_event_or_a_payload(register, lambda_runtime):
    arn = register("Quiet", "probe", "app.sleep")

    lambda_runtime.invoke(arn, {"seconds": 0, "token": "eyJ-a-bearer-token"}, source="test")

    assert "eyJ-a-bearer-token" not in lambda_runtime.log.path.read_text()


def test_a_runtime_that_exits_is_reported_and_replaced(register, lambda_runtime):
    arn = register("Exiting", "probe", "app.exit")

    first = lambda_runtime.invoke(arn, {}, source="test")
    second = lambda_runtime.invoke(arn, {}, source="test")

    assert first.payload["errorType"] == second.payload["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in first.payload["errorMessage"]


def test_concurrent_invocations_run_in_environments_of_their_own(register, lambda_runtime):
    arn = register("Concurrent", "probe", "app.sleep")

    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: lambda_runtime.invoke(arn, {"seconds": 0.5}, source="test"), range(3)))
    elapsed = time.monotonic() - started

    assert len({result.payload["pid"] for result in results}) == 3
    assert elapsed < 1.4, "three half-second invocations ran one after another"


@pytest.mark.parametrize(("lifetime", "environments"), [(timedelta(hours=1), 1), (timedelta(minutes=5), 3)])
def test_an_environment_never_runs_with_credentials_about_to_expire(register, lambda_runtime, lifetime, environments):
    issued = []

    def credentials():
        expiry = datetime.now(UTC) + lifetime
        issued.append(expiry)
        return {
            "AWS_ACCESS_KEY_ID": "AKID",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_CREDENTIAL_EXPIRATION": expiry.isoformat(),
        }

    arn = register(f"Expiring{environments}", "probe", "app.environment", credentials=credentials)

    pids = {lambda_runtime.invoke(arn, {}, source="test").payload["pid"] for _ in range(3)}

    assert len(pids) == len(issued) == environments


def test_an_unknown_function_is_the_callers_error(lambda_runtime):
    with pytest.raises(UnknownFunction):
        lambda_runtime.invoke("arn:aws:lambda:us-east-1:111111111111:function:Nowhere", {}, source="test")


def test_verbose_shows_each_invocation_live_on_stderr(aws_endpoint, tmp_path, capfd):
    runtime = LambdaRuntime(aws_endpoint, tmp_path / "verbose.log", verbose=True)
    spec = function_spec("Loud", "probe", "app.fail")
    try:
        runtime.register(spec)
        runtime.invoke(spec.arn, {}, source="test")
    finally:
        runtime.close()

    captured = capfd.readouterr()
    assert "Loud in 111111111111" in captured.err and "ValueError" in captured.err
    assert "Loud | about to fail" in captured.err
    assert "about to fail" not in captured.out


# ---- faults injected on purpose ------------------------------------------------------------------


def test_an_injected_throttle_or_error_never_runs_the_handler_and_an_injected_timeout_cuts_it_short(
    register, lambda_runtime, log_records
):
    sleeper = register("FaultySleeper", "probe", "app.sleep", timeout_s=10)
    faults = lambda_runtime.faults
    try:
        faults.inject(FaultRates(lambda_throttle=1.0))
        throttled = lambda_runtime.invoke(sleeper, {"seconds": 0}, source="test")
        faults.inject(FaultRates(lambda_error=1.0))
        failed = lambda_runtime.invoke(sleeper, {"seconds": 0}, source="test")
        faults.inject(FaultRates(lambda_timeout=1.0))
        started = time.perf_counter()
        cut = lambda_runtime.invoke(sleeper, {"seconds": 5}, source="test")
        cut_after = time.perf_counter() - started
    finally:
        faults.inject(FaultRates())

    assert throttled.throttled and throttled.payload["errorType"] == "TooManyRequestsException"
    assert not failed.throttled and failed.error == "Unhandled" and failed.payload["errorType"] == "ServiceException"
    assert cut.payload["errorType"] == "Sandbox.Timedout" and cut_after < 3  # not the 5 s asked, nor the 10 s timeout
    outcomes = [record["outcome"] for record in log_records("invocation") if record["function"] == "FaultySleeper"]
    assert outcomes == ["throttle", "error", "timeout"]
    assert lambda_runtime.invoke(sleeper, {"seconds": 0}, source="test").error is None  # a fresh environment
