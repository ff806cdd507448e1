"""Every alarm tells someone: each has actions, to a topic of its template that an email is subscribed to; the
platform alarms on what breaks (dead letters, function errors and throttles, failed deployments, API 5xx) and has a
dashboard."""

from __future__ import annotations

import pytest

from imegha_local.templates import load_template
from tests.conftest import ROOT

TEMPLATES = [ROOT / "template.yaml", *sorted((ROOT / "user-cloud").rglob("*.yaml"))]
ALARMS = [
    (template, name, resource["Properties"])
    for template in TEMPLATES
    for name, resource in (load_template(template).get("Resources") or {}).items()
    if resource["Type"] == "AWS::CloudWatch::Alarm"
]


def test_there_are_alarms_in_the_platform_and_in_the_user_cloud():
    assert {template.name for template, _, _ in ALARMS} >= {"template.yaml", "monitoring.yaml"}


@pytest.mark.parametrize(("template", "name", "alarm"), ALARMS, ids=[f"{t.name}:{n}" for t, n, _ in ALARMS])
def test_every_alarm_has_an_action_a_topic_of_its_template_that_mails_someone(template, name, alarm):
    resources = load_template(template)["Resources"]
    assert alarm.get("AlarmActions"), f"{template.name}: {name} tells no one"
    assert alarm.get("ActionsEnabled", True) is not False
    for action in alarm["AlarmActions"]:
        topic = resources[action["Ref"]]
        assert topic["Type"] == "AWS::SNS::Topic"
        condition, (subscribed,), _ = topic["Properties"]["Subscription"]["Fn::If"]
        assert subscribed["Protocol"] == "email", f"{name}'s topic mails no one"
        key = topic["Properties"]["KmsMasterKeyId"]
        assert key != "alias/aws/sns", "CloudWatch cannot publish to a topic under the AWS-managed SNS key"
        granted = resources[key["Ref"]]["Properties"]["KeyPolicy"]["Statement"]
        assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for s in granted)


def test_the_platform_alarms_on_what_breaks_and_has_a_dashboard():
    resources = load_template(ROOT / "template.yaml")["Resources"]
    watched = {
        (alarm["Namespace"], alarm["MetricName"]) for template, _, alarm in ALARMS if template.name == "template.yaml"
    }
    assert watched >= {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/ApiGateway", "5XXError"),
    }
    assert [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
