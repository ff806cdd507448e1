/**
 * Account keys, as imegha_crypto.account: made on the device at sign-up, opened with the password alone, recovered
 * with the 24 words. The KEK (PBKDF2-HMAC-SHA256 of the NFC password) and the recovery key (HKDF-Expand-SHA256 of the
 * phrase's entropy) only wrap and unwrap the DEK; the DEK comes out of them non-extractable, and the private keys out
 * of the DEK likewise.
 */

import { unwrapEnvelope, wrapEnvelope } from "./aead";
import { b64urlDecode, b64urlEncode, buffered, concat, randomBytes, utf8 } from "./bytes";
import { Context, text, type JsonObject } from "./canonical";
import { RecoveryPhraseError } from "./errors";
import { hkdfExpand, importPrk, sha256 } from "./hashing";
import { entropyFromMnemonic, mnemonicFromEntropy } from "./bip39";
import {
  ExchangePrivateKey,
  ExchangePublicKey,
  IdentityPrivateKey,
  IdentityPublicKey,
  RSA_DEFAULT_BITS,
  SymmetricKey,
} from "./keys";
import { pbkdf2Sha256 } from "./primitives";
import { validateEnvelope } from "./schemas";
import { unwrapPrivateKey, wrapKey } from "./wrapping";

/** Today's OWASP figure for PBKDF2-HMAC-SHA256; the schema refuses fewer than 100,000. */
export const DEFAULT_PASSWORD_ITERATIONS = 600_000;
export const AUTHENTICATION_ITERATIONS = 600_000;
const RECOVERY_ENTROPY_BYTES = 32;
const RECOVERY_WORDS = 24;
const RECOVERY_INFO = utf8("imegha recovery key v1");
const RECOVERY_LOOKUP_INFO = utf8("imegha recovery lookup v1");
const AUTHENTICATION_SALT_LABEL = utf8("imegha authentication secret v1\0");

/** What of the `account-keys` envelope opens with the recovery phrase alone: all but the password's wrapping (the
 * copy a user's own cloud keeps, so their data opens without the platform). */
export const RECOVERY_COPY_FIELDS = ["v", "exchangeKey", "identityKey", "recoveryWrappedDek", "wrappedExchangeKey", "wrappedIdentityKey"] as const;

/** A user's keys, in memory on their device only: all three non-extractable. */
export interface AccountKeys {
  dataKey: SymmetricKey;
  exchangeKey: ExchangePrivateKey;
  identityKey: IdentityPrivateKey;
}

/** A key whose only use is wrapping one user's DEK in its own envelope type. */
interface DekWrappingKey {
  envelope: "password-wrapped-key" | "recovery-wrapped-key";
  failure: string;
  key: CryptoKey;
  header: JsonObject;
}

function accountContext(userId: string): Context {
  return new Context(userId, "account", 0);
}

function privateKeyContext(userId: string, publicKey: ExchangePublicKey | IdentityPublicKey): Context {
  // Bound to its public key's fingerprint, so a bundle whose public key was swapped no longer opens.
  return new Context(userId, publicKey.fingerprint.hex, 0);
}

function nfc(password: string): Uint8Array {
  if (password === "") throw new TypeError("the password is empty");
  // NFC, so the same password typed on macOS (which composes to NFD) and elsewhere derives the same key.
  return utf8(password.normalize("NFC"));
}

