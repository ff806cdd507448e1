"""Keys held by another process: the crypto layer asks their holder, and only a child key ever travels."""

import pytest

from imegha_crypto import (
    CHILD_KINDS,
    AIConversationKey,
    Context,
    DataKey,
    ExchangePrivateKey,
    FormatError,
    GroupKey,
    HeldDataKey,
    HeldExchangeKey,
    HeldIdentityKey,
    IdentityPrivateKey,
    context_from_document,
    key_document,
    key_from_document,
    sign_key_statement,
    sign_record,
    unwrap_key,
    verify_key_statement,
    wrap_key,
)
from tests.unit.crypto.test_wrapping import OWNER_KEYS

WHERE = Context(owner="alice", object_id="file-7", version=3)


class HeldDek(HeldDataKey):
    """A DEK in another process, here: each operation performed as the key agent performs it, and counted."""

    def __init__(self):
        self.key, self.asked = DataKey.generate(), []

    def wrap(self, key, context):
        self.asked.append("wrap")
        return wrap_key(key_from_document(key_document(key)), wrapping_key=self.key, context=context)

    def unwrap_secret(self, envelope, kind, context):
        self.asked.append("unwrap")
        return unwrap_key(envelope, CHILD_KINDS[kind], unwrapping_key=self.key, context=context).secret_bytes()


class HeldRsa(HeldExchangeKey):
    def __init__(self):
        self.key, self.asked = ExchangePrivateKey.generate(), []
        self.public_key = self.key.public_key

    def unwrap_secret(self, envelope, kind, context):
        self.asked.append("unwrap")
        return unwrap_key(envelope, CHILD_KINDS[kind], unwrapping_key=self.key, context=context).secret_bytes()


class HeldIdentity(HeldIdentityKey):
    def __init__(self):
        self.key, self.asked = IdentityPrivateKey.generate(), []
        self.public_key = self.key.public_key

    def sign(self, record_type, body):
        self.asked.append("sign")
        return sign_record(self.key, record_type, body)


@pytest.mark.parametrize("key", OWNER_KEYS, ids=lambda key: key.KIND)
def test_a_child_key_travels_whole_and_opens_where_it_was_wrapped(key):
    held = HeldDek()

    assert key_from_document(key_document(key)) == key
    wrapped = wrap_key(key, wrapping_key=held, context=WHERE)
    assert unwrap_key(wrapped, type(key), unwrapping_key=held.key, context=WHERE) == key
    assert unwrap_key(wrapped, type(key), unwrapping_key=held, context=WHERE) == key
    assert held.asked == ["wrap", "unwrap"]


def test_a_key_for_a_recipient_held_elsewhere_opens_through_its_holder():
    held = HeldRsa()
    key = GroupKey.generate(epoch=9)
    wrapped = wrap_key(key, wrapping_key=held.public_key, context=WHERE)

    assert unwrap_key(wrapped, GroupKey, unwrapping_key=held, context=WHERE) == key
    assert held.asked == ["unwrap"]


@pytest.mark.parametrize(
    "document",
    [
        {"kind": "DEK", "secret": "A" * 43},
        {"kind": "RSA-PRIVATE", "secret": "AAAA"},
        {"kind": "ED25519-PRIVATE", "secret": "AAAA"},
        {"kind": "FEK", "secret": "AAAA"},
        {"kind": "GK", "secret": "A" * 43},
        {"secret": "A" * 43},
    ],
    ids=["a DEK", "an RSA key", "an identity key", "a short FEK", "a GK without its epoch", "no kind"],
)
def test_nothing_but_a_child_key_comes_out_of_a_document(document):
    with pytest.raises(FormatError):
        key_from_document(document)


@pytest.mark.parametrize("document", [{}, {"owner": "", "object": "x", "version": 0}, {"owner": "a", "object": "x"}])
def test_a_context_document_is_refused_unless_it_is_one(document):
    with pytest.raises(FormatError):
        context_from_document(document)
    assert context_from_document(WHERE.as_json()) == WHERE


def test_the_holder_is_never_asked_for_what_the_hierarchy_forbids():
    dek, rsa = HeldDek(), HeldRsa()

    with pytest.raises(TypeError):
        wrap_key(IdentityPrivateKey.generate(), wrapping_key=dek, context=WHERE)
    with pytest.raises(TypeError):
        wrap_key(DataKey.generate(), wrapping_key=dek, context=WHERE)
    with pytest.raises(TypeError):
        unwrap_key({}, ExchangePrivateKey, unwrapping_key=dek, context=WHERE)
    with pytest.raises(TypeError):
        unwrap_key({}, AIConversationKey, unwrapping_key=rsa, context=WHERE)
    assert dek.asked == rsa.asked == []


def test_a_record_is_signed_by_its_holder():
    held, rsa = HeldIdentity(), ExchangePrivateKey.generate()

    statement = sign_key_statement(held, user_id="alice", exchange_key=rsa.public_key, cloud_url=None, sequence=1)

    assert verify_key_statement(statement, user_id="alice", pinned_identity=held.public_key).sequence == 1
    assert held.asked == ["sign"]
