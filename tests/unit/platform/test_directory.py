"""The directory: iMTags unique in any case, keys replaced only from the version read, statements only newer."""

import json

import pytest

from imegha_crypto import create_account, sign_key_statement
from imegha_service.errors import Conflict, InvalidRequest, NotFound

FAST = 100_000  # the lowest the envelopes accept; the default 600,000 is for people, not tests


@pytest.fixture
def directory(stores):
    from logic import directory

    return directory


@pytest.fixture
def alice(directory, stores):
    directory_store = stores[0]
    directory.register_user(directory_store, "alice-id", "alice@example.org", "Alice")
    account = create_account("alice-id", "correct horse battery staple", iterations=FAST)
    directory.upload_keys(directory_store, "alice-id", 0, account.bundle)
    return account


def _statement(account, sequence, user_id="alice-id", cloud_url="https://alice.example.org"):
    return sign_key_statement(
        account.keys.identity_key,
        user_id=user_id,
        exchange_key=account.keys.exchange_key.public_key,
        cloud_url=cloud_url,
        sequence=sequence,
    )


def test_an_imtag_is_unique_in_any_letter_case_and_the_loser_leaves_nothing(directory, stores):
    directory_store = stores[0]
    directory.register_user(directory_store, "alice-id", "alice@example.org", "Alice")

    with pytest.raises(Conflict):
        directory.register_user(directory_store, "mallory-id", "mallory@example.org", "aLiCe")

    with pytest.raises(NotFound):
        directory_store.user("mallory-id")
    assert directory_store.user_id_for_tag("ALICE") == "alice-id"


def test_registering_the_same_confirmed_user_twice_is_a_no_op(directory, stores):
    directory.register_user(stores[0], "alice-id", "alice@example.org", "Alice")
    directory.register_user(stores[0], "alice-id", "alice@example.org", "Alice")

    assert directory.my_profile(stores[0], "alice-id")["iMTag"] == "Alice"


@pytest.mark.parametrize("tag", ["ab", "9lives", "has space", "x" * 33, "émile", ""])
def test_malformed_imtags_are_refused(directory, stores, tag):
    with pytest.raises(InvalidRequest) as refused:
        directory.register_user(stores[0], "user-id", "user@example.org", tag)
    assert refused.value.field == "iMTag"


def test_an_imtag_with_a_letter_outside_ascii_is_refused_with_the_letter_named(directory, stores):
    with pytest.raises(InvalidRequest) as refused:
        directory.register_user(stores[0], "user-id", "user@example.org", "Émile_R")

    assert "only the ASCII letters A-Z and a-z count ('É' is not one)" in refused.value.reason


def test_keys_replace_only_from_the_version_the_device_read(directory, stores, alice):
    from imegha_crypto import change_password

    rewrapped = change_password(
        alice.bundle, "alice-id", "correct horse battery staple", "new password 1234", iterations=FAST
    )

    assert directory.upload_keys(stores[0], "alice-id", 1, rewrapped) == 2
    with pytest.raises(Conflict, match="version 1"):
        directory.upload_keys(stores[0], "alice-id", 1, alice.bundle)
    assert directory.my_profile(stores[0], "alice-id")["keys"] == rewrapped


def test_public_keys_cannot_be_swapped_after_sign_up(directory, stores, alice):
    other = create_account("alice-id", "another password", iterations=FAST)

    with pytest.raises(Conflict, match="pinned"):
        directory.upload_keys(stores[0], "alice-id", 1, other.bundle)
    assert directory.my_profile(stores[0], "alice-id")["keys"] == alice.bundle


def test_a_malformed_envelope_is_refused_with_the_field_named(directory, stores, alice):
    broken = {**alice.bundle, "passwordWrappedDek": {**alice.bundle["passwordWrappedDek"], "iterations": 1000}}

    with pytest.raises(InvalidRequest) as refused:
        directory.upload_keys(stores[0], "alice-id", 1, broken)
    assert "iterations" in str(refused.value)
    assert directory.my_profile(stores[0], "alice-id")["keysVersion"] == 1


def test_statements_must_be_signed_by_the_registered_identity_and_newer(directory, stores, alice):
    directory.publish_key_statement(stores[0], "alice-id", _statement(alice, 1))
    directory.publish_key_statement(stores[0], "alice-id", _statement(alice, 2, cloud_url="https://new.example.org"))

    impostor = create_account("alice-id", "x" * 12, iterations=FAST)
    with pytest.raises(InvalidRequest):
        directory.publish_key_statement(stores[0], "alice-id", _statement(impostor, 3))
    with pytest.raises(InvalidRequest, match="older"):
        directory.publish_key_statement(stores[0], "alice-id", _statement(alice, 2))
    with pytest.raises(InvalidRequest):
        directory.publish_key_statement(stores[0], "alice-id", _statement(alice, 3, user_id="bob-id"))
    assert directory.my_profile(stores[0], "alice-id")["keyStatement"]["body"]["cloudUrl"] == "https://new.example.org"


