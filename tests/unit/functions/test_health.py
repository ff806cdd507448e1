"""The health routes of both templates, driven by the sample events `sam local invoke` uses."""

import json
from pathlib import Path

import pytest

from imegha.local.functions import load_handler
from imegha.local.templates import load_template
from tests.lambda_context import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[3]


def handler_from_template(template: str, logical_id: str):
    properties = load_template(ROOT / template)["Resources"][logical_id]["Properties"]
    return load_handler((ROOT / template).parent / properties["CodeUri"], properties["Handler"])


@pytest.mark.parametrize(
    ("template", "event_file", "service"),
    [
        ("template.yaml", "platform_health.json", "platform"),
        ("user-cloud/user-cloud.yaml", "user_cloud_health.json", "user-cloud"),
    ],
)
def test_health_answers_its_sample_event(template, event_file, service):
    handler = handler_from_template(template, "HealthFunction")
    event = json.loads((ROOT / "events" / event_file).read_text())

    response = handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok", "service": service}


def test_two_functions_with_the_same_module_name_keep_their_own_code():
    loaded = [
        (handler_from_template("template.yaml", "HealthFunction"), "platform_health.json"),
        (handler_from_template("user-cloud/user-cloud.yaml", "HealthFunction"), "user_cloud_health.json"),
    ]

    answers = [
        json.loads(handler(json.loads((ROOT / "events" / event).read_text()), FakeLambdaContext())["body"])["service"]
        for handler, event in loaded
    ]

    assert answers == ["platform", "user-cloud"]
