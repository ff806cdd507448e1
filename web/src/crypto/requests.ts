/**
 * Requests that cannot be undone, as imegha_crypto.signed_requests: the `X-Imegha-Signature` header carries the
 * signature of a `request` record naming the method, path, SHA-256 of the body, user id and a platform nonce.
 */

import { b64urlEncode } from "./bytes";
import { text, type JsonObject } from "./canonical";
import { FormatError, SignatureError } from "./errors";
import { sha256 } from "./hashing";
import type { IdentityPrivateKey, IdentityPublicKey } from "./keys";
import { signRecord, verifyRecord } from "./signing";

export const SIGNATURE_HEADER = "X-Imegha-Signature";
const REQUEST = "request";
const METHOD = /^[A-Z]{1,16}$/;
const FIELDS: Record<string, RegExp> = {
  v: /^1$/,
  signer: /^[0-9a-f]{64}$/,
  nonce: /^[A-Za-z0-9_-]{16,128}$/,
  sig: /^[A-Za-z0-9_-]{86}$/,
};

interface RequestOptions {
  method: string;
  path: string;
  body: Uint8Array;
  userId: string;
}

async function requestBody({ method, path, body, userId }: RequestOptions, nonce: string): Promise<JsonObject> {
  return { method, path, bodySha256: b64urlEncode(await sha256(body)), userId, nonce };
}

/** The `X-Imegha-Signature` value for one request: `body` is exactly the bytes sent (empty if none). */
export async function signRequest(identityKey: IdentityPrivateKey, options: RequestOptions & { nonce: string }): Promise<string> {
  const { method, path, nonce } = options;
  if (!METHOD.test(method) || !path.startsWith("/") || path.includes("?") || path.includes("#")) {
    throw new TypeError("sign an upper-case method and the request's path (from '/', without a query)");
  }
  if (!FIELDS.nonce?.test(nonce)) throw new TypeError("a nonce is 16 to 128 base64url characters, as the platform issues it");
  const record = await signRecord(identityKey, REQUEST, await requestBody(options, nonce));
  return `v=1; signer=${text(record.signer)}; nonce=${nonce}; sig=${text(record.sig)}`;
}

/** The nonce of `header` if it is `signer`'s signature of this very request (the caller then checks the nonce). */
export async function verifyRequest(header: string, signer: IdentityPublicKey, options: RequestOptions): Promise<string> {
  const fields = parsed(header);
  if (fields.signer !== signer.fingerprint.hex) {
    throw new SignatureError(`signed by identity key ${fields.signer}, not by the expected ${signer.fingerprint.toString()}`);
  }
  const record = { v: 1, alg: "Ed25519", type: REQUEST, signer: fields.signer, body: await requestBody(options, fields.nonce), sig: fields.sig };
  try {
    await verifyRecord(record, REQUEST, signer);
  } catch (error) {
    if (error instanceof SignatureError) {
      throw new SignatureError("the signature is not of this request: it was made for another method, path, body, user or nonce");
    }
    throw error;
  }
  return fields.nonce;
}

function parsed(header: string): { signer: string; nonce: string; sig: string } {
  const expected = `${SIGNATURE_HEADER}: expected 'v=1; signer=<64 hex>; nonce=<nonce>; sig=<86 base64url characters>'`;
  const fields = new Map<string, string>();
  for (const part of header.split(";")) {
    const trimmed = part.trim();
    const equals = trimmed.indexOf("=");
    const name = trimmed.slice(0, equals);
    const value = trimmed.slice(equals + 1);
    const pattern = FIELDS[name];
    if (equals < 0 || pattern === undefined || fields.has(name)) throw new FormatError(expected);
    if (!pattern.test(value)) {
      throw new FormatError(`${SIGNATURE_HEADER}: ${name}: ${name === "v" ? `unknown version ${value}; this layer reads version 1` : "is not well-formed"}`);
    }
    fields.set(name, value);
  }
  const signer = fields.get("signer");
  const nonce = fields.get("nonce");
  const sig = fields.get("sig");
  if (fields.size !== 4 || signer === undefined || nonce === undefined || sig === undefined) throw new FormatError(expected);
  return { signer, nonce, sig };
}
