/**
 * The one error family of the crypto layer, as in imegha_crypto.errors. Each sets `name` to its class name, so a
 * caller (or a test driving the page) can tell them apart after any bundling. A failed open never resolves with
 * partial plaintext: the promise rejects before any byte of an unauthenticated chunk is handed back.
 */

export class CryptoError extends Error {
  override name = "CryptoError";
}

/** A ciphertext did not open: wrong key, wrong context, or tampered data. */
export class DecryptionError extends CryptoError {
  override name = "DecryptionError";
}

/** An envelope or encoded value is malformed, of an unknown version, or below policy. */
export class FormatError extends CryptoError {
  override name = "FormatError";
}

/** A document is larger than its reader accepts; refused before any of it is parsed. */
export class TooLargeError extends FormatError {
  override name = "TooLargeError";
}

/** A recovery phrase has an unknown word, the wrong length, or a bad checksum. */
export class RecoveryPhraseError extends CryptoError {
  override name = "RecoveryPhraseError";
}

/** A signature did not verify against the key it claims. */
export class SignatureError extends CryptoError {
  override name = "SignatureError";
}

/** A hash chain does not hold: an entry was removed, edited, reordered or rewritten. */
export class ChainError extends CryptoError {
  override name = "ChainError";
}
