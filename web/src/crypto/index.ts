/**
 * iMegha's crypto layer in the browser: every format of layers/crypto/README.md on Web Crypto alone, built to
 * web/dist/imegha-crypto.js. `primitives` is the conformance surface (imegha_crypto.primitives on Uint8Arrays);
 * the rest is the purpose-level API, named as imegha_crypto names it in camelCase.
 */

import * as chunked from "./chunked";
import * as raw from "./primitives";

/** The conformance surface: async functions on Uint8Arrays mirroring imegha_crypto.primitives. */
export const primitives = Object.freeze({
  aesGcmEncrypt: raw.aesGcmEncrypt,
  aesGcmDecrypt: raw.aesGcmDecrypt,
  rsaOaepEncrypt: raw.rsaOaepEncrypt,
  rsaOaepDecrypt: raw.rsaOaepDecrypt,
  pbkdf2Sha256: raw.pbkdf2Sha256,
  mnemonicFromEntropy: raw.mnemonicFromEntropy,
  entropyFromMnemonic: raw.entropyFromMnemonic,
  ed25519Sign: raw.ed25519Sign,
  ed25519Verify: raw.ed25519Verify,
  chunkedEncrypt: raw.chunkedEncrypt,
  chunkedDecrypt: raw.chunkedDecrypt,
});

/** The chunked scheme's raw mode and derivation, for the C2SP vectors (which derive with SHA-256). */
export const chunkedConformance = Object.freeze({
  decryptRaw: chunked.chunkedDecryptRaw,
  derive: chunked.chunkedDerive,
});

export {
  AUTHENTICATION_ITERATIONS,
  DEFAULT_PASSWORD_ITERATIONS,
  RECOVERY_COPY_FIELDS,
  authenticationSecret,
  changePassword,
  checkRecoveryPhrase,
  createAccount,
  openAccount,
  recoverAccount,
  recoveryLookup,
  recoveryVerifier,
  type AccountKeys,
} from "./account";
export { MAX_JSON_DEPTH, parseJson, parseJsonObject } from "./boundedJson";
export { b64urlDecode, b64urlEncode, fromHex, toHex } from "./bytes";
export { Context, binding, canonicalJson, sameJson, type Json, type JsonObject } from "./canonical";
export {
  AUDIT_CHECKPOINT,
  AUDIT_GENESIS,
  EMPTY_LOG,
  auditDigest,
  signAuditCheckpoint,
  verifyAuditChain,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
  type AuditHead,
} from "./chain";
export { CHUNK_SIZE, HEADER_SIZE, type ResumeFrom } from "./chunked";
export { ChainError, CryptoError, DecryptionError, FormatError, RecoveryPhraseError, SignatureError, TooLargeError } from "./errors";
export {
  HISTORY_GRANT_RECORD,
  KEY_GRANT_RECORD,
  ROSTER_RECORD,
  groupKeyContext,
  groupNameContext,
  newGroupId,
  recordDigest,
  signHistoryGrant,
  signKeyGrant,
  signRoster,
  verifyHistoryGrant,
  verifyKeyGrant,
  verifyRosterChain,
  type Member,
  type Roster,
} from "./groups";
export {
  ExchangePrivateKey,
  ExchangePublicKey,
  Fingerprint,
  IdentityPrivateKey,
  IdentityPublicKey,
  SymmetricKey,
  safetyCode,
  type ContentKind,
  type PrivateKind,
  type SymmetricKind,
} from "./keys";
export { MESSAGE_MAX_BYTES, directConversationId, messageContext, openMessage, sealMessage, type Message } from "./messages";
export { SIGNATURE_HEADER, signRequest, verifyRequest } from "./requests";
export { ENVELOPE_TYPES, validateEnvelope, type EnvelopeType } from "./schemas";
export {
  FILE_CHUNK_SIZE,
  SEALED_DATA_MAX_BYTES,
  SEALED_FILE_HEADER_SIZE,
  openData,
  openFileStream,
  sealData,
  sealFileStream,
  sealedFilePosition,
  sealedFileSize,
} from "./sealing";
export { KEY_STATEMENT, signKeyStatement, signRecord, verifyKeyStatement, verifyRecord, type CloudConfirmed, type KeyStatement } from "./signing";
export { unwrapKey, unwrapPrivateKey, wrapKey } from "./wrapping";
