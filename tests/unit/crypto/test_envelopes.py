"""Envelope shapes: what a Lambda refuses before storing, and how it says why."""

import copy
import json
from importlib.resources import files

import pytest
from jsonschema import Draft202012Validator

from imegha_crypto import (
    Context,
    ConversationKey,
    FileKey,
    FormatError,
    GroupKey,
    seal_data,
    sign_key_statement,
    sign_record,
    validate_envelope,
    wrap_key,
)
from imegha_crypto.envelopes import ENVELOPE_TYPES

SCHEMAS = files("imegha_crypto").joinpath("schemas")


@pytest.fixture(scope="session")
def samples(alice, bob) -> dict[str, dict]:
    """One envelope of each type, made through the public API."""
    context = Context(owner="alice", object_id="file-7", version=3)
    return {
        "password-wrapped-key": alice.bundle["passwordWrappedDek"],
        "recovery-wrapped-key": alice.bundle["recoveryWrappedDek"],
        "wrapped-key": wrap_key(GroupKey.generate(epoch=2), wrapping_key=alice.keys.data_key, context=context),
        "recipient-wrapped-key": wrap_key(
            FileKey.generate(), wrapping_key=bob.keys.exchange_key.public_key, context=context
        ),
        "sealed-data": seal_data(ConversationKey.generate(), b"hello", context),
        "signed-record": sign_record(alice.keys.identity_key, "share", {"file": "file-7", "to": "bob"}),
        "key-statement": sign_key_statement(
            alice.keys.identity_key,
            user_id="alice",
            exchange_key=alice.keys.exchange_key.public_key,
            cloud_url="https://api.alice.example/v1",
            sequence=1,
        ),
        "account-keys": alice.bundle,
    }


def _schema_files():
    return sorted(entry.name for entry in SCHEMAS.iterdir() if entry.name.endswith(".json"))


def _object_definitions(schema, under_if=False):
    """Every subschema that defines an object's fields, except the conditions of if/then."""
    if isinstance(schema, dict):
        if "properties" in schema and "required" in schema and not under_if:
            yield schema
        for keyword, value in schema.items():
            yield from _object_definitions(value, under_if=keyword == "if")
    elif isinstance(schema, list):
        for value in schema:
            yield from _object_definitions(value)


def test_every_envelope_type_has_its_schema_file():
    assert sorted(f"{name}.json" for name in ENVELOPE_TYPES) == sorted(set(_schema_files()) - {"defs.json"})


