"""Signed records and key statements: what verifies, and every way a forgery is caught."""

import pytest

from imegha_crypto import (
    FormatError,
    IdentityPrivateKey,
    SignatureError,
    sign_key_statement,
    sign_record,
    verify_key_statement,
    verify_record,
)

CLOUD_URL = "https://api.alice.example/v1"


@pytest.fixture(scope="module")
def mallory() -> IdentityPrivateKey:
    return IdentityPrivateKey.generate()


@pytest.fixture
def share(alice) -> dict:
    return sign_record(alice.keys.identity_key, "share", {"file": "file-7", "version": 3, "to": "bob", "tags": ["a"]})


@pytest.fixture
def statement(alice) -> dict:
    return sign_key_statement(
        alice.keys.identity_key,
        user_id="alice",
        exchange_key=alice.keys.exchange_key.public_key,
        cloud_url=CLOUD_URL,
        sequence=5,
    )


# --- Generic records ------------------------------------------------------------


def test_a_signed_record_verifies_and_returns_its_body(alice, share):
    body = verify_record(share, "share", alice.keys.identity_key.public_key)
    assert body == {"file": "file-7", "version": 3, "to": "bob", "tags": ["a"]}


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("v", FormatError),
        ("alg", FormatError),
        ("type", SignatureError),
        ("signer", SignatureError),
        ("body.file", SignatureError),
        ("body.version", SignatureError),
        ("sig", SignatureError),
    ],
)
def test_every_field_of_a_signed_record_is_covered(alice, share, tamper, field, error):
    with pytest.raises(error):
        verify_record(tamper(share, field), "share", alice.keys.identity_key.public_key)


def test_a_field_added_to_the_body_breaks_the_signature(alice, share):
    forged = dict(share, body=dict(share["body"], admin=True))
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_record(forged, "share", alice.keys.identity_key.public_key)


def test_a_record_signed_by_another_key_names_both_keys(alice, mallory):
    record = sign_record(mallory, "share", {"file": "file-7"})
    with pytest.raises(
        SignatureError, match=f"signed by identity key {mallory.public_key.fingerprint}, not by the expected"
    ):
        verify_record(record, "share", alice.keys.identity_key.public_key)


def test_a_record_relabelled_with_the_expected_signer_still_fails(alice, mallory):
    record = sign_record(mallory, "share", {"file": "file-7"})
    record["signer"] = alice.keys.identity_key.public_key.fingerprint.hex
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_record(record, "share", alice.keys.identity_key.public_key)


def test_a_message_cannot_pass_as_a_share_record(alice):
    message = sign_record(alice.keys.identity_key, "message", {"file": "file-7"})
    with pytest.raises(SignatureError, match="this is a 'message' record, not a 'share'"):
        verify_record(message, "share", alice.keys.identity_key.public_key)


def test_a_body_with_fractions_is_refused_when_signing(alice):
    with pytest.raises(FormatError, match="float"):
        sign_record(alice.keys.identity_key, "share", {"size": 1.5})


def test_a_body_changed_by_the_caller_after_signing_does_not_change_the_record(alice):
    body = {"members": ["alice", "bob"]}
    record = sign_record(alice.keys.identity_key, "group-change", body)
    body["members"].append("ghost")
    assert verify_record(record, "group-change", alice.keys.identity_key.public_key) == {"members": ["alice", "bob"]}


# --- Key statements ---------------------------------------------------------------


def test_a_key_statement_verifies_on_first_sight_and_once_pinned(alice, statement):
    for pinned in (None, alice.keys.identity_key.public_key):
        verified = verify_key_statement(statement, user_id="alice", pinned_identity=pinned, min_sequence=5)
        assert verified.user_id == "alice"
        assert verified.exchange_key == alice.keys.exchange_key.public_key
        assert verified.identity_key == alice.keys.identity_key.public_key
        assert verified.cloud_url == CLOUD_URL
        assert verified.sequence == 5


