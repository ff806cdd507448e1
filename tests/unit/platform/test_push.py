"""Pushes go straight to each recipient's device endpoints: no topic, no filter policy, no quota per device."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.sns.models import sns_backends


@pytest.fixture
def sns(platform_tables):
    return boto3.client("sns")


@pytest.fixture
def application(sns) -> str:
    return sns.create_platform_application(Name="imegha-apns", Platform="APNS", Attributes={})["PlatformApplicationArn"]


def a_device(sns, stores, application: str, user_id: str, device_id: str) -> str:
    """A registered device: its endpoint made and recorded, as registering leaves it."""
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=application, Token=f"{user_id}-{device_id}")[
        "EndpointArn"
    ]
    stores[2].put(
        user_id, device_id, "apns", f"{user_id}-{device_id}", "2026-01-01T00:00:00+00:00", {"endpointArn": endpoint}
    )
    return endpoint


def received(endpoint_arn: str) -> list[dict]:
    region = endpoint_arn.split(":")[3]
    endpoint = sns_backends[endpoint_arn.split(":")[4]][region].platform_endpoints[endpoint_arn]
    return [json.loads(message) for message in endpoint.messages.values()]


def test_a_thousand_devices_each_get_their_push_with_no_topic_subscription_or_filter_policy(sns, stores, application):
    from dal.push import Push, PushPublisher

    recipients = [f"user-{n:04d}" for n in range(500)]
    phones = {
        recipient: [a_device(sns, stores, application, recipient, f"phone-{d:04d}") for d in range(2)]
        for recipient in recipients
    }

    requests = PushPublisher(stores[2], sns).publish(
        [Push(r, "Alice sent a message", {"messageId": "7"}) for r in recipients]
    )

    assert requests == 500 + 1000  # a query per recipient, a publish per device
    for endpoints in phones.values():
        for endpoint in endpoints:
            (push,) = received(endpoint)
            assert push["default"] == "Alice sent a message"
            assert json.loads(push["APNS"])["messageId"] == "7"
    assert sns.list_topics()["Topics"] == [] and sns.list_subscriptions()["Subscriptions"] == []


def test_an_endpoint_sns_disabled_is_deleted_and_taken_off_its_device_and_the_others_still_ring(
    sns, stores, application
):
    from dal.push import Push, PushPublisher

    dead = a_device(sns, stores, application, "bob", "old-phone")
    alive = a_device(sns, stores, application, "bob", "new-phone")
    sns.set_endpoint_attributes(
        EndpointArn=dead, Attributes={"Enabled": "false"}
    )  # APNs said the token stopped working

    PushPublisher(stores[2], sns).publish([Push("bob", "Alice sent a message")])

    assert [push["default"] for push in received(alive)] == ["Alice sent a message"]
    assert dead not in [
        e["EndpointArn"]
        for e in sns.list_endpoints_by_platform_application(PlatformApplicationArn=application)["Endpoints"]
    ]
    kept = stores[2].get("bob", "old-phone")
    assert (
        "endpointArn" not in kept and kept["token"] == "bob-old-phone"
    )  # the token waits for the device to register again
    assert stores[2].endpoints("bob") == [{"deviceId": "new-phone", "endpointArn": alive}]


def test_a_push_sns_refuses_for_another_reason_fails_the_event_for_a_retry(sns, stores, application, monkeypatch):
    from dal.push import Push, PushFailed, PushPublisher

    a_device(sns, stores, application, "bob", "phone-0001")

    def throttled(**request):
        raise ClientError({"Error": {"Code": "Throttled", "Message": "Rate exceeded"}}, "Publish")

    monkeypatch.setattr(sns, "publish", throttled)
    with pytest.raises(PushFailed, match="Throttled"):
        PushPublisher(stores[2], sns).publish([Push("bob", "Alice sent a message")])
    assert stores[2].endpoints("bob")  # nothing forgotten


def test_a_recipient_with_no_device_costs_one_query_and_no_publish(sns, stores):
    from dal.push import Push, PushPublisher

    assert PushPublisher(stores[2], sns).publish([Push("nobody", "hello")]) == 1
    assert PushPublisher(stores[2], sns).publish([]) == 0