@pytest.mark.parametrize("name", _schema_files())
def test_schemas_are_draft_2020_12_and_closed(name):
    schema = json.loads(SCHEMAS.joinpath(name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    for definition in _object_definitions(schema):
        assert definition.get("additionalProperties") is False, definition


@pytest.mark.parametrize("envelope_type", ENVELOPE_TYPES)
def test_envelopes_made_by_the_layer_are_valid(samples, envelope_type):
    validate_envelope(envelope_type, samples[envelope_type])


def test_an_unknown_envelope_type_is_a_programming_error():
    with pytest.raises(ValueError, match="wrapped-key"):
        validate_envelope("wrapped-keys", {})


@pytest.mark.parametrize("envelope_type", ENVELOPE_TYPES)
def test_an_unknown_version_is_refused(samples, envelope_type):
    envelope = dict(samples[envelope_type], v=2)
    with pytest.raises(FormatError, match=f"^{envelope_type}: v: unknown version 2; this layer reads version 1$"):
        validate_envelope(envelope_type, envelope)


def _fields(envelope_type, envelope, prefix=""):
    """Every field's dotted path, nested envelopes included; a generic signed record's body is free-form."""
    for name, value in envelope.items():
        yield prefix + name
        if isinstance(value, dict) and not (envelope_type == "signed-record" and name == "body"):
            yield from _fields(envelope_type, value, prefix=f"{prefix}{name}.")


def _without(envelope, path):
    changed = copy.deepcopy(envelope)
    *parents, field = path.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    del target[field]
    return changed


def _with(envelope, path, value):
    changed = copy.deepcopy(envelope)
    *parents, field = path.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    target[field] = value
    return changed


def test_every_field_is_required(samples):
    for envelope_type, envelope in samples.items():
        for field in _fields(envelope_type, envelope):
            with pytest.raises(FormatError) as refused:
                validate_envelope(envelope_type, _without(envelope, field))
            assert str(refused.value) == f"{envelope_type}: {field}: missing", field


def test_a_field_of_the_wrong_type_is_named(samples):
    for envelope_type, envelope in samples.items():
        for field in _fields(envelope_type, envelope):
            with pytest.raises(FormatError) as refused:
                validate_envelope(envelope_type, _with(envelope, field, [1, 2]))
            assert str(refused.value).startswith(f"{envelope_type}: {field}: "), (field, str(refused.value))


def test_an_extra_field_is_named_and_refused(samples):
    for envelope_type, envelope in samples.items():
        with pytest.raises(FormatError, match=f"^{envelope_type}: note: not a field of this envelope$"):
            validate_envelope(envelope_type, dict(envelope, note="hi"))


def test_an_extra_field_in_a_nested_envelope_is_named(samples):
    bundle = _with(samples["account-keys"], "passwordWrappedDek.note", "hi")
    with pytest.raises(FormatError, match="^account-keys: passwordWrappedDek.note: not a field of this envelope$"):
        validate_envelope("account-keys", bundle)


_TEXT_FIELDS = {"alg", "kind", "wrappedBy", "type", "signer", "recipient", "userId", "cloudUrl"}


def _base64_fields(envelope_type, envelope):
    for field in _fields(envelope_type, envelope):
        value = _lookup(envelope, field)
        if isinstance(value, str) and field.rsplit(".", 1)[-1] not in _TEXT_FIELDS:
            yield field


def _lookup(envelope, path):
    for part in path.split("."):
        envelope = envelope[part]
    return envelope


@pytest.mark.parametrize(
    "spoil", [lambda text: text[:-1] + "+", lambda text: text[:-2] + "==", lambda text: text + "\n"]
)
def test_bad_base64url_is_named(samples, spoil):
    for envelope_type, envelope in samples.items():
        for field in _base64_fields(envelope_type, envelope):
            with pytest.raises(FormatError) as refused:
                validate_envelope(envelope_type, _with(envelope, field, spoil(_lookup(envelope, field))))
            assert str(refused.value).startswith(f"{envelope_type}: {field}: "), str(refused.value)
            assert "base64url" in str(refused.value), str(refused.value)


def test_a_wrong_length_says_what_was_expected(samples):
    envelope = _with(samples["sealed-data"], "iv", "AAAA")
    with pytest.raises(
        FormatError, match=r"^sealed-data: iv: 4 characters; expected a 12-byte AES-GCM IV \(16 base64url"
    ):
        validate_envelope("sealed-data", envelope)


def test_an_unknown_algorithm_is_named(samples):
    with pytest.raises(FormatError, match="^wrapped-key: alg: unknown algorithm 'A128GCM'"):
        validate_envelope("wrapped-key", dict(samples["wrapped-key"], alg="A128GCM"))


def test_an_unknown_kind_is_named(samples):
    with pytest.raises(FormatError, match="^wrapped-key: kind: 'XK' is not one of FEK, CK"):
        validate_envelope("wrapped-key", dict(samples["wrapped-key"], kind="XK"))


def test_only_group_keys_carry_an_epoch(samples):
    with pytest.raises(FormatError, match="^sealed-data: epoch: only group keys"):
        validate_envelope("sealed-data", dict(samples["sealed-data"], epoch=1))
    with pytest.raises(FormatError, match="^wrapped-key: epoch: missing$"):
        validate_envelope("wrapped-key", _without(samples["wrapped-key"], "epoch"))


def test_a_recipient_wrapped_group_key_needs_its_epoch(samples):
    envelope = dict(samples["recipient-wrapped-key"], kind="GK")
    with pytest.raises(FormatError, match="^recipient-wrapped-key: epoch: missing$"):
        validate_envelope("recipient-wrapped-key", envelope)


def test_a_private_key_cannot_be_shared_with_a_recipient(samples):
    envelope = dict(samples["recipient-wrapped-key"], kind="RSA-PRIVATE")
    with pytest.raises(FormatError, match="^recipient-wrapped-key: kind: 'RSA-PRIVATE' is not one of"):
        validate_envelope("recipient-wrapped-key", envelope)


@pytest.mark.parametrize(
    ("iterations", "reason"),
    [(99_999, "99999 is below the minimum of 100,000"), (10_000_001, "10000001 is above the maximum of 10,000,000")],
)
def test_password_iterations_outside_policy_are_refused(samples, iterations, reason):
    bundle = _with(samples["account-keys"], "passwordWrappedDek.iterations", iterations)
    with pytest.raises(FormatError) as refused:
        validate_envelope("account-keys", bundle)
    assert str(refused.value) == f"account-keys: passwordWrappedDek.iterations: {reason}"


def test_the_account_bundle_holds_each_private_key_in_its_own_slot(samples):
    bundle = dict(samples["account-keys"], wrappedExchangeKey=samples["account-keys"]["wrappedIdentityKey"])
    with pytest.raises(
        FormatError, match="^account-keys: wrappedExchangeKey.kind: must be 'RSA-PRIVATE', not 'ED25519-PRIVATE'$"
    ):
        validate_envelope("account-keys", bundle)


def test_signed_record_bodies_hold_no_fractions(samples):
    record = _with(samples["signed-record"], "body.size", 1.5)
    with pytest.raises(FormatError, match="^signed-record: body.size: must be of type"):
        validate_envelope("signed-record", record)


@pytest.mark.parametrize("envelope", [None, [], "{}", 1])
def test_anything_but_an_object_is_refused(envelope):
    with pytest.raises(FormatError, match=r"^sealed-data: \(the envelope itself\): must be of type object"):
        validate_envelope("sealed-data", envelope)
