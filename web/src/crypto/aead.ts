/**
 * AES-256-GCM envelopes: every field but `iv` and `ct` is header, and the header is in the additional data, as in
 * imegha_crypto.aead. A payload is encrypted; a key is wrapped (`wrapKey`/`unwrapKey`), so a key that is opened
 * non-extractable never passes through script at all.
 */

import { b64urlDecode, b64urlEncode, randomBytes } from "./bytes";
import { binding, text, type Context, type JsonObject } from "./canonical";
import { DecryptionError } from "./errors";
import { GCM_IV_BYTES } from "./primitives";

/** Why a ciphertext under the right key still fails to open. */
export const MOVED_OR_ALTERED = "it was altered, or moved from another owner, object or version";

function sealingParams(envelopeType: string, header: JsonObject, context: Context): AesGcmParams & { iv: Uint8Array<ArrayBuffer> } {
  return { name: "AES-GCM", iv: randomBytes(GCM_IV_BYTES), additionalData: binding(envelopeType, header, context) };
}

function sealed(header: JsonObject, iv: Uint8Array, ciphertext: ArrayBuffer): JsonObject {
  return { ...header, iv: b64urlEncode(iv), ct: b64urlEncode(new Uint8Array(ciphertext)) };
}

export async function sealEnvelope(key: CryptoKey, plaintext: Uint8Array<ArrayBuffer>, envelopeType: string, header: JsonObject, context: Context): Promise<JsonObject> {
  const params = sealingParams(envelopeType, header, context);
  return sealed(header, params.iv, await crypto.subtle.encrypt(params, key, plaintext));
}

/** Wrap `key` (exported as `format`) under `wrappingKey` into an envelope with `header`. */
export async function wrapEnvelope(
  key: CryptoKey,
  format: "raw" | "pkcs8",
  wrappingKey: CryptoKey,
  envelopeType: string,
  header: JsonObject,
  context: Context,
): Promise<JsonObject> {
  const params = sealingParams(envelopeType, header, context);
  return sealed(header, params.iv, await crypto.subtle.wrapKey(format, key, wrappingKey, params));
}

/** The parameters and ciphertext that open an envelope already validated against its schema. */
function opening(envelope: JsonObject, envelopeType: string, context: Context): [AesGcmParams, Uint8Array<ArrayBuffer>] {
  const { iv, ct, ...header } = envelope;
  return [
    { name: "AES-GCM", iv: b64urlDecode(text(iv)), additionalData: binding(envelopeType, header, context) },
    b64urlDecode(text(ct)),
  ];
}

/** Open an envelope; `failure` says what a refusal means to the user. */
export async function openEnvelope(key: CryptoKey, envelope: JsonObject, envelopeType: string, context: Context, failure: string): Promise<Uint8Array> {
  const [params, ciphertext] = opening(envelope, envelopeType, context);
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, ciphertext));
  } catch {
    throw new DecryptionError(failure);
  }
}

/** Unwrap the key an envelope holds as `algorithm`, never handing its bytes to script. */
export async function unwrapEnvelope(
  unwrappingKey: CryptoKey,
  envelope: JsonObject,
  envelopeType: string,
  context: Context,
  failure: string,
  format: "raw" | "pkcs8",
  algorithm: AlgorithmIdentifier | RsaHashedImportParams | AesKeyAlgorithm | HmacImportParams,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const [params, ciphertext] = opening(envelope, envelopeType, context);
  try {
    return await crypto.subtle.unwrapKey(format, ciphertext, unwrappingKey, params, algorithm, extractable, usages);
  } catch {
    throw new DecryptionError(failure);
  }
}
