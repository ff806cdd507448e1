/**
 * The key hierarchy as types, on `CryptoKey`s. Each symmetric key has a kind (`DEK`, `FEK`, `CK`, `FK`, `AK`, `AIK`,
 * `GK` with its epoch) that is written into every envelope and its additional data, so a key of one kind never comes
 * back out as another. Public keys are DER SubjectPublicKeyInfo, private keys PKCS#8, as imegha_crypto.keys.
 *
 * Which keys script can read (see web/README.md): a key opened from an envelope is non-extractable unless the caller
 * asks otherwise, because it only needs `encrypt`/`decrypt`/`wrapKey`/`unwrapKey`/`sign`. Web Crypto wraps only
 * extractable keys, so a key that is still to be wrapped stays extractable: a newly generated one, and a shared
 * key a device opens in order to wrap it again (for another member, or under another folder).
 */

import { buffered, randomBytes, toHex } from "./bytes";
import { FormatError } from "./errors";
import { sha256 } from "./hashing";
import { RSA_OAEP } from "./primitives";

export type ContentKind = "FEK" | "CK" | "FK" | "AK" | "AIK" | "GK";
export type SymmetricKind = "DEK" | ContentKind;
export type PrivateKind = "RSA-PRIVATE" | "ED25519-PRIVATE";

export const RSA_DEFAULT_BITS = 2048;
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;

/** What each kind of key does with its AES-GCM form: the DEK only wraps; a folder or album key wraps and seals. */
const USAGES: Record<SymmetricKind, KeyUsage[]> = {
  DEK: ["wrapKey", "unwrapKey"],
  FEK: ["encrypt", "decrypt"],
  CK: ["encrypt", "decrypt"],
  FK: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  AK: ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
  AIK: ["encrypt", "decrypt"],
  GK: ["encrypt", "decrypt"],
};

/** How to make a key's CryptoKeys from its 32 bytes: imported from raw bytes, or unwrapped from an envelope. */
export type KeyMaker = (algorithm: AesKeyAlgorithm | HmacImportParams, extractable: boolean, usages: KeyUsage[]) => Promise<CryptoKey>;

/** An AES-256 key of one kind. An FEK also holds its bytes as an HMAC-SHA-512 key: the chunked scheme's input key. */
export class SymmetricKey {
  private constructor(
    readonly kind: SymmetricKind,
    readonly epoch: number | undefined,
    /** AES-GCM, with the usages of its kind. */
    readonly aes: CryptoKey,
    /** For an FEK: HKDF-Expand-SHA-512's pseudorandom key for its files (sign only, never extractable). */
    readonly prk: CryptoKey | undefined,
  ) {}

  /** A new random key; extractable, since it is to be wrapped at least once. */
  static async generate(kind: SymmetricKind, epoch?: number): Promise<SymmetricKey> {
    const secret = randomBytes(32);
    try {
      return await SymmetricKey.fromBytes(kind, secret, { epoch, extractable: true });
    } finally {
      secret.fill(0);
    }
  }

  /** A key from its 32 bytes (a session kept in memory, a test); non-extractable unless asked. */
  static fromBytes(kind: SymmetricKind, secret: Uint8Array, options: { epoch?: number | undefined; extractable?: boolean } = {}): Promise<SymmetricKey> {
    if (secret.length !== 32) throw new TypeError(`a ${kind} is 32 bytes`);
    return SymmetricKey.make(kind, options.epoch, options.extractable ?? false, (algorithm, extractable, usages) =>
      crypto.subtle.importKey("raw", buffered(secret), algorithm, extractable, usages),
    );
  }

  /** A key made by `maker` (an import or an unwrap) in the forms its kind needs. */
  static async make(kind: SymmetricKind, epoch: number | undefined, extractable: boolean, maker: KeyMaker): Promise<SymmetricKey> {
    if ((kind === "GK") !== (epoch !== undefined)) throw new TypeError("a group key, and only a group key, has an epoch");
    if (epoch !== undefined && (!Number.isSafeInteger(epoch) || epoch < 0)) {
      throw new TypeError("a group key's epoch is an integer from 0 to 2**53 - 1");
    }
    const aes = await maker({ name: "AES-GCM", length: 256 }, extractable, USAGES[kind]);
    const prk = kind === "FEK" ? await maker({ name: "HMAC", hash: "SHA-512", length: 256 }, false, ["sign"]) : undefined;
    return new SymmetricKey(kind, epoch, aes, prk);
  }

  get extractable(): boolean {
    return this.aes.extractable;
  }

  /** Fields besides the kind that an envelope holding or made with this key carries. */
  envelopeFields(): { epoch?: number } {
    return this.epoch === undefined ? {} : { epoch: this.epoch };
  }
}

/** SHA-256 of a public key's DER SubjectPublicKeyInfo: `hex` in envelopes, `toString()` for people. */
export class Fingerprint {
  constructor(readonly digest: Uint8Array) {}

  static async of(spkiDer: Uint8Array): Promise<Fingerprint> {
    return new Fingerprint(await sha256(spkiDer));
  }

  get hex(): string {
    return toHex(this.digest);
  }

  toString(): string {
    return this.hex.replace(/(.{4})(?!$)/g, "$1 ");
  }
}

