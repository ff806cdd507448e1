"""What the browser's module adds to the formats: keys script cannot take, the same derived values as Python
(fingerprints, safety codes, ids, digests, canonical JSON, the Cognito secret, envelope checks), and file streams
with flat memory that resume where Python's do."""

from __future__ import annotations

import io
import os

import pytest

import imegha_crypto as ic
from imegha_crypto.canonical import canonical_json
from tests.browser.conftest import ITERATIONS, PASSWORD, WHERE, BrowserError, World, context

pytestmark = pytest.mark.xdist_group("browser")


def test_keys_opened_in_the_browser_cannot_be_taken_by_script(world: World):
    bundle = ic.create_account("alice", PASSWORD, iterations=ITERATIONS).bundle
    fek = ic.wrap_key(ic.FileKey.generate(), wrapping_key=ic.FolderKey(bytes(32)), context=context(WHERE))
    outcome = world.run(
        """
        const keys = await m.openAccount(args.bundle, "alice", args.password);
        const folder = await m.SymmetricKey.fromBytes("FK", new Uint8Array(32));
        const fek = await m.unwrapKey(args.fek, "FEK", { unwrappingKey: folder, context: ctx(args.where) });
        const refused = (p) => p.then(() => "taken", (e) => e.name);
        return {
          extractable: [keys.dataKey.aes.extractable, keys.exchangeKey.key.extractable, keys.identityKey.key.extractable, fek.aes.extractable, fek.prk.extractable],
          usages: [keys.dataKey.aes.usages.sort(), keys.exchangeKey.key.usages.sort(), keys.identityKey.key.usages, fek.aes.usages.sort(), fek.prk.usages],
          taken: await Promise.all([
            refused(crypto.subtle.exportKey("raw", keys.dataKey.aes)),
            refused(crypto.subtle.exportKey("pkcs8", keys.identityKey.key)),
            refused(crypto.subtle.exportKey("pkcs8", keys.exchangeKey.key)),
            refused(crypto.subtle.exportKey("raw", fek.aes)),
            // Web Crypto wraps only extractable keys: a file key opened to read cannot be passed on either.
            refused(m.wrapKey(fek, { wrappingKey: keys.exchangeKey.publicKey, context: ctx(args.where) })),
          ]),
        };
        """,
        bundle=bundle,
        password=PASSWORD,
        fek=fek,
        where=WHERE,
    )
    assert outcome["extractable"] == [False] * 5
    assert outcome["usages"] == [
        ["unwrapKey", "wrapKey"],
        ["decrypt", "unwrapKey"],
        ["sign"],
        ["decrypt", "encrypt"],
        ["sign"],
    ]
    assert outcome["taken"] == ["InvalidAccessError"] * 5


def test_a_password_changed_in_the_browser_opens_in_python_and_the_old_one_no_longer_does(world: World):
    account = ic.create_account("alice", PASSWORD, iterations=ITERATIONS)
    changed = world.run(
        "return m.changePassword(args.bundle, 'alice', args.password, 'new password', { iterations: args.iterations });",
        bundle=account.bundle,
        password=PASSWORD,
        iterations=ITERATIONS,
    )

    assert ic.open_account(changed, "alice", "new password").data_key == account.keys.data_key
    assert changed["recoveryWrappedDek"] == account.bundle["recoveryWrappedDek"]
    with pytest.raises(ic.DecryptionError):
        ic.open_account(changed, "alice", PASSWORD)
    with pytest.raises(BrowserError, match="DecryptionError"):
        world.run("await m.changePassword(args.bundle, 'alice', 'wrong', 'x');", bundle=account.bundle)


def test_a_recovery_phrase_is_checked_before_anything_is_sent(world: World):
    phrase = ic.create_account("alice", PASSWORD, iterations=ITERATIONS).recovery_phrase.split()
    refusals = world.run(
        """
        const refused = (p) => p.then(() => "accepted", (e) => `${e.name}: ${e.message}`);
        return Promise.all(args.phrases.map((phrase) => refused(m.checkRecoveryPhrase(phrase))));
        """,
        phrases=[" ".join(phrase).upper(), " ".join(phrase[:12]), " ".join([*phrase[:3], "zzz", *phrase[4:]])],
    )
    assert refusals[0] == "accepted"
    assert refusals[1] == "RecoveryPhraseError: a recovery phrase has 24 words; this one has 12"
    assert refusals[2].startswith("RecoveryPhraseError: word 4 ('zzz')")


