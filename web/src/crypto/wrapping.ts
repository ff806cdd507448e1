/**
 * Wrapping keys, as imegha_crypto.wrapping: for their owner under a DEK, FK or AK (a `wrapped-key`), or for another
 * user under their RSA public key (a `recipient-wrapped-key`, RSA-OAEP-SHA-256 with the binding as label). The
 * hierarchy decides what may wrap what; asking for anything else is a programming error (`TypeError`).
 */

import { MOVED_OR_ALTERED, unwrapEnvelope, wrapEnvelope } from "./aead";
import { b64urlDecode, b64urlEncode } from "./bytes";
import { binding, text, type Context, type JsonObject } from "./canonical";
import { DecryptionError } from "./errors";
import {
  ExchangePrivateKey,
  ExchangePublicKey,
  IdentityPrivateKey,
  IdentityPublicKey,
  SymmetricKey,
  type ContentKind,
  type PrivateKind,
  type SymmetricKind,
} from "./keys";
import { RSA_OAEP } from "./primitives";
import { validateEnvelope } from "./schemas";

export type Wrappable = SymmetricKey | ExchangePrivateKey | IdentityPrivateKey;
type Kind = SymmetricKind | PrivateKind;

/** The whitepaper's hierarchy: the DEK holds everything of its owner's; a folder or album holds what is inside. */
const MAY_WRAP: Partial<Record<SymmetricKind, Kind[]>> = {
  DEK: ["FEK", "CK", "FK", "AK", "AIK", "GK", "RSA-PRIVATE", "ED25519-PRIVATE"],
  FK: ["FEK", "FK"],
  AK: ["FEK"],
};
/** What may travel to another user: never a DEK, an AIK (AI conversations are private) or a private key. */
const SHAREABLE: Kind[] = ["FEK", "FK", "AK", "CK", "GK"];

function requireMayWrap(wrapping: SymmetricKind, kind: Kind): void {
  if (!(MAY_WRAP[wrapping] ?? []).includes(kind)) throw new TypeError(`a key of kind ${wrapping} does not wrap one of kind ${kind}`);
}

function requireShareable(kind: Kind): void {
  if (!SHAREABLE.includes(kind)) throw new TypeError(`keys of kind ${kind} are never wrapped for another user`);
}

function requireKind(envelope: JsonObject, kind: Kind): void {
  if (envelope.kind !== kind) throw new DecryptionError(`this envelope holds a key of kind ${text(envelope.kind)}, not ${kind}`);
}

/**
 * Wrap `key` for its owner (under a DEK, FK or AK) or for a recipient (under their RSA public key); resolves to a
 * `wrapped-key` or `recipient-wrapped-key` bound to `context`. Web Crypto wraps only an extractable `key`.
 */
export async function wrapKey(
  key: Wrappable,
  { wrappingKey, context }: { wrappingKey: SymmetricKey | ExchangePublicKey; context: Context },
): Promise<JsonObject> {
  const fields = key instanceof SymmetricKey ? key.envelopeFields() : {};
  if (wrappingKey instanceof ExchangePublicKey) {
    requireShareable(key.kind);
    const header = { v: 1, alg: "RSA-OAEP-256", kind: key.kind, ...fields, recipient: wrappingKey.fingerprint.hex };
    const label = binding("recipient-wrapped-key", header, context);
    const wrapped = await crypto.subtle.wrapKey("raw", cryptoKeyOf(key), wrappingKey.key, { name: "RSA-OAEP", label });
    return { ...header, ct: b64urlEncode(new Uint8Array(wrapped)) };
  }
  requireMayWrap(wrappingKey.kind, key.kind);
  const header = { v: 1, alg: "A256GCM", kind: key.kind, wrappedBy: wrappingKey.kind, ...fields };
  const format = key instanceof SymmetricKey ? "raw" : "pkcs8";
  return wrapEnvelope(cryptoKeyOf(key), format, wrappingKey.aes, "wrapped-key", header, context);
}

function cryptoKeyOf(key: Wrappable): CryptoKey {
  return key instanceof SymmetricKey ? key.aes : key.key;
}

/**
 * Open a wrapped content key; refuse unless it holds a `kind` wrapped under `unwrappingKey` for `context`. The key
 * comes back non-extractable unless `extractable` (to wrap it again, for another user or under another key).
 */
