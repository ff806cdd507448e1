/**
 * Signed records, as imegha_crypto.signing: the signature covers `"imegha signed record" || 0x00 || canonical JSON`
 * of every field but `sig` (version, algorithm, record type, signer's fingerprint, body).
 */

import { b64urlDecode, b64urlEncode, concat, utf8 } from "./bytes";
import { canonicalJson, copyJson, text, type JsonObject } from "./canonical";
import { SignatureError } from "./errors";
import { ExchangePublicKey, IdentityPublicKey, type IdentityPrivateKey } from "./keys";
import { validateEnvelope } from "./schemas";

export const KEY_STATEMENT = "key-statement";
const SIGNED_PREFIX = utf8("imegha signed record\0");

function signedBytes(unsigned: JsonObject): Uint8Array<ArrayBuffer> {
  return concat(SIGNED_PREFIX, canonicalJson(unsigned));
}

function envelopeType(recordType: string): "key-statement" | "signed-record" {
  return recordType === KEY_STATEMENT ? KEY_STATEMENT : "signed-record";
}

/** Sign `body` as a record of `recordType`; resolves to a `signed-record` envelope. */
export async function signRecord(identityKey: IdentityPrivateKey, recordType: string, body: JsonObject): Promise<JsonObject> {
  const unsigned = { v: 1, alg: "Ed25519", type: recordType, signer: identityKey.publicKey.fingerprint.hex, body: copyJson(body) };
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", identityKey.key, signedBytes(unsigned)));
  const record = { ...unsigned, sig: b64urlEncode(signature) };
  // Refused here, not at the reader: a record that could never verify.
  validateEnvelope(envelopeType(recordType), record);
  return record;
}

/** The body of `record` if it is a `recordType` signed by `signer`; `SignatureError` if not. */
export async function verifyRecord(record: JsonObject, recordType: string, signer: IdentityPublicKey): Promise<JsonObject> {
  validateEnvelope(envelopeType(recordType), record);
  if (record.type !== recordType) throw new SignatureError(`this is a '${text(record.type)}' record, not a '${recordType}'`);
  await checkSignature(record, signer);
  return copyJson(record.body as JsonObject);
}

async function checkSignature(record: JsonObject, signer: IdentityPublicKey): Promise<void> {
  if (record.signer !== signer.fingerprint.hex) {
    throw new SignatureError(`signed by identity key ${text(record.signer)}, not by the expected ${signer.fingerprint.toString()}`);
  }
  const { sig, ...unsigned } = record;
  if (!(await crypto.subtle.verify("Ed25519", signer.key, b64urlDecode(text(sig)), signedBytes(unsigned)))) {
    throw new SignatureError("the signature does not match the record: it was altered after signing");
  }
}

export type CloudConfirmed = "account" | "stack";

/** What a user says, under their identity key, about their keys and cloud. */
export interface KeyStatement {
  userId: string;
  exchangeKey: ExchangePublicKey;
  identityKey: IdentityPublicKey;
  /** null until the user's cloud is deployed. */
  cloudUrl: string | null;
  sequence: number;
  /** How the device confirmed `cloudUrl`; null: unconfirmed, or no cloud. */
  cloudConfirmed: CloudConfirmed | null;
}

/** Sign the statement a user publishes in the directory; raise `sequence` with every new one. */
export function signKeyStatement(
  identityKey: IdentityPrivateKey,
  options: { userId: string; exchangeKey: ExchangePublicKey; cloudUrl: string | null; sequence: number; cloudConfirmed?: CloudConfirmed | null },
): Promise<JsonObject> {
  const body = {
    userId: options.userId,
    exchangeKey: b64urlEncode(options.exchangeKey.der),
    identityKey: b64urlEncode(identityKey.publicKey.der),
    cloudUrl: options.cloudUrl,
    sequence: options.sequence,
    cloudConfirmed: options.cloudUrl !== null && options.cloudConfirmed ? options.cloudConfirmed : false,
  };
  return signRecord(identityKey, KEY_STATEMENT, body);
}

/**
 * Check a key statement fetched for `userId`: signed by the identity key it names, which must be `pinnedIdentity`
 * unless this user is seen for the first time (null), and not older than `minSequence`.
 */
export async function verifyKeyStatement(
  statement: JsonObject,
  { userId, pinnedIdentity, minSequence = 0 }: { userId: string; pinnedIdentity: IdentityPublicKey | null; minSequence?: number },
): Promise<KeyStatement> {
  validateEnvelope(KEY_STATEMENT, statement);
  const body = statement.body as JsonObject;
  const identityKey = await IdentityPublicKey.fromDer(b64urlDecode(text(body.identityKey)));
  if (pinnedIdentity !== null && !identityKey.equals(pinnedIdentity)) {
    throw new SignatureError(
      `the statement for ${userId} names identity key ${identityKey.fingerprint.toString()}, but ${pinnedIdentity.fingerprint.toString()} ` +
        "is the one pinned for this user: compare safety codes before trusting it",
    );
  }
  await checkSignature(statement, identityKey);
  if (body.userId !== userId) throw new SignatureError(`the statement is for user '${text(body.userId)}', not '${userId}'`);
  const sequence = Number(body.sequence);
  if (sequence < minSequence) {
    throw new SignatureError(`the statement's sequence ${sequence} is older than ${minSequence}, already seen: a replayed statement`);
  }
  return {
    userId,
    exchangeKey: await ExchangePublicKey.fromDer(b64urlDecode(text(body.exchangeKey))),
    identityKey,
    cloudUrl: typeof body.cloudUrl === "string" ? body.cloudUrl : null,
    sequence,
    cloudConfirmed: body.cloudConfirmed === "account" || body.cloudConfirmed === "stack" ? body.cloudConfirmed : null,
  };
}