def test_a_recovery_lookup_and_its_verifier_are_pythons(world: World):
    phrase = ic.create_account("alice", PASSWORD, iterations=ITERATIONS).recovery_phrase
    lookup, verifier, refused = world.run(
        """
        const lookup = await m.recoveryLookup(args.phrase.toUpperCase());
        const refused = await m.recoveryLookup(args.phrase.split(" ").slice(1).join(" ")).then(() => "accepted", (e) => e.name);
        return [lookup, await m.recoveryVerifier(lookup), refused];
        """,
        phrase=phrase,
    )
    assert lookup == ic.recovery_lookup(phrase)
    assert verifier == ic.recovery_verifier(lookup)
    assert refused == "RecoveryPhraseError"


def test_a_log_two_checkpoints_disagree_on_is_a_fork_on_both_sides(world: World):
    entries, previous = [], ic.AUDIT_GENESIS
    for seq in (1, 2, 3):
        entry = {"seq": seq, "prev": previous, "action": "x"}
        entry["hash"] = previous = ic.audit_digest(entry)
        entries.append(entry)
    head = ic.AuditHead(3, previous)
    cases = [
        [ic.AuditHead(2, entries[1]["hash"]), ic.AuditHead(2, "e" * 64)],  # two heads at one entry
        [ic.AuditHead(3, previous), ic.AuditHead(1, "e" * 64)],  # the latest held, an earlier one not
        [ic.AuditHead(5, "e" * 64)],  # past the log's end
    ]
    for checkpoints in cases:
        with pytest.raises(ic.ChainError) as python:
            ic.verify_audit_chain(entries, head, checkpoints=checkpoints)
        with pytest.raises(BrowserError) as browser:
            world.run(
                "await m.verifyAuditChain(args.entries, args.head, args.checkpoints);",
                entries=entries,
                head=head.as_json(),
                checkpoints=[checkpoint.as_json() for checkpoint in checkpoints],
            )
        assert str(browser.value) == f"ChainError: {python.value}"


def test_derived_values_are_the_same_bytes_as_pythons(world: World):
    alice, bob = (world.people[name] for name in ("alice", "bob"))
    value = {
        "z": [1, -2, None, True, False],
        "é": '\u2028\x1f"\\/',
        "a": {"b": 9007199254740991},
        "\U0001f600": "😀",
        "\ue000": 1,
    }
    entry = {"seq": 1, "prev": ic.AUDIT_GENESIS, "action": "x"}
    outcome = world.run(
        """
        const [a, b] = [person("alice").identity.publicKey, person("bob").identity.publicKey];
        return [
          a.fingerprint.hex, a.fingerprint.toString(), person("alice").exchange.publicKey.fingerprint.hex,
          m.safetyCode(a, b), m.safetyCode(b, a),
          await m.directConversationId("bob", "alice"), await m.directConversationId("alice", "bob"),
          new TextDecoder().decode(m.canonicalJson(args.value)), await m.recordDigest(args.value),
          await m.auditDigest(args.entry),
          await m.authenticationSecret("  Alice@Example.COM ", "pa\u0073\u0301word", 1000),
          m.sealedFileSize(0), m.sealedFileSize(16384), m.sealedFileSize(5 * 16384 + 3), m.sealedFilePosition(56 + 2 * 16400 + 7),
          m.groupNameContext("grp-1", 4).asJson(), m.groupKeyContext("grp-1", "bob", 4).asJson(), m.messageContext("dm-1", "bob", 9).asJson(),
          /^grp-[0-9a-f]{32}$/.test(m.newGroupId()) && m.newGroupId() !== m.newGroupId(),
        ];
        """,
        value=value,
        entry=entry,
    )
    assert outcome == [
        alice.identity.public_key.fingerprint.hex,
        str(alice.identity.public_key.fingerprint),
        alice.exchange.public_key.fingerprint.hex,
        ic.safety_code(alice.identity.public_key, bob.identity.public_key),
        ic.safety_code(alice.identity.public_key, bob.identity.public_key),
        ic.direct_conversation_id("alice", "bob"),
        ic.direct_conversation_id("alice", "bob"),
        canonical_json(value).decode(),
        ic.record_digest(value),
        ic.audit_digest(entry),
        ic.authentication_secret("  Alice@Example.COM ", "pas\u0301word", iterations=1000),
        ic.sealed_file_size(0),
        ic.sealed_file_size(16384),
        ic.sealed_file_size(5 * 16384 + 3),
        {"chunk": 2, "plaintextOffset": 2 * 16384, "skip": 7},
        ic.group_name_context("grp-1", 4).as_json(),
        ic.group_key_context("grp-1", "bob", 4).as_json(),
        ic.message_context("dm-1", "bob", 9).as_json(),
        True,
    ]