export async function unwrapKey(
  envelope: JsonObject,
  kind: ContentKind,
  {
    unwrappingKey,
    context,
    extractable = false,
  }: { unwrappingKey: SymmetricKey | ExchangePrivateKey; context: Context; extractable?: boolean },
): Promise<SymmetricKey> {
  const epoch = typeof envelope.epoch === "number" ? envelope.epoch : undefined;
  if (unwrappingKey instanceof ExchangePrivateKey) {
    requireShareable(kind);
    validateEnvelope("recipient-wrapped-key", envelope);
    requireKind(envelope, kind);
    const recipient = unwrappingKey.publicKey.fingerprint.hex;
    if (envelope.recipient !== recipient) {
      throw new DecryptionError(`this key was wrapped for the public key ${text(envelope.recipient)}, not for yours (${recipient})`);
    }
    const { ct, ...header } = envelope;
    const label = binding("recipient-wrapped-key", header, context);
    const ciphertext = b64urlDecode(text(ct));
    return SymmetricKey.make(kind, epoch, extractable, async (algorithm, keyExtractable, usages) => {
      try {
        return await crypto.subtle.unwrapKey("raw", ciphertext, unwrappingKey.key, { name: "RSA-OAEP", label }, algorithm, keyExtractable, usages);
      } catch {
        throw new DecryptionError(`the ${kind} sent to you does not open: ${MOVED_OR_ALTERED}`);
      }
    });
  }
  const failure = openedUnder(envelope, kind, unwrappingKey);
  return SymmetricKey.make(kind, epoch, extractable, (algorithm, keyExtractable, usages) =>
    unwrapEnvelope(unwrappingKey.aes, envelope, "wrapped-key", context, failure, "raw", algorithm, keyExtractable, usages),
  );
}

/** The checks before opening a `wrapped-key` under one of its owner's keys, and what a failure to open means. */
function openedUnder(envelope: JsonObject, kind: Kind, unwrappingKey: SymmetricKey): string {
  requireMayWrap(unwrappingKey.kind, kind);
  validateEnvelope("wrapped-key", envelope);
  requireKind(envelope, kind);
  if (envelope.wrappedBy !== unwrappingKey.kind) {
    throw new DecryptionError(`this key is wrapped by a key of kind ${text(envelope.wrappedBy)}, not ${unwrappingKey.kind}`);
  }
  return `the wrapped ${kind} does not open with this ${unwrappingKey.kind}: wrong key, or ${MOVED_OR_ALTERED}`;
}

/**
 * Open a private key wrapped under the DEK, as a non-extractable `CryptoKey` with `publicKey` as its public half
 * (the context names that public key's fingerprint, so a swapped public key does not open).
 */
export async function unwrapPrivateKey<K extends PrivateKind>(
  envelope: JsonObject,
  kind: K,
  { unwrappingKey, publicKey, context }: { unwrappingKey: SymmetricKey; publicKey: K extends "RSA-PRIVATE" ? ExchangePublicKey : IdentityPublicKey; context: Context },
): Promise<K extends "RSA-PRIVATE" ? ExchangePrivateKey : IdentityPrivateKey>;
export async function unwrapPrivateKey(
  envelope: JsonObject,
  kind: PrivateKind,
  { unwrappingKey, publicKey, context }: { unwrappingKey: SymmetricKey; publicKey: ExchangePublicKey | IdentityPublicKey; context: Context },
): Promise<ExchangePrivateKey | IdentityPrivateKey> {
  const failure = openedUnder(envelope, kind, unwrappingKey);
  if (kind === "RSA-PRIVATE" && publicKey instanceof ExchangePublicKey) {
    const key = await unwrapEnvelope(unwrappingKey.aes, envelope, "wrapped-key", context, failure, "pkcs8", RSA_OAEP, false, ["decrypt", "unwrapKey"]);
    return new ExchangePrivateKey(key, publicKey);
  }
  if (kind === "ED25519-PRIVATE" && publicKey instanceof IdentityPublicKey) {
    const key = await unwrapEnvelope(unwrappingKey.aes, envelope, "wrapped-key", context, failure, "pkcs8", "Ed25519", false, ["sign"]);
    return new IdentityPrivateKey(key, publicKey);
  }
  throw new TypeError(`a ${kind} opens with its own kind of public key`);
}
