"""The health routes of both clouds, driven by the sample events and env.json that `sam local invoke` uses."""

import json
from pathlib import Path

import pytest

from imegha_local.functions import load_handler
from imegha_local.templates import load_template
from tests.lambda_context import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[3]
# The user cloud's health function lives in its API's nested template.
PLATFORM_HEALTH = ("template.yaml", "platform_health.json")
USER_CLOUD_HEALTH = ("user-cloud/api.yaml", "user_cloud_health.json")


@pytest.fixture(autouse=True)
def sam_local_environment(monkeypatch):
    for name, value in json.loads((ROOT / "env.json").read_text())["HealthFunction"].items():
        monkeypatch.setenv(name, value)


def handler_from_template(template: str):
    properties = load_template(ROOT / template)["Resources"]["HealthFunction"]["Properties"]
    return load_handler((ROOT / template).parent / properties["CodeUri"], properties["Handler"])


def sample_event(name: str) -> dict:
    return json.loads((ROOT / "events" / name).read_text())


@pytest.mark.parametrize(
    ("template", "event_file", "service"),
    [(*PLATFORM_HEALTH, "platform"), (*USER_CLOUD_HEALTH, "user-cloud")],
)
def test_health_answers_its_sample_event(template, event_file, service):
    response = handler_from_template(template)(sample_event(event_file), FakeLambdaContext())

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok", "service": service}


def test_a_users_cloud_answers_its_owner_only():
    event = sample_event(USER_CLOUD_HEALTH[1])
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "someone-else"

    response = handler_from_template(USER_CLOUD_HEALTH[0])(event, FakeLambdaContext())

    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {"message": "only the owner of this cloud may do this"}


def test_two_functions_with_the_same_module_name_keep_their_own_code():
    loaded = [(handler_from_template(template), event) for template, event in (PLATFORM_HEALTH, USER_CLOUD_HEALTH)]

    answers = [
        json.loads(handler(sample_event(event), FakeLambdaContext())["body"])["service"] for handler, event in loaded
    ]

    assert answers == ["platform", "user-cloud"]


def test_a_users_cloud_answers_its_owners_challenge_with_its_account_and_stack_and_the_nonce():
    event = sample_event(USER_CLOUD_HEALTH[1])
    event["rawQueryString"] = "nonce=n0nce-from-the-device-1234"
    event["queryStringParameters"] = {"nonce": "n0nce-from-the-device-1234"}

    response = handler_from_template(USER_CLOUD_HEALTH[0])(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    assert answer["nonce"] == "n0nce-from-the-device-1234"
    assert answer["accountId"] == "111111111111"
    assert answer["stackId"].startswith("arn:aws:cloudformation:us-east-1:111111111111:stack/")


def test_a_users_cloud_refuses_a_nonce_too_short_to_be_one():
    event = sample_event(USER_CLOUD_HEALTH[1])
    event["queryStringParameters"] = {"nonce": "1"}

    response = handler_from_template(USER_CLOUD_HEALTH[0])(event, FakeLambdaContext())

    assert response["statusCode"] == 400