def test_the_first_keys_and_statement_are_stored_together_or_not_at_all(directory, stores):
    directory.register_user(stores[0], "bob-id", "bob@example.org", "Bob")
    bob = create_account("bob-id", "bob's long password", iterations=FAST)
    mallory = create_account("bob-id", "mallory's password", iterations=FAST)

    with pytest.raises(InvalidRequest) as refused:
        directory.upload_keys(stores[0], "bob-id", 0, bob.bundle, _statement(mallory, 1, user_id="bob-id"))
    assert refused.value.field == "statement"
    assert directory.my_profile(stores[0], "bob-id")["keys"] is None

    assert directory.upload_keys(stores[0], "bob-id", 0, bob.bundle, _statement(bob, 1, user_id="bob-id")) == 1
    profile = directory.my_profile(stores[0], "bob-id")
    assert (profile["keys"], profile["keyStatement"]["body"]["sequence"]) == (bob.bundle, 1)
    with pytest.raises(InvalidRequest, match="only the first upload"):
        directory.upload_keys(stores[0], "bob-id", 1, bob.bundle, _statement(bob, 2, user_id="bob-id"))


def test_lookup_shows_email_only_to_connections(directory, stores, alice):
    from logic import connections

    directory_store, connections_store, _ = stores
    directory.register_user(directory_store, "bob-id", "bob@example.org", "Bob")

    before = directory.lookup_user(directory_store, connections_store, "bob-id", "alice")
    connections.request_connection(directory_store, connections_store, "bob-id", "Alice")
    while_pending = directory.lookup_user(directory_store, connections_store, "bob-id", "alice")
    connections.accept_connection(connections_store, "alice-id", "bob-id")
    after = directory.lookup_user(directory_store, connections_store, "bob-id", "alice")

    assert "email" not in before and "email" not in while_pending
    assert after["email"] == "alice@example.org"
    assert before["exchangeKey"] == alice.bundle["exchangeKey"]


def test_looking_up_nobody_is_not_found(directory, stores):
    with pytest.raises(NotFound):
        directory.lookup_user(stores[0], stores[1], "alice-id", "nobody")


@pytest.fixture
def phones(stores):
    """An APNs application, as the operator set it up; no FCM application."""
    import boto3

    from dal.phones import PhoneEndpoints

    sns = boto3.client("sns")
    apns = sns.create_platform_application(Name="imegha-apns", Platform="APNS", Attributes={})["PlatformApplicationArn"]
    return PhoneEndpoints({"apns": apns, "fcm": ""}, sns)


def no_subscription_anywhere(phones) -> bool:
    """No topic and no subscription (so no filter policy) in the account: devices are rung by their endpoints."""
    return phones.client.list_topics()["Topics"] == [] and phones.client.list_subscriptions()["Subscriptions"] == []


def endpoints(phones) -> list[str]:
    application = phones.applications["apns"]
    return [
        endpoint["EndpointArn"]
        for endpoint in phones.client.list_endpoints_by_platform_application(PlatformApplicationArn=application)[
            "Endpoints"
        ]
    ]


def test_a_device_rings_through_its_own_endpoint_with_no_subscription_or_filter_policy(directory, stores, phones):
    devices = stores[2]

    answer = directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)

    held = devices.get("alice-id", "phone-0001")
    assert answer == {"deviceId": "phone-0001", "platform": "apns", "pushes": True}
    assert endpoints(phones) == [held["endpointArn"]]
    assert no_subscription_anywhere(phones)


def test_a_renewed_token_replaces_the_endpoint_and_unregistering_removes_everything(directory, stores, phones):
    devices = stores[2]
    directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)
    directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)  # the same again
    directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "b" * 64)

    renewed = devices.get("alice-id", "phone-0001")
    assert renewed["token"] == "b" * 64
    assert endpoints(phones) == [renewed["endpointArn"]]
    assert no_subscription_anywhere(phones)

    directory.unregister_device(devices, phones, "alice-id", "phone-0001")

    assert devices.get("alice-id", "phone-0001") is None and endpoints(phones) == []
    with pytest.raises(NotFound):
        directory.unregister_device(devices, phones, "alice-id", "phone-0001")


