"""The formats as layers/crypto/README.md documents them, opened without the layer's own code.

Each test does by hand what a browser client would do with Web Crypto: if one
fails, the README and the code disagree.
"""

import base64
import hashlib
import hmac
import io
import json
import unicodedata

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from mnemonic import Mnemonic

from imegha_crypto import Context, FileKey, GroupKey, seal_data, seal_file, sign_record, wrap_key
from imegha_crypto.primitives import chunked_decrypt


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _binding(envelope_type: str, header: dict, owner: str, object_id: str, version: int) -> bytes:
    value = {
        "type": envelope_type,
        "header": header,
        "context": {"owner": owner, "object": object_id, "version": version},
    }
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _open_aes_gcm(key: bytes, envelope: dict, envelope_type: str, *where) -> bytes:
    header = {name: value for name, value in envelope.items() if name not in ("iv", "ct")}
    return AESGCM(key).decrypt(_b64(envelope["iv"]), _b64(envelope["ct"]), _binding(envelope_type, header, *where))


def test_the_password_envelope(alice, alice_password):
    envelope = alice.bundle["passwordWrappedDek"]
    password = unicodedata.normalize("NFC", alice_password).encode()
    kek = hashlib.pbkdf2_hmac("sha256", password, _b64(envelope["salt"]), envelope["iterations"], 32)
    dek = _open_aes_gcm(kek, envelope, "password-wrapped-key", "alice", "account", 0)
    assert dek == alice.keys.data_key.secret_bytes()


def test_the_recovery_envelope(alice):
    entropy = bytes(Mnemonic("english").to_entropy(alice.recovery_phrase))
    recovery_key = hmac.new(entropy, b"imegha recovery key v1\x01", "sha256").digest()
    dek = _open_aes_gcm(recovery_key, alice.bundle["recoveryWrappedDek"], "recovery-wrapped-key", "alice", "account", 0)
    assert dek == alice.keys.data_key.secret_bytes()


def test_the_private_keys_under_the_data_key(alice):
    dek = alice.keys.data_key.secret_bytes()
    for envelope_field, public_field in (("wrappedExchangeKey", "exchangeKey"), ("wrappedIdentityKey", "identityKey")):
        fingerprint = hashlib.sha256(_b64(alice.bundle[public_field])).hexdigest()
        pkcs8 = _open_aes_gcm(dek, alice.bundle[envelope_field], "wrapped-key", "alice", fingerprint, 0)
        public = serialization.load_der_private_key(pkcs8, None).public_key()
        spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert spki == _b64(alice.bundle[public_field])


def test_a_group_key_under_the_data_key(alice):
    key = GroupKey.generate(epoch=4)
    envelope = wrap_key(key, wrapping_key=alice.keys.data_key, context=Context("alice", "group-1", 0))
    opened = _open_aes_gcm(alice.keys.data_key.secret_bytes(), envelope, "wrapped-key", "alice", "group-1", 0)
    assert opened == key.secret_bytes()


def test_a_key_wrapped_for_a_recipient(bob):
    key = FileKey.generate()
    envelope = wrap_key(key, wrapping_key=bob.keys.exchange_key.public_key, context=Context("alice", "file-7", 3))
    assert envelope["recipient"] == hashlib.sha256(_b64(bob.bundle["exchangeKey"])).hexdigest()
    label = _binding("recipient-wrapped-key", {n: v for n, v in envelope.items() if n != "ct"}, "alice", "file-7", 3)
    private_key = serialization.load_der_private_key(bob.keys.exchange_key.secret_bytes(), None)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label)
    assert private_key.decrypt(_b64(envelope["ct"]), oaep) == key.secret_bytes()


def test_sealed_data():
    key = GroupKey.generate(epoch=2)
    envelope = seal_data(key, b"hello group", Context("bob", "group-1", 17))
    assert _open_aes_gcm(key.secret_bytes(), envelope, "sealed-data", "bob", "group-1", 17) == b"hello group"


def test_a_sealed_file():
    key = FileKey.generate()
    sealed = io.BytesIO()
    seal_file(key, io.BytesIO(b"x" * 20_000), sealed, Context("alice", "file-7", 3))
    context = _binding("sealed-file", {"v": 1, "kind": "FEK"}, "alice", "file-7", 3)
    assert chunked_decrypt(key.secret_bytes(), sealed.getvalue(), context) == b"x" * 20_000


def test_a_signed_record(alice):
    record = sign_record(alice.keys.identity_key, "share", {"to": "bob", "file": "file-7"})
    assert record["signer"] == hashlib.sha256(alice.keys.identity_key.public_key.der).hexdigest()
    unsigned = {name: value for name, value in record.items() if name != "sig"}
    message = b"imegha signed record\x00" + json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
    public_key = serialization.load_der_public_key(_b64(alice.bundle["identityKey"]))
    public_key.verify(_b64(record["sig"]), message)  # raises if the README is wrong