@pytest.mark.parametrize(
    "field",
    ["body.userId", "body.cloudUrl", "body.sequence", "body.exchangeKey", "signer", "sig", "type"],
)
def test_changing_any_field_of_a_key_statement_is_caught(alice, statement, tamper, field):
    with pytest.raises((SignatureError, FormatError)):
        verify_key_statement(
            tamper(statement, field), user_id="alice", pinned_identity=alice.keys.identity_key.public_key
        )


@pytest.mark.parametrize("field", ["exchangeKey", "cloudUrl"])
def test_a_platform_swapping_a_key_or_cloud_url_is_caught(alice, bob, statement, field):
    replacement = {"exchangeKey": bob.bundle["exchangeKey"], "cloudUrl": "https://api.mallory.example/v1"}[field]
    forged = dict(statement, body=dict(statement["body"], **{field: replacement}))
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_key_statement(forged, user_id="alice", pinned_identity=None)


def test_a_statement_naming_alices_key_but_signed_by_another_is_refused(alice, mallory, statement):
    forged = sign_record(mallory, "key-statement", statement["body"])
    with pytest.raises(SignatureError, match="signed by identity key"):
        verify_key_statement(forged, user_id="alice", pinned_identity=None)


def test_a_statement_under_a_new_identity_key_is_refused_once_one_is_pinned(alice, mallory):
    swapped = sign_key_statement(
        mallory, user_id="alice", exchange_key=alice.keys.exchange_key.public_key, cloud_url=CLOUD_URL, sequence=6
    )
    verify_key_statement(swapped, user_id="alice", pinned_identity=None)  # consistent in itself
    with pytest.raises(SignatureError, match="is the one pinned for this user: compare safety codes"):
        verify_key_statement(swapped, user_id="alice", pinned_identity=alice.keys.identity_key.public_key)


def test_alices_statement_is_not_accepted_for_bob(alice, statement):
    with pytest.raises(SignatureError, match="the statement is for user 'alice', not 'bob'"):
        verify_key_statement(statement, user_id="bob", pinned_identity=None)


def test_an_older_statement_is_refused_as_a_replay(alice, statement):
    with pytest.raises(SignatureError, match="sequence 5 is older than 6"):
        verify_key_statement(
            statement, user_id="alice", pinned_identity=alice.keys.identity_key.public_key, min_sequence=6
        )


@pytest.mark.parametrize("confirmed", ["account", "stack", None])
def test_a_statement_says_how_its_cloud_url_was_confirmed_and_a_platform_cannot_upgrade_it(alice, confirmed):
    statement = sign_key_statement(
        alice.keys.identity_key,
        user_id="alice",
        exchange_key=alice.keys.exchange_key.public_key,
        cloud_url=CLOUD_URL,
        sequence=5,
        cloud_confirmed=confirmed,
    )
    assert statement["body"]["cloudConfirmed"] == (confirmed or False)
    assert verify_key_statement(statement, user_id="alice", pinned_identity=None).cloud_confirmed == confirmed
    upgraded = dict(statement, body=dict(statement["body"], cloudConfirmed="stack" if confirmed != "stack" else False))
    with pytest.raises(SignatureError, match="altered after signing"):
        verify_key_statement(upgraded, user_id="alice", pinned_identity=None)


def test_a_statement_made_before_the_cloud_exists_names_no_url(alice):
    statement = sign_key_statement(
        alice.keys.identity_key,
        user_id="alice",
        exchange_key=alice.keys.exchange_key.public_key,
        cloud_url=None,
        sequence=1,
    )
    checked = verify_key_statement(statement, user_id="alice", pinned_identity=None)
    assert (checked.cloud_url, checked.cloud_confirmed, statement["body"]["cloudConfirmed"]) == (None, None, False)


def test_a_key_statement_must_name_an_rsa_exchange_key(alice, statement):
    body = dict(statement["body"], exchangeKey=statement["body"]["identityKey"])
    with pytest.raises(
        FormatError, match="^key-statement: body.exchangeKey: 59 characters; expected a 2048 to 4096-bit RSA"
    ):
        sign_record(alice.keys.identity_key, "key-statement", body)