def test_registering_a_token_again_enables_the_endpoint_sns_had_disabled(directory, stores, phones):
    devices = stores[2]
    directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)
    endpoint = devices.get("alice-id", "phone-0001")["endpointArn"]
    phones.client.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})  # APNs said no

    directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)

    assert devices.get("alice-id", "phone-0001")["endpointArn"] == endpoint
    assert phones.client.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"]["Enabled"] == "true"


def test_a_device_with_no_push_service_set_up_is_kept_and_says_so(directory, stores, phones):
    answer = directory.register_device(stores[2], phones, "alice-id", "tablet-0001", "fcm", "c" * 64)

    assert answer["pushes"] is False and "endpointArn" not in stores[2].get("alice-id", "tablet-0001")


def test_a_device_not_recorded_leaves_no_endpoint_behind_and_a_bad_id_is_refused(
    directory, stores, phones, monkeypatch
):
    devices = stores[2]

    def storage_fails(*args):
        raise RuntimeError("DynamoDB is unreachable")

    monkeypatch.setattr(devices, "put", storage_fails)
    with pytest.raises(RuntimeError):
        directory.register_device(devices, phones, "alice-id", "phone-0001", "apns", "a" * 64)

    assert endpoints(phones) == []
    with pytest.raises(InvalidRequest):
        directory.register_device(devices, phones, "alice-id", "x", "apns", "a" * 64)


def _recoverable(directory, stores):
    """Alice's account as a device makes it at sign-up: its first keys bring the recovery verifier."""
    from imegha_crypto import recovery_lookup, recovery_verifier

    directory.register_user(stores[0], "alice-id", "Alice@Example.org", "Alice")
    account = create_account("alice-id", "correct horse battery staple", iterations=FAST)
    lookup = recovery_lookup(account.recovery_phrase)
    directory.upload_keys(stores[0], "alice-id", 0, account.bundle, verifier=recovery_verifier(lookup))
    return account, lookup


def test_the_phrase_lookup_opens_the_account_of_its_email_and_nothing_else(directory, stores):
    from imegha_crypto import b64url_encode
    from imegha_service.errors import NotAllowed

    account, lookup = _recoverable(directory, stores)
    directory.register_user(stores[0], "bob-id", "bob@example.org", "Bob")

    opened = directory.open_recovery(stores[0], " alice@EXAMPLE.org", lookup)

    assert opened == {"userId": "alice-id", "keysVersion": 1, "keys": json.loads(json.dumps(account.bundle))}
    for email, shown in [
        ("alice@example.org", b64url_encode(bytes(32))),  # the email alone
        ("bob@example.org", lookup),  # her phrase for another account, one without keys
        ("nobody@example.org", lookup),  # an email with no account
    ]:
        with pytest.raises(NotAllowed, match="^this recovery phrase is not the one of that email's account"):
            directory.open_recovery(stores[0], email, shown)
    assert "recoveryVerifier" not in directory.my_profile(stores[0], "alice-id")


def test_a_recovery_holds_its_new_wrapping_beside_the_keys_until_the_next_upload_removes_it(directory, stores):
    from imegha_crypto import change_password

    account, lookup = _recoverable(directory, stores)
    rewrapped = change_password(
        account.bundle, "alice-id", "correct horse battery staple", "new password 1234", iterations=FAST
    )

    with pytest.raises(Conflict, match="start the recovery again"):
        directory.hold_recovered_wrapping(stores[0], "alice@example.org", lookup, 0, rewrapped["passwordWrappedDek"])
    with pytest.raises(InvalidRequest, match="^passwordWrappedDek"):
        directory.hold_recovered_wrapping(stores[0], "alice@example.org", lookup, 1, {"v": 1})
    directory.hold_recovered_wrapping(stores[0], "alice@example.org", lookup, 1, rewrapped["passwordWrappedDek"])

    held = directory.my_profile(stores[0], "alice-id")
    assert held["keys"] == json.loads(json.dumps(account.bundle)) and held["keysVersion"] == 1
    assert held["recoveredPasswordWrappedDek"] == json.loads(json.dumps(rewrapped["passwordWrappedDek"]))
    assert directory.upload_keys(stores[0], "alice-id", 1, rewrapped) == 2
    assert directory.my_profile(stores[0], "alice-id")["recoveredPasswordWrappedDek"] is None
    assert directory.open_recovery(stores[0], "alice@example.org", lookup)["keysVersion"] == 2