async function importPublicKey(spkiDer: Uint8Array, algorithm: AlgorithmIdentifier | RsaHashedImportParams, usages: KeyUsage[], what: string): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("spki", buffered(spkiDer), algorithm, true, usages);
  } catch {
    throw new FormatError(`not ${what}`);
  }
}

/** A user's RSA-OAEP public key: keys are wrapped for them under it. */
export class ExchangePublicKey {
  private constructor(
    readonly der: Uint8Array,
    readonly key: CryptoKey,
    readonly fingerprint: Fingerprint,
  ) {}

  static async fromDer(spkiDer: Uint8Array): Promise<ExchangePublicKey> {
    const key = await importPublicKey(spkiDer, RSA_OAEP, ["encrypt", "wrapKey"], "an RSA public key");
    const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new FormatError(`an RSA key of ${bits} bits; ${RSA_MIN_BITS} to ${RSA_MAX_BITS} are accepted`);
    }
    return new ExchangePublicKey(new Uint8Array(spkiDer), key, await Fingerprint.of(spkiDer));
  }
}

/** A user's Ed25519 public key: what they sign verifies under it. */
export class IdentityPublicKey {
  private constructor(
    readonly der: Uint8Array,
    readonly key: CryptoKey,
    readonly fingerprint: Fingerprint,
  ) {}

  static async fromDer(spkiDer: Uint8Array): Promise<IdentityPublicKey> {
    const key = await importPublicKey(spkiDer, "Ed25519", ["verify"], "an Ed25519 public key");
    return new IdentityPublicKey(new Uint8Array(spkiDer), key, await Fingerprint.of(spkiDer));
  }

  equals(other: IdentityPublicKey): boolean {
    return this.fingerprint.hex === other.fingerprint.hex;
  }
}

/**
 * A private key and its public half. Web Crypto cannot derive the public half of a non-extractable private key, so
 * it comes with it: from the account bundle, whose wrapping binds the private key to that public key's fingerprint.
 */
export class ExchangePrivateKey {
  readonly kind = "RSA-PRIVATE";
  constructor(
    /** RSA-OAEP-SHA-256, `decrypt` and `unwrapKey`. */
    readonly key: CryptoKey,
    readonly publicKey: ExchangePublicKey,
  ) {}

  /** A new key pair; the private key is extractable, to be wrapped under the DEK once. */
  static async generate(bits: number = RSA_DEFAULT_BITS): Promise<ExchangePrivateKey> {
    if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw new TypeError(`RSA keys are ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`);
    }
    const pair = await crypto.subtle.generateKey(
      { ...RSA_OAEP, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    return new ExchangePrivateKey(pair.privateKey, await ExchangePublicKey.fromDer(spki));
  }

  /** A private key from its PKCS#8 DER (non-extractable) and its public half's SubjectPublicKeyInfo. */
  static async fromPkcs8(pkcs8Der: Uint8Array, spkiDer: Uint8Array): Promise<ExchangePrivateKey> {
    const key = await crypto.subtle.importKey("pkcs8", buffered(pkcs8Der), RSA_OAEP, false, ["decrypt", "unwrapKey"]);
    return new ExchangePrivateKey(key, await ExchangePublicKey.fromDer(spkiDer));
  }
}

/** A user's Ed25519 identity key: signs their key statement, share records and messages. */
export class IdentityPrivateKey {
  readonly kind = "ED25519-PRIVATE";
  constructor(
    /** Ed25519, `sign`. */
    readonly key: CryptoKey,
    readonly publicKey: IdentityPublicKey,
  ) {}

  /** A new key pair; the private key is extractable, to be wrapped under the DEK once. */
  static async generate(): Promise<IdentityPrivateKey> {
    const pair = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    return new IdentityPrivateKey(pair.privateKey, await IdentityPublicKey.fromDer(spki));
  }

  /** A private key from its PKCS#8 DER (non-extractable) and its public half's SubjectPublicKeyInfo. */
  static async fromPkcs8(pkcs8Der: Uint8Array, spkiDer: Uint8Array): Promise<IdentityPrivateKey> {
    const key = await crypto.subtle.importKey("pkcs8", buffered(pkcs8Der), "Ed25519", false, ["sign"]);
    return new IdentityPrivateKey(key, await IdentityPublicKey.fromDer(spkiDer));
  }
}

/**
 * Twelve groups of five digits that two users read to each other: six from each identity key's fingerprint (bytes
 * 0-4, 5-9, …, 25-29 as big-endian integers modulo 100000), the halves ordered by fingerprint.
 */
export function safetyCode(one: IdentityPublicKey, other: IdentityPublicKey): string {
  const halves = [one.fingerprint.digest, other.fingerprint.digest].sort(compareBytes);
  const groups: string[] = [];
  for (const digest of halves) {
    for (let start = 0; start < 30; start += 5) {
      const value = digest.subarray(start, start + 5).reduce((total, byte) => (total * 256 + byte) % 100000, 0);
      groups.push(String(value).padStart(5, "0"));
    }
  }
  return groups.join(" ");
}

function compareBytes(one: Uint8Array, other: Uint8Array): number {
  for (let index = 0; index < Math.min(one.length, other.length); index++) {
    const difference = (one[index] ?? 0) - (other[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return one.length - other.length;
}
