"""Push tokens through ``imegha devices``: registered, renewed, unregistered, each person's own, bad ones refused."""

from __future__ import annotations

import json

import pytest

from tests.e2e.devices import Device
from tests.integration.polling import eventually

TOKEN, RENEWED = "a1" * 32, "fcm:" + "b2" * 40


def devices_held(platform_view) -> list[dict]:
    """The device tokens table, as the platform's operator reads it: the devices' records (each user's index of
    their endpoints left out)."""
    return sorted(
        (
            item
            for item in platform_view.table("DeviceTokensTable").scan(ConsistentRead=True)["Items"]
            if item["deviceId"] != "#endpoints"
        ),
        key=lambda item: (item["userId"], item["deviceId"]),
    )


def register(device: Device, device_id: str, token: str = TOKEN, platform: str = "apns"):
    return device.imegha("devices", "register", device_id, "--platform", platform, "--token", token)


@pytest.fixture
def no_devices(platform_view):
    """Each test starts with no device registered, whatever the test before it left."""
    table = platform_view.table("DeviceTokensTable")
    for item in table.scan(ConsistentRead=True)["Items"]:
        table.delete_item(Key={"userId": item["userId"], "deviceId": item["deviceId"]})


def test_a_device_is_registered_renewed_then_unregistered(alice, platform_view, no_devices):
    registered = register(alice.device, "alices-phone").json
    renewed = register(alice.device, "alices-phone", RENEWED, "fcm").json
    held = devices_held(platform_view)
    unregistered = alice.device.imegha("devices", "unregister", "alices-phone").json

    assert registered == {"deviceId": "alices-phone", "platform": "apns", "pushes": True, "registered": True}
    assert renewed == {"deviceId": "alices-phone", "platform": "fcm", "pushes": True, "registered": True}
    assert [(item["userId"], item["deviceId"], item["platform"], item["token"]) for item in held] == [
        (alice.user_id, "alices-phone", "fcm", RENEWED)
    ]  # renewing replaced the token, it did not add a device
    assert unregistered == {"deviceId": "alices-phone", "registered": False}
    assert (
        platform_view.table("DeviceTokensTable").scan(ConsistentRead=True)["Items"] == []
    )  # and the index of endpoints


def test_someone_else_cannot_unregister_your_device_and_a_device_unknown_is_refused_plainly(
    alice, bob, platform_view, no_devices
):
    assert register(alice.device, "alices-phone").status == 0

    bobs_try = bob.device.imegha("devices", "unregister", "alices-phone")

    assert (bobs_try.status, bobs_try.error) == (
        1,
        {"error": "refused", "message": "the platform refused: no such device", "status": 404},
    )
    assert [item["userId"] for item in devices_held(platform_view)] == [alice.user_id]


def test_bad_ids_tokens_and_platforms_are_refused_with_the_reason_and_nothing_is_stored(
    alice, new_device, platform_view, no_devices
):
    short_id = register(alice.device, "x")
    bad_token = register(alice.device, "alices-phone", "not a token!")
    unknown_platform = register(alice.device, "alices-phone", platform="pager")
    signed_out = register(new_device("nobody"), "alices-phone")

    assert (short_id.status, short_id.error["message"]) == (
        1,
        "the platform refused: deviceId: 8 to 64 characters of letters, digits, '_' or '-'",
    )
    assert bad_token.status == 1 and bad_token.error["message"].startswith("the platform refused: token")
    assert (
        unknown_platform.error["error"] == "bad_input"
        and "invalid choice: 'pager'" in unknown_platform.error["message"]
    )
    assert signed_out.status == 1 and "is not signed in: run 'imegha login'" in signed_out.stderr
    assert devices_held(platform_view) == []


def phone_received(local_cloud, endpoint_arn: str) -> list[dict]:
    """What reached the phone behind an SNS mobile endpoint (the local cloud keeps it on the endpoint)."""
    from moto.sns.models import sns_backends

    endpoint = sns_backends[local_cloud.platform.account_id][local_cloud.region].platform_endpoints[endpoint_arn]
    return [json.loads(message) for message in endpoint.messages.values()]


def test_a_registered_iphone_is_rung_with_what_happened_and_never_with_content(
    bob, local_cloud, platform_view, no_devices
):
    assert register(bob.device, "bobs-iphone").json["pushes"] is True
    (phone,) = devices_held(platform_view)
    assert bob.device.imegha("cloud", "connect", "--local").json
    deployed = bob.device.imegha("cloud", "deploy").json

    (push,) = eventually(lambda: phone_received(local_cloud, phone["endpointArn"]))
    assert push == {
        "aps": {"alert": {"title": "iMegha", "body": "Your iMegha cloud is ready"}, "sound": "default"},
        "deploymentId": deployed["deploymentId"],
        "action": "deploy",
        "status": "SUCCEEDED",
    }

    assert bob.device.imegha("devices", "unregister", "bobs-iphone").status == 0
    with pytest.raises(KeyError):
        phone_received(local_cloud, phone["endpointArn"])
