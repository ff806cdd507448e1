/**
 * Raw primitives on Web Crypto alone: the conformance surface, mirroring imegha_crypto.primitives on Uint8Arrays,
 * so that known-answer vectors run in a browser as they run against Python. Failures reject with a
 * `DecryptionError` (or a `FormatError` for malformed input), never with partial plaintext. Application code uses
 * the purpose-level modules, which choose IVs, salts and algorithms themselves.
 */

import { buffered, randomBytes } from "./bytes";
import { DecryptionError, FormatError } from "./errors";

export { entropyFromMnemonic, mnemonicFromEntropy } from "./bip39";
export { chunkedDecrypt, chunkedEncrypt } from "./chunked";

export const GCM_IV_BYTES = 12;
export const AES_256_KEY_BYTES = 32;
export const RSA_OAEP = { name: "RSA-OAEP", hash: "SHA-256" } as const;

const subtle = (): SubtleCrypto => crypto.subtle;

/** Encrypt under a fresh random 96-bit IV; resolves to `[iv, ciphertextWithTag]`. */
export async function aesGcmEncrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = new Uint8Array(),
): Promise<[Uint8Array, Uint8Array]> {
  const aesKey = await importAesKey(key, ["encrypt"]);
  const iv = randomBytes(GCM_IV_BYTES);
  const sealed = await subtle().encrypt(
    { name: "AES-GCM", iv, additionalData: buffered(aad) },
    aesKey,
    buffered(plaintext),
  );
  return [iv, new Uint8Array(sealed)];
}

export async function aesGcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertextWithTag: Uint8Array,
  aad: Uint8Array = new Uint8Array(),
): Promise<Uint8Array> {
  try {
    const aesKey = await importAesKey(key, ["decrypt"]);
    const params = { name: "AES-GCM", iv: buffered(iv), additionalData: buffered(aad) };
    return new Uint8Array(await subtle().decrypt(params, aesKey, buffered(ciphertextWithTag)));
  } catch {
    throw new DecryptionError("AES-GCM authentication failed");
  }
}

async function importAesKey(key: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
  try {
    return await subtle().importKey("raw", buffered(key), "AES-GCM", false, usages);
  } catch {
    throw new FormatError(`an AES key is 16, 24 or 32 bytes, not ${key.length}`);
  }
}

/** RSA-OAEP with SHA-256 and MGF1-SHA-256; `label` is the binding of the envelope (empty: no label). */
export async function rsaOaepEncrypt(
  spkiDer: Uint8Array,
  plaintext: Uint8Array,
  label: Uint8Array = new Uint8Array(),
): Promise<Uint8Array> {
  let publicKey: CryptoKey;
  try {
    publicKey = await subtle().importKey("spki", buffered(spkiDer), RSA_OAEP, false, ["encrypt"]);
  } catch {
    throw new FormatError("not an RSA public key as DER SubjectPublicKeyInfo");
  }
  try {
    return new Uint8Array(await subtle().encrypt({ name: "RSA-OAEP", label: buffered(label) }, publicKey, buffered(plaintext)));
  } catch {
    throw new FormatError(`${plaintext.length} bytes is too long for RSA-OAEP under this key`);
  }
}

export async function rsaOaepDecrypt(
  pkcs8Der: Uint8Array,
  ciphertext: Uint8Array,
  label: Uint8Array = new Uint8Array(),
): Promise<Uint8Array> {
  try {
    const privateKey = await subtle().importKey("pkcs8", buffered(pkcs8Der), RSA_OAEP, false, ["decrypt"]);
    return new Uint8Array(await subtle().decrypt({ name: "RSA-OAEP", label: buffered(label) }, privateKey, buffered(ciphertext)));
  } catch {
    throw new DecryptionError("RSA-OAEP decryption failed");
  }
}

export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length = 32,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || !Number.isSafeInteger(length) || length < 1) {
    throw new FormatError("PBKDF2 takes at least one iteration and one byte of output");
  }
  const passwordKey = await subtle().importKey("raw", buffered(password), "PBKDF2", false, ["deriveBits"]);
  const params = { name: "PBKDF2", hash: "SHA-256", salt: buffered(salt), iterations };
  return new Uint8Array(await subtle().deriveBits(params, passwordKey, 8 * length));
}

export async function ed25519Sign(pkcs8Der: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  let privateKey: CryptoKey;
  try {
    privateKey = await subtle().importKey("pkcs8", buffered(pkcs8Der), "Ed25519", false, ["sign"]);
  } catch {
    throw new FormatError("not an Ed25519 private key as PKCS#8 DER");
  }
  return new Uint8Array(await subtle().sign("Ed25519", privateKey, buffered(message)));
}

/** Whether `signature` is the signature of `message` under the key; false for a key that is not Ed25519. */
export async function ed25519Verify(spkiDer: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  let publicKey: CryptoKey;
  try {
    publicKey = await subtle().importKey("spki", buffered(spkiDer), "Ed25519", false, ["verify"]);
  } catch {
    return false;
  }
  return subtle().verify("Ed25519", publicKey, buffered(signature), buffered(message));
}