async function passwordKey(password: string, salt: Uint8Array, iterations: number): Promise<DekWrappingKey> {
  const material = await crypto.subtle.importKey("raw", buffered(nfc(password)), "PBKDF2", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: buffered(salt), iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
  return {
    envelope: "password-wrapped-key",
    failure: "wrong password (or the stored key was altered)",
    key,
    header: { v: 1, alg: "PBKDF2-SHA256+A256GCM", salt: b64urlEncode(salt), iterations },
  };
}

/**
 * recovery key = HKDF-Expand-SHA256(PRK = entropy, "imegha recovery key v1", 32) = HMAC(entropy, info || 0x01). Its
 * 32 bytes pass through script on their way into a non-extractable AES key: Web Crypto has no Expand-only HKDF.
 */
async function recoveryKey(entropy: Uint8Array): Promise<DekWrappingKey> {
  const prk = await importPrk(entropy, "SHA-256");
  const secret = new Uint8Array(await crypto.subtle.sign("HMAC", prk, concat(RECOVERY_INFO, new Uint8Array([1]))));
  const key = await crypto.subtle.importKey("raw", secret, "AES-GCM", false, ["wrapKey", "unwrapKey"]);
  secret.fill(0);
  return {
    envelope: "recovery-wrapped-key",
    failure: "this recovery phrase does not open this account's key (or the stored key was altered)",
    key,
    header: { v: 1, alg: "BIP39-HKDF-SHA256+A256GCM" },
  };
}

async function recoveryEntropy(phrase: string): Promise<Uint8Array> {
  const words = phrase.toLowerCase().split(/\s+/u).filter(Boolean);
  // BIP39 also allows 12 to 21 words, which would decode to a shorter key.
  if (words.length !== RECOVERY_WORDS) {
    throw new RecoveryPhraseError(`a recovery phrase has ${RECOVERY_WORDS} words; this one has ${words.length}`);
  }
  return entropyFromMnemonic(words.join(" "));
}

function wrapDek(wrapping: DekWrappingKey, dataKey: SymmetricKey, userId: string): Promise<JsonObject> {
  return wrapEnvelope(dataKey.aes, "raw", wrapping.key, wrapping.envelope, wrapping.header, accountContext(userId));
}

/** The DEK an envelope holds, non-extractable unless it is to be wrapped again: it only ever wraps and unwraps. */
function unwrapDek(wrapping: DekWrappingKey, envelope: JsonObject, userId: string, extractable = false): Promise<SymmetricKey> {
  return SymmetricKey.make("DEK", undefined, extractable, (algorithm, keyExtractable, usages) =>
    unwrapEnvelope(wrapping.key, envelope, wrapping.envelope, accountContext(userId), wrapping.failure, "raw", algorithm, keyExtractable, usages),
  );
}

/**
 * What a device shows the platform to prove that it holds the phrase, before it changes anything: base64url of
 * HKDF-Expand-SHA256(entropy, "imegha recovery lookup v1", 32), its own info, so it says nothing of the recovery key.
 */
export async function recoveryLookup(recoveryPhrase: string): Promise<string> {
  const prk = await importPrk(await recoveryEntropy(recoveryPhrase), "SHA-256");
  return b64urlEncode(await hkdfExpand(prk, RECOVERY_LOOKUP_INFO, 32));
}

/** What the platform keeps to check a lookup: base64url of its SHA-256. */
export async function recoveryVerifier(lookup: string): Promise<string> {
  return b64urlEncode(await sha256(b64urlDecode(lookup)));
}

/** Refuse a phrase that cannot be one (unknown word and its position, word count, checksum), before anything is sent. */
export async function checkRecoveryPhrase(recoveryPhrase: string): Promise<void> {
  await recoveryEntropy(recoveryPhrase);
}

/**
 * Make a new user's keys on their device and wrap them for upload: the `account-keys` bundle, the 24 words to show
 * once, and the keys, opened again from the bundle so that none of them stays extractable.
 */
export async function createAccount(
  userId: string,
  password: string,
  { iterations = DEFAULT_PASSWORD_ITERATIONS, rsaBits = RSA_DEFAULT_BITS }: { iterations?: number; rsaBits?: number } = {},
): Promise<{ keys: AccountKeys; bundle: JsonObject; recoveryPhrase: string }> {
  const [dataKey, exchangeKey, identityKey] = await Promise.all([
    SymmetricKey.generate("DEK"),
    ExchangePrivateKey.generate(rsaBits),
    IdentityPrivateKey.generate(),
  ]);
  const entropy = randomBytes(RECOVERY_ENTROPY_BYTES);
  const kek = await passwordKey(password, randomBytes(16), iterations);
  const bundle = {
    v: 1,
    exchangeKey: b64urlEncode(exchangeKey.publicKey.der),
    identityKey: b64urlEncode(identityKey.publicKey.der),
    passwordWrappedDek: await wrapDek(kek, dataKey, userId),
    recoveryWrappedDek: await wrapDek(await recoveryKey(entropy), dataKey, userId),
    wrappedExchangeKey: await wrapKey(exchangeKey, { wrappingKey: dataKey, context: privateKeyContext(userId, exchangeKey.publicKey) }),
    wrappedIdentityKey: await wrapKey(identityKey, { wrappingKey: dataKey, context: privateKeyContext(userId, identityKey.publicKey) }),
  };
  validateEnvelope("account-keys", bundle);
  const recoveryPhrase = await mnemonicFromEntropy(entropy);
  entropy.fill(0);
  const keys = await openPrivateKeys(bundle, userId, await unwrapDek(kek, bundle.passwordWrappedDek, userId));
  return { keys, bundle, recoveryPhrase };
}

/** Open a user's keys with their password, as on a new device; `DecryptionError` for a wrong password. */
export async function openAccount(bundle: JsonObject, userId: string, password: string): Promise<AccountKeys> {
  validateEnvelope("account-keys", bundle);
  const envelope = bundle.passwordWrappedDek as JsonObject;
  const kek = await passwordKey(password, b64urlDecode(text(envelope.salt)), Number(envelope.iterations));
  return openPrivateKeys(bundle, userId, await unwrapDek(kek, envelope, userId));
}

/** Open a user's keys with their recovery phrase and rewrap the DEK for a new password. */
export async function recoverAccount(
  bundle: JsonObject,
  userId: string,
  recoveryPhrase: string,
  newPassword: string,
  { iterations = DEFAULT_PASSWORD_ITERATIONS }: { iterations?: number } = {},
): Promise<{ keys: AccountKeys; bundle: JsonObject }> {
  validateEnvelope("account-keys", bundle);
  const recovery = await recoveryKey(await recoveryEntropy(recoveryPhrase));
  return rewrapped(bundle, userId, recovery, bundle.recoveryWrappedDek as JsonObject, newPassword, iterations);
}

/** Rewrap the same DEK for a new password; resolves to the `account-keys` envelope to upload. */
export async function changePassword(
  bundle: JsonObject,
  userId: string,
  oldPassword: string,
  newPassword: string,
  { iterations = DEFAULT_PASSWORD_ITERATIONS }: { iterations?: number } = {},
): Promise<JsonObject> {
  validateEnvelope("account-keys", bundle);
  const envelope = bundle.passwordWrappedDek as JsonObject;
  const kek = await passwordKey(oldPassword, b64urlDecode(text(envelope.salt)), Number(envelope.iterations));
  return (await rewrapped(bundle, userId, kek, envelope, newPassword, iterations)).bundle;
}

/**
 * The account's keys, opened under `wrapping`, and the bundle with the same DEK under a new password. Web Crypto
 * wraps only extractable keys, so for that one wrap the DEK is unwrapped a second time, extractable, and dropped.
 */
async function rewrapped(
  bundle: JsonObject,
  userId: string,
  wrapping: DekWrappingKey,
  envelope: JsonObject,
  newPassword: string,
  iterations: number,
): Promise<{ keys: AccountKeys; bundle: JsonObject }> {
  const keys = await openPrivateKeys(bundle, userId, await unwrapDek(wrapping, envelope, userId));
  const dataKey = await unwrapDek(wrapping, envelope, userId, true);
  const kek = await passwordKey(newPassword, randomBytes(16), iterations);
  const result = { ...bundle, passwordWrappedDek: await wrapDek(kek, dataKey, userId) };
  validateEnvelope("account-keys", result);
  return { keys, bundle: result };
}

async function openPrivateKeys(bundle: JsonObject, userId: string, dataKey: SymmetricKey): Promise<AccountKeys> {
  const exchangePublic = await ExchangePublicKey.fromDer(b64urlDecode(text(bundle.exchangeKey)));
  const identityPublic = await IdentityPublicKey.fromDer(b64urlDecode(text(bundle.identityKey)));
  const [exchangeKey, identityKey] = await Promise.all([
    unwrapPrivateKey(bundle.wrappedExchangeKey as JsonObject, "RSA-PRIVATE", {
      unwrappingKey: dataKey,
      publicKey: exchangePublic,
      context: privateKeyContext(userId, exchangePublic),
    }),
    unwrapPrivateKey(bundle.wrappedIdentityKey as JsonObject, "ED25519-PRIVATE", {
      unwrappingKey: dataKey,
      publicKey: identityPublic,
      context: privateKeyContext(userId, identityPublic),
    }),
  ]);
  return { dataKey, exchangeKey, identityKey };
}

/**
 * The secret a device signs in to Cognito with, never the password: base64url(PBKDF2-HMAC-SHA256(NFC(password),
 * SHA-256("imegha authentication secret v1" || 0x00 || UTF-8(lowercase(trim(email)))), 600000, 32)).
 */
export async function authenticationSecret(email: string, password: string, iterations: number = AUTHENTICATION_ITERATIONS): Promise<string> {
  const salt = await sha256(concat(AUTHENTICATION_SALT_LABEL, utf8(email.trim().toLowerCase())));
  return b64urlEncode(await pbkdf2Sha256(nfc(password), salt, iterations));
}
