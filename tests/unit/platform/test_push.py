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


def many_devices(sns, stores, application: str, users: list[str], each: int) -> dict[str, list[str]]:
    """``each`` registered devices per user, as registering them one by one leaves them (the records and each user's
    index of endpoints), written in batches: a thousand registrations would be most of a test's time. Their ARNs."""
    from dal.devices import INDEX

    made = {
        user: [
            sns.create_platform_endpoint(PlatformApplicationArn=application, Token=f"{user}-phone-{n:04d}")[
                "EndpointArn"
            ]
            for n in range(each)
        ]
        for user in users
    }
    with stores[2].table.batch_writer() as batch:
        for user, endpoints in made.items():
            for n, endpoint in enumerate(endpoints):
                batch.put_item(
                    Item={"userId": user, "deviceId": f"phone-{n:04d}", "platform": "apns", "endpointArn": endpoint}
                )
            batch.put_item(
                Item={
                    "userId": user,
                    "deviceId": INDEX,
                    "endpoints": {f"phone-{n:04d}": e for n, e in enumerate(endpoints)},
                }
            )
    return made


def received(endpoint_arn: str) -> list[dict]:
    region = endpoint_arn.split(":")[3]
    endpoint = sns_backends[endpoint_arn.split(":")[4]][region].platform_endpoints[endpoint_arn]
    return [json.loads(message) for message in endpoint.messages.values()]


def test_a_thousand_devices_each_get_their_push_with_no_topic_subscription_or_filter_policy(sns, stores, application):
    from dal.push import Push, PushPublisher

    recipients = [f"user-{n:04d}" for n in range(500)]
    phones = many_devices(sns, stores, application, recipients, 2)

    requests = PushPublisher(stores[2], sns).publish(
        [Push(r, "Alice sent a message", {"messageId": "7"}) for r in recipients]
    )

    assert requests == 5 + 1000  # a BatchGetItem per hundred recipients, a publish per device
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
    assert stores[2].endpoints_of(["bob"]) == {"bob": [{"deviceId": "new-phone", "endpointArn": alive}]}


def test_a_push_sns_refuses_for_another_reason_fails_the_event_for_a_retry(sns, stores, application, monkeypatch):
    from dal.push import Push, PushFailed, PushPublisher

    a_device(sns, stores, application, "bob", "phone-0001")

    def throttled(**request):
        raise ClientError({"Error": {"Code": "Throttled", "Message": "Rate exceeded"}}, "Publish")

    monkeypatch.setattr(sns, "publish", throttled)
    with pytest.raises(PushFailed, match="Throttled"):
        PushPublisher(stores[2], sns).publish([Push("bob", "Alice sent a message")])
    assert stores[2].endpoints_of(["bob"])["bob"]  # nothing forgotten


def test_a_recipient_with_no_device_costs_one_read_and_no_publish(sns, stores):
    from dal.push import Push, PushPublisher

    assert PushPublisher(stores[2], sns).publish([Push("nobody", "hello")]) == 1
    assert PushPublisher(stores[2], sns).publish([]) == 0


def test_a_users_endpoints_are_indexed_as_devices_register_renew_and_go_and_read_a_hundred_users_a_request(
    sns, stores, application, monkeypatch
):
    devices = stores[2]
    phone = a_device(sns, stores, application, "bob", "phone-0001")
    tablet = a_device(sns, stores, application, "bob", "tablet-0001")
    assert devices.endpoints_of(["bob", "bob", "carol"]) == {
        "bob": [{"deviceId": "phone-0001", "endpointArn": phone}, {"deviceId": "tablet-0001", "endpointArn": tablet}]
    }

    renewed = a_device(sns, stores, application, "bob", "phone-0001") + "-renewed"
    devices.put("bob", "phone-0001", "apns", "t" * 64, "2026-01-02T00:00:00+00:00", {"endpointArn": renewed})
    devices.forget_endpoint("bob", "phone-0001", phone)  # the old endpoint, reported gone late: the new one stays
    devices.put("bob", "tablet-0001", "fcm", "t" * 64, "2026-01-02T00:00:00+00:00", {})  # no FCM application now
    assert devices.endpoints_of(["bob"]) == {"bob": [{"deviceId": "phone-0001", "endpointArn": renewed}]}
    assert [device["deviceId"] for device in devices.of("bob")] == ["phone-0001", "tablet-0001"]

    devices.delete("bob", "phone-0001")
    devices.delete("bob", "tablet-0001")
    assert devices.endpoints_of(["bob"]) == {}
    assert devices.table.scan()["Items"] == []  # an index left empty is deleted too

    asked: list[int] = []
    client = devices.resource.meta.client
    original = client.batch_get_item
    monkeypatch.setattr(
        client,
        "batch_get_item",
        lambda **request: asked.append(len(request["RequestItems"][devices.table_name]["Keys"])) or original(**request),
    )
    many = many_devices(sns, stores, application, [f"user-{n:03d}" for n in range(250)], 1)
    assert {
        user: [found["endpointArn"] for found in them] for user, them in devices.endpoints_of(list(many)).items()
    } == many
    assert sorted(asked) == [50, 100, 100]


def test_an_index_entry_a_failure_left_behind_is_forgotten_at_the_next_push(sns, stores, application):
    from dal.push import Push, PushPublisher

    devices = stores[2]
    gone = a_device(sns, stores, application, "bob", "old-phone")
    devices.table.delete_item(Key={"userId": "bob", "deviceId": "old-phone"})  # unregistered; the index not told
    sns.delete_endpoint(EndpointArn=gone)

    PushPublisher(devices, sns).publish([Push("bob", "Alice sent a message")])

    assert devices.endpoints_of(["bob"]) == {} and devices.table.scan()["Items"] == []


def test_no_phone_rings_before_the_inbox_entries_it_announces_are_written_nor_if_writing_them_failed(
    sns, stores, application
):
    from dal.push import Push, PushPublisher

    phone = a_device(sns, stores, application, "bob", "phone-0001")
    publisher = PushPublisher(stores[2], sns)
    rung_while_writing: list[list[dict]] = []

    publisher.publish([Push("bob", "Alice sent a message")], first=lambda: rung_while_writing.append(received(phone)))
    assert rung_while_writing == [[]] and len(received(phone)) == 1

    def inbox_unwritable() -> None:
        raise RuntimeError("DynamoDB left 1 items unwritten")

    with pytest.raises(RuntimeError, match="unwritten"):
        publisher.publish([Push("bob", "Alice sent another")], first=inbox_unwritable)
    assert len(received(phone)) == 1  # the retry of the event rings it, once its entry is there
