/** SHA-256, HKDF-Expand and HMAC keys, on Web Crypto. */

import { buffered } from "./bytes";

export async function sha256(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buffered(data)));
}

/**
 * HKDF-Expand (RFC 5869) under a pseudorandom key imported for HMAC with the hash wanted. Web Crypto's HKDF always
 * extracts first, so Expand alone is HMAC: T(i) = HMAC(prk, T(i-1) || info || i).
 */
export async function hkdfExpand(prk: CryptoKey, info: Uint8Array, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const output = new Uint8Array(length);
  let block = new Uint8Array();
  for (let counter = 1, filled = 0; filled < length; counter++) {
    const input = new Uint8Array(block.length + info.length + 1);
    input.set(block);
    input.set(info, block.length);
    input[input.length - 1] = counter;
    block = new Uint8Array(await crypto.subtle.sign("HMAC", prk, input));
    output.set(block.subarray(0, length - filled), filled);
    filled += block.length;
  }
  return output;
}

/** `key` as HKDF's pseudorandom key under `hash`: an HMAC key that can only sign, and never leaves Web Crypto. */
export async function importPrk(key: Uint8Array, hash: "SHA-256" | "SHA-512"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", buffered(key), { name: "HMAC", hash, length: 8 * key.length }, false, ["sign"]);
}