@pytest.mark.parametrize(
    ("envelope_type", "envelope", "message"),
    [
        (
            "wrapped-key",
            {"v": 2, "alg": "A256GCM", "kind": "FEK", "wrappedBy": "DEK", "iv": "A" * 16, "ct": "A" * 64},
            "wrapped-key: v: unknown version 2; this layer reads version 1",
        ),
        (
            "sealed-data",
            {"v": 1, "alg": "A256GCM", "kind": "CK", "iv": "AAAA", "ct": "A" * 22},
            "sealed-data: iv: 4 characters; expected a 12-byte AES-GCM IV (16 base64url characters)",
        ),
        (
            "sealed-data",
            {"v": 1, "alg": "A256GCM", "kind": "GK", "iv": "A" * 16, "ct": "A" * 22},
            "sealed-data: epoch: missing",
        ),
        (
            "sealed-data",
            {"v": 1, "alg": "A256GCM", "kind": "CK", "epoch": 1, "iv": "A" * 16, "ct": "A" * 22},
            "sealed-data: epoch: only group keys (GK) carry an epoch",
        ),
        (
            "password-wrapped-key",
            {
                "v": 1,
                "alg": "PBKDF2-SHA256+A256GCM",
                "salt": "A" * 22,
                "iterations": 99999,
                "iv": "A" * 16,
                "ct": "A" * 64,
            },
            "password-wrapped-key: iterations: 99999 is below the minimum of 100,000",
        ),
        (
            "recovery-wrapped-key",
            {"v": 1, "alg": "BIP39-HKDF-SHA256+A256GCM", "iv": "A" * 16, "ct": "A" * 64, "x": 1},
            "recovery-wrapped-key: x: not a field of this envelope",
        ),
        (
            "recipient-wrapped-key",
            {"v": 1, "alg": "RSA-OAEP-256", "kind": "DEK", "recipient": "0" * 64, "ct": "A" * 342},
            "recipient-wrapped-key: kind: 'DEK' is not one of FEK, FK, AK, CK, GK",
        ),
        (
            "signed-record",
            {"v": 1, "alg": "Ed25519", "type": "share", "signer": "0" * 64, "body": {"n": 1.5}, "sig": "A" * 86},
            None,
        ),
    ],
)
def test_envelopes_python_refuses_the_browser_refuses(world: World, envelope_type, envelope, message):
    with pytest.raises(ic.FormatError) as python:
        ic.validate_envelope(envelope_type, envelope)
    with pytest.raises(BrowserError) as browser:
        world.run("m.validateEnvelope(args.type, args.envelope);", type=envelope_type, envelope=envelope)
    assert browser.value.name == "FormatError"
    if message is not None:
        assert str(python.value) == message
        assert str(browser.value) == f"FormatError: {message}".replace("'DEK'", '"DEK"')


SEAL_IN_PIECES = """
// Write the plaintext in pieces of the sizes given, read what comes out as it comes; note when the first
// sealed chunk left, counted in bytes written so far (it must leave before the whole file went in).
async function sealInPieces(stream, plaintext, sizes) {
  const writer = stream.writable.getWriter(), reader = stream.readable.getReader();
  const parts = []; let written = 0, firstOut = null;
  const reading = (async () => { for (;;) { const { done, value } = await reader.read(); if (done) return; if (parts.length === 1 && firstOut === null) firstOut = written; parts.push(value); } })();
  for (let offset = 0, turn = 0; offset < plaintext.length; turn++) {
    const size = sizes[turn % sizes.length];
    await writer.write(plaintext.slice(offset, offset + size));
    written = offset += size;
  }
  await writer.close();
  await reading;
  return [hex(await new Blob(parts).arrayBuffer()), firstOut];
}
"""


def test_the_stream_takes_any_piece_sizes_seals_as_it_goes_and_python_opens_it(world: World):
    # More than the 64 chunks the stream keeps in Web Crypto at once, so output must leave before input ends.
    plaintext = os.urandom(200 * 16384 + 123)
    sealed, first_out = world.run(
        SEAL_IN_PIECES
        + "return sealInPieces(m.sealFileStream(key('FEK'), ctx(args.where)), m.fromHex(args.plaintext), [1, 16383, 7, 16385, 100000]);",
        plaintext=plaintext.hex(),
        where=WHERE,
    )
    opened = io.BytesIO()
    ic.open_file(world.keys["FEK"], io.BytesIO(bytes.fromhex(sealed)), opened, context(WHERE))

    assert opened.getvalue() == plaintext
    assert first_out is not None and first_out < 100 * 16384


