"""The known-answer vectors of tests/vectors, run in Chromium against the conformance surface (``primitives``) as
tests/unit/crypto runs them against imegha_crypto.primitives: the page fetches the very same files."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import BrowserError
from tests.browser.harness import VECTORS
from tests.unit.crypto.test_primitives_vectors import ed25519_key_pair, oaep_key_pair

pytestmark = pytest.mark.xdist_group("browser")

# Vectors that hand the function its IV or salt: getRandomValues gives that once, as the Python tests patch urandom.
_GIVING = """
function giving(bytes, call) {
  const real = crypto.getRandomValues;
  crypto.getRandomValues = (array) => { if (array.length === bytes.length) { array.set(bytes); return array; } return real.call(crypto, array); };
  return call().finally(() => { crypto.getRandomValues = real; });
}
"""


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text())


def test_aes_256_gcm_nist_vectors(browser):
    failures = browser.run(
        _GIVING
        + """
        const { encrypt, decrypt } = await (await fetch("/vectors/nist-aes-256-gcm.json")).json();
        const h = m.fromHex, failures = [];
        for (const [index, v] of encrypt.entries()) {
          const [iv, sealed] = await giving(h(v.iv), () => m.primitives.aesGcmEncrypt(h(v.key), h(v.pt), h(v.aad)));
          if (m.toHex(iv) !== v.iv || m.toHex(sealed) !== v.ct + v.tag) failures.push(`encrypt ${index}`);
        }
        for (const [index, v] of decrypt.entries()) {
          const opened = await m.primitives.aesGcmDecrypt(h(v.key), h(v.iv), h(v.ct + v.tag), h(v.aad))
            .then((pt) => m.toHex(pt), (error) => error.name);
          if (opened !== (v.fail ? "DecryptionError" : v.pt)) failures.push(`decrypt ${index}: ${opened}`);
        }
        return [failures, encrypt.length + decrypt.length];
        """
    )
    assert failures == [[], 200]


def test_aes_gcm_draws_a_fresh_iv_and_refuses_a_flipped_bit(browser):
    assert browser.run(
        """
        const key = new Uint8Array(32), aad = new TextEncoder().encode("file-7"), text = new TextEncoder().encode("attack at dawn");
        const [iv, sealed] = await m.primitives.aesGcmEncrypt(key, text, aad);
        const [otherIv] = await m.primitives.aesGcmEncrypt(key, text, aad);
        const flip = (bytes, at) => { const copy = bytes.slice(); copy[(at + copy.length) % copy.length] ^= 1; return copy; };
        const refusals = await Promise.all([
          [flip(iv, 0), sealed, aad], [iv, flip(sealed, -1), aad], [iv, sealed, new TextEncoder().encode("file-8")], [iv, sealed.slice(0, 10), aad],
        ].map(([i, s, a]) => m.primitives.aesGcmDecrypt(key, i, s, a).then(() => "opened", (e) => e.name)));
        return [m.toHex(iv) !== m.toHex(otherIv), refusals];
        """
    ) == [True, ["DecryptionError"] * 4]


def test_rsa_oaep_sha256_vectors_and_labels(browser):
    keys = load("rsa-oaep-sha256.json")["keys"]
    cases = [
        {"pkcs8": list(oaep_key_pair(key)[0]), "message": case["message"], "ciphertext": case["ciphertext"]}
        for key in keys
        for case in key["cases"]
    ]
    private_der, public_der = oaep_key_pair(keys[0])
    outcome = browser.run(
        """
        const opened = [];
        for (const c of args.cases) opened.push(m.toHex(await m.primitives.rsaOaepDecrypt(new Uint8Array(c.pkcs8), m.fromHex(c.ciphertext))));
        const [priv, pub, other] = [args.priv, args.pub, args.other].map((b) => new Uint8Array(b));
        const label = new TextEncoder().encode("a binding");
        const sealed = await m.primitives.rsaOaepEncrypt(pub, new TextEncoder().encode("a file key"), label);
        const refused = (p) => p.then(() => "opened", (e) => e.name);
        return {
          opened, roundTrip: new TextDecoder().decode(await m.primitives.rsaOaepDecrypt(priv, sealed, label)),
          refusals: await Promise.all([
            refused(m.primitives.rsaOaepDecrypt(priv, sealed)),
            refused(m.primitives.rsaOaepDecrypt(other, sealed, label)),
            refused(m.primitives.rsaOaepDecrypt(priv, sealed.slice(1), label)),
            refused(m.primitives.rsaOaepEncrypt(new Uint8Array(10), sealed)),
          ]),
          sealed: Array.from(sealed),
        };
        """,
        cases=cases,
        priv=private_der,
        pub=public_der,
        other=oaep_key_pair(keys[1])[0],
    )
    assert outcome["opened"] == [case["message"] for case in cases] and len(cases) > 6
    assert outcome["roundTrip"] == "a file key"
    assert outcome["refusals"] == ["DecryptionError", "DecryptionError", "DecryptionError", "FormatError"]
    from imegha_crypto.primitives import rsa_oaep_decrypt

    assert rsa_oaep_decrypt(private_der, bytes(outcome["sealed"]), b"a binding") == b"a file key"


def test_pbkdf2_sha256_rfc7914_vectors(browser):
    assert browser.run(
        """
        const { vectors } = await (await fetch("/vectors/pbkdf2-sha256-rfc7914.json")).json();
        const e = (s) => new TextEncoder().encode(s);
        const derived = [];
        for (const v of vectors) derived.push(m.toHex(await m.primitives.pbkdf2Sha256(e(v.password), e(v.salt), v.iterations, v.length)) === v.derived);
        return derived;
        """
    ) == [True, True]


def test_bip39_vectors_both_ways_and_refusals(browser):
    outcome = browser.run(
        """
        const { vectors } = await (await fetch("/vectors/bip39-english.json")).json();
        const wrong = [];
        for (const v of vectors) {
          if (await m.primitives.mnemonicFromEntropy(m.fromHex(v.entropy)) !== v.phrase) wrong.push(`to ${v.entropy}`);
          if (m.toHex(await m.primitives.entropyFromMnemonic(v.phrase)) !== v.entropy) wrong.push(`from ${v.entropy}`);
        }
        const words = vectors[8].phrase.split(" ");
        const refused = (p) => p.then(() => "accepted", (e) => `${e.name}: ${e.message}`);
        return [wrong, vectors.length, await Promise.all([
          refused(m.primitives.entropyFromMnemonic([...words.slice(0, 4), "abandonx", ...words.slice(5)].join(" "))),
          refused(m.primitives.entropyFromMnemonic([...words.slice(0, -1), "zoo"].join(" "))),
          refused(m.primitives.entropyFromMnemonic(words.slice(0, -1).join(" "))),
          refused(m.primitives.mnemonicFromEntropy(new Uint8Array(31))),
        ])];
        """
    )
    wrong, count, refusals = outcome
    assert wrong == [] and count == 24
    assert all(refusal.startswith("RecoveryPhraseError") for refusal in refusals)
    assert "word 5" in refusals[0] and "checksum" in refusals[1]


def test_bip39_word_list_shipped_in_web_is_the_reference_list():
    from mnemonic import Mnemonic

    shipped = (VECTORS.parents[1] / "web" / "src" / "crypto" / "bip39-english.txt").read_text().split()
    assert shipped == Mnemonic("english").wordlist


def test_ed25519_rfc8032_vectors(browser):
    vectors = [
        {
            **vector,
            "pkcs8": list(ed25519_key_pair(vector["secret_key"])[0]),
            "spki": list(ed25519_key_pair(vector["secret_key"])[1]),
        }
        for vector in load("ed25519-rfc8032.json")["vectors"]
    ]
    outcome = browser.run(
        """
        const results = [];
        for (const v of args.vectors) {
          const [priv, pub, message] = [new Uint8Array(v.pkcs8), new Uint8Array(v.spki), m.fromHex(v.message)];
          const signature = await m.primitives.ed25519Sign(priv, message);
          const flipped = signature.slice(); flipped[0] ^= 1;
          results.push([
            m.toHex(signature) === v.signature,
            await m.primitives.ed25519Verify(pub, m.fromHex(v.signature), message),
            await m.primitives.ed25519Verify(pub, flipped, message),
            await m.primitives.ed25519Verify(pub, signature, new Uint8Array([...message, 120])),
            await m.primitives.ed25519Verify(new Uint8Array(12), signature, message),
          ]);
        }
        return results;
        """,
        vectors=vectors,
    )
    assert outcome == [[True, True, False, False, False]] * len(vectors) and len(vectors) == 8


def test_c2sp_chunked_encryption_vectors_in_raw_mode_and_their_derivation(browser):
    # The C2SP vectors derive with HKDF-SHA-256, Cobblestone-256 with SHA-512: the chunk layer runs from the key
    # and nonce they give (raw mode), and the derivation is checked with SHA-256 against their own key and nonce.
    outcome = browser.run(
        """
        const { vectors } = await (await fetch("/vectors/c2sp-chunked-encryption-aes-256-gcm.json")).json();
        const wrong = [];
        for (const v of vectors) {
          let sealed = Uint8Array.from(atob(v.ciphertext), (c) => c.charCodeAt(0));
          if (v.compressed) sealed = new Uint8Array(await new Response(new Blob([sealed]).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
          const opened = await m.chunkedConformance.decryptRaw(m.fromHex(v.aead_key), m.fromHex(v.base_nonce), sealed.subarray(56))
            .then(async (pt) => pt.length === v.payload_length && m.toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", pt))) === v.payload_sha256 ? "success" : "wrong", (e) => e.name);
          if (opened !== (v.expect === "success" ? "success" : "DecryptionError")) wrong.push(`${v.name}: ${opened}`);
          if (v.expect === "success") {
            const [key, nonce, commitment] = await m.chunkedConformance.derive("SHA-256", m.fromHex(v.key), sealed.subarray(0, 24), new TextEncoder().encode(v.context));
            if (m.toHex(key) !== v.aead_key || m.toHex(nonce) !== v.base_nonce || m.toHex(commitment) !== m.toHex(sealed.subarray(24, 56))) wrong.push(`${v.name}: derivation`);
          }
        }
        return [wrong, vectors.length];
        """
    )
    assert outcome == [[], 24]


def test_cobblestone_256_known_answers_seal_and_open(browser):
    outcome = browser.run(
        _GIVING
        + """
        const { vectors } = await (await fetch("/vectors/cobblestone-256-kat.json")).json();
        const wrong = [];
        for (const v of vectors) {
          const plaintext = Uint8Array.from({ length: v.plaintext_length }, (_, i) => i % 251);
          const [key, context] = [m.fromHex(v.key), m.fromHex(v.context)];
          const sealed = await giving(m.fromHex(v.salt), () => m.primitives.chunkedEncrypt(key, plaintext, context));
          const digest = m.toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", sealed)));
          if (sealed.length !== v.ciphertext_length || digest !== v.ciphertext_sha256) wrong.push(`seal ${v.plaintext_length}`);
          if (v.ciphertext !== undefined && m.toHex(sealed) !== v.ciphertext) wrong.push(`bytes ${v.plaintext_length}`);
          const opened = await m.primitives.chunkedDecrypt(key, sealed, context);
          if (m.toHex(opened) !== m.toHex(plaintext)) wrong.push(`open ${v.plaintext_length}`);
        }
        return [wrong, vectors.length];
        """
    )
    assert outcome == [[], 7]


def test_the_signed_request_vector_is_made_byte_for_byte(browser):
    vector = load("imegha-signed-request.json")
    header = browser.run(
        """
        const v = await (await fetch("/vectors/imegha-signed-request.json")).json();
        const key = await m.IdentityPrivateKey.fromPkcs8(m.fromHex(v.identityKeyPkcs8), m.b64urlDecode(v.identityKeySpki));
        const body = new TextEncoder().encode(v.body);
        const header = await m.signRequest(key, { method: v.method, path: v.path, body, userId: v.userId, nonce: v.nonce });
        const nonce = await m.verifyRequest(v.header, key.publicKey, { method: v.method, path: v.path, body, userId: v.userId });
        return [header, nonce, new TextDecoder().decode(m.canonicalJson(JSON.parse(v.signedRecord)))];
        """
    )
    assert header == [vector["header"], vector["nonce"], vector["signedRecord"]]


def test_the_audit_checkpoint_vector_is_made_byte_for_byte(browser):
    vector = load("imegha-audit-checkpoint.json")
    made = browser.run(
        """
        const v = await (await fetch("/vectors/imegha-audit-checkpoint.json")).json();
        const key = await m.IdentityPrivateKey.fromPkcs8(m.fromHex(v.identityKeyPkcs8), m.b64urlDecode(v.identityKeySpki));
        const record = await m.signAuditCheckpoint(key, { userId: v.userId, head: { seq: v.seq, hash: v.hash }, signedAt: v.signedAt });
        const { sig, ...unsigned } = record;
        const checkpoint = await m.verifyAuditCheckpoint(v.record, { userId: v.userId, identity: key.publicKey });
        return [record, new TextDecoder().decode(m.canonicalJson(unsigned)), checkpoint];
        """
    )
    assert made == [
        vector["record"],
        vector["signedRecord"],
        {"head": {"seq": vector["seq"], "hash": vector["hash"]}, "signedAt": vector["signedAt"]},
    ]


def test_a_conformance_failure_is_an_error_with_its_name(browser):
    with pytest.raises(BrowserError) as refused:
        browser.run("await m.primitives.chunkedDecrypt(new Uint8Array(32), new Uint8Array(80));")
    assert refused.value.name == "DecryptionError"
    assert browser.run("return Object.keys(m.primitives).sort();") == sorted(
        [
            "aesGcmEncrypt",
            "aesGcmDecrypt",
            "rsaOaepEncrypt",
            "rsaOaepDecrypt",
            "pbkdf2Sha256",
            "mnemonicFromEntropy",
            "entropyFromMnemonic",
            "ed25519Sign",
            "ed25519Verify",
            "chunkedEncrypt",
            "chunkedDecrypt",
        ]
    )