def test_a_resumed_seal_in_the_browser_writes_the_chunks_python_wrote(world: World):
    plaintext = os.urandom(5 * 16384 + 77)
    sealed = io.BytesIO()
    ic.seal_file(world.keys["FEK"], io.BytesIO(plaintext), sealed, context(WHERE))
    position = ic.sealed_file_position(ic.SEALED_FILE_HEADER_SIZE + 2 * (16384 + 16) + 5)
    rest = world.run(
        """
        const resumed = new Blob([m.fromHex(args.rest)]).stream()
          .pipeThrough(m.sealFileStream(key("FEK"), ctx(args.where), { header: m.fromHex(args.header), firstChunk: args.chunk }));
        return hex(await drained(resumed));
        """,
        rest=plaintext[position.plaintext_offset :].hex(),
        header=sealed.getvalue()[: ic.SEALED_FILE_HEADER_SIZE].hex(),
        chunk=position.chunk,
        where=WHERE,
    )
    assert bytes.fromhex(rest) == sealed.getvalue()[ic.SEALED_FILE_HEADER_SIZE + position.chunk * (16384 + 16) :]
    with pytest.raises(BrowserError, match="DecryptionError: this header was not made with this key"):
        world.run(
            "await drained(new Blob([]).stream().pipeThrough(m.sealFileStream(key('other-FEK'), ctx(args.where), { header: m.fromHex(args.header), firstChunk: 1 })));",
            header=sealed.getvalue()[: ic.SEALED_FILE_HEADER_SIZE].hex(),
            where=WHERE,
        )


def test_a_failed_open_gives_no_plaintext_in_memory_and_only_authentic_chunks_from_the_stream(world: World):
    plaintext = os.urandom(4 * 16384)
    sealing = io.BytesIO()
    ic.seal_file(ic.FileKey(bytes(32)), io.BytesIO(plaintext), sealing, context(WHERE))
    sealed = bytearray(sealing.getvalue())
    sealed[ic.SEALED_FILE_HEADER_SIZE + 2 * (16384 + 16) + 3] ^= 1
    whole, streamed, failure = world.run(
        """
        const sealed = m.fromHex(args.sealed), secret = new Uint8Array(32), context = m.binding("sealed-file", { v: 1, kind: "FEK" }, ctx(args.where));
        const whole = await m.primitives.chunkedDecrypt(secret, sealed, context).then(() => "opened", (e) => e.name);
        const reader = new Blob([sealed]).stream().pipeThrough(m.openFileStream(await m.SymmetricKey.fromBytes("FEK", secret), ctx(args.where))).getReader();
        const parts = [];
        try { for (;;) { const { done, value } = await reader.read(); if (done) break; parts.push(value); } } catch (error) { return [whole, hex(await new Blob(parts).arrayBuffer()), `${error.name}: ${error.message}`]; }
        return [whole, "", "the stream opened"];
        """,
        sealed=bytes(sealed).hex(),
        where=WHERE,
    )
    assert whole == "DecryptionError"
    assert plaintext[: 2 * 16384].hex().startswith(streamed)
    assert failure == (
        "DecryptionError: chunk 2 of the sealed file failed to authenticate: it was altered, moved, or comes from another file"
    )


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        ('{"a": ["[[[[{{{{", {"b": [1, -2, true, null]}], "c": "\\"]"}', None),
        ("[" * 64 + "]" * 64, None),
        ("[" * 65 + "]" * 65, "FormatError"),
        ('{"n": NaN}', "FormatError"),
        ('{"n": ' + "9" * 101 + "}", "FormatError"),
        ('{"n": ' + "9" * 100 + "}", None),
        ('{"a": 1,}', "FormatError"),
        ('{"text": "' + "x" * 2000 + '"}', "TooLargeError"),
    ],
    ids=[
        "strings-with-brackets",
        "64-deep",
        "65-deep",
        "nan",
        "101-digits",
        "100-digits",
        "trailing-comma",
        "too-large",
    ],
)
def test_json_from_someone_else_is_read_within_the_same_limits(world: World, document, refusal):
    try:
        python: object = ic.parse_json(document.encode(), max_bytes=1024)
    except ic.FormatError as error:
        python = type(error).__name__
    try:
        browser = world.run(
            "return m.parseJson(new TextEncoder().encode(args.document), { maxBytes: 1024 });", document=document
        )
    except BrowserError as error:
        browser = error.name
    if refusal is not None:
        assert (python, browser) == (refusal, refusal)
    elif "9" * 100 in document:
        # Both take it; JavaScript holds it as the nearest double, as it holds any number past 2**53 - 1.
        assert python == {"n": int("9" * 100)} and browser == {"n": 1e100}
    else:
        assert browser == python
