/**
 * The audit log's hash chain, as imegha_crypto.chain: each entry's `hash` is
 * hex(SHA-256("imegha audit entry" || 0x00 || canonical JSON of the entry without "hash")), and `prev` is the hash
 * of the entry before (64 zeros for the first). The owner's devices sign the heads they verified as
 * `audit-checkpoint` records, which a reader checks the log against: a rewritten or forked log does not hold them.
 */

import { concat, toHex, utf8 } from "./bytes";
import { canonicalJson, text, type JsonObject } from "./canonical";
import { ChainError, FormatError, SignatureError } from "./errors";
import { sha256 } from "./hashing";
import type { IdentityPrivateKey, IdentityPublicKey } from "./keys";
import { signRecord, verifyRecord } from "./signing";

export const AUDIT_GENESIS = "0".repeat(64);
export const AUDIT_CHECKPOINT = "audit-checkpoint";
const PREFIX = utf8("imegha audit entry\0");

export interface AuditHead {
  seq: number;
  hash: string;
}

export const EMPTY_LOG: AuditHead = { seq: 0, hash: AUDIT_GENESIS };

/** The `hash` of an audit entry: every field of it but `hash` itself. */
export async function auditDigest(entry: JsonObject): Promise<string> {
  const { hash: _hash, ...unhashed } = entry;
  return toHex(await sha256(concat(PREFIX, canonicalJson(unhashed))));
}

function entries(first: number, last: number): string {
  return first === last ? `entry ${first}` : `entries ${first} to ${last}`;
}

/**
 * Check a whole log, oldest entry first, against its `head`, and that it still holds each of `checkpoints` (heads
 * verified before, on this device or, signed, on another of the owner's); resolves to the head verified, or rejects
 * with a `ChainError` naming the first entry that does not hold, or the fork when two checkpoints cannot both be of
 * one log.
 */
export async function verifyAuditChain(log: JsonObject[], head: AuditHead, checkpoints: AuditHead[] = []): Promise<AuditHead> {
  const expected = oneHistory(checkpoints);
  let last = EMPTY_LOG;
  const seen = new Map<number, string>();
  for (const entry of log) {
    const seq = entry.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= last.seq) {
      throw new ChainError(`audit entry ${JSON.stringify(seq ?? null)} is out of order after entry ${last.seq}`);
    }
    if (seq !== last.seq + 1) throw new ChainError(`audit ${entries(last.seq + 1, seq - 1)} removed: the log goes from entry ${last.seq} to ${seq}`);
    if (entry.prev !== last.hash) throw new ChainError(`audit entry ${seq} does not follow entry ${last.seq}: one of them was replaced`);
    if (entry.hash !== (await auditDigest(entry))) throw new ChainError(`audit entry ${seq} was edited: its hash does not match what it says`);
    last = { seq, hash: entry.hash };
    if (expected.has(seq)) seen.set(seq, last.hash);
  }
  if (last.seq < head.seq) throw new ChainError(`audit ${entries(last.seq + 1, head.seq)} removed: the log ends before its head`);
  if (last.seq !== head.seq || last.hash !== head.hash) {
    throw new ChainError(`the audit log's head (entry ${head.seq}) does not match its last entry ${last.seq}`);
  }
  holds(expected, seen, last);
  return last;
}

/** The checkpoints by entry number; two at one entry that name different heads are a fork. */
function oneHistory(checkpoints: AuditHead[]): Map<number, string> {
  const expected = new Map<number, string>();
  for (const checkpoint of checkpoints) {
    if (checkpoint.seq < 1) continue; // the empty log's head holds in every log
    const known = expected.get(checkpoint.seq) ?? checkpoint.hash;
    expected.set(checkpoint.seq, known);
    if (known !== checkpoint.hash) {
      const [low = "", high = ""] = [known, checkpoint.hash].sort();
      throw new ChainError(
        `the audit log forked: two checkpoints at entry ${checkpoint.seq} name different heads ` +
          `(${low.slice(0, 16)}… and ${high.slice(0, 16)}…): your devices were shown different histories`,
      );
    }
  }
  return expected;
}

/**
 * The log against each checkpoint, the latest first: not holding the latest is a rewrite (or a log cut back),
 * holding it but not an earlier one a fork between the histories the two were signed on.
 */
function holds(expected: Map<number, string>, seen: Map<number, string>, last: AuditHead): void {
  const order = [...expected.keys()].sort((one, other) => other - one);
  const latest = order[0] ?? 0;
  for (const seq of order) {
    if (seq > last.seq) throw new ChainError(`audit ${entries(last.seq + 1, seq)} removed: a device verified the log up to entry ${seq}`);
    const wanted = expected.get(seq) ?? "";
    const here = seen.get(seq) ?? "";
    if (here === wanted) continue;
    if (seq === latest) throw new ChainError(`audit entry ${seq} is not the one verified before: the log was rewritten since`);
    throw new ChainError(
      `the audit log forked: it holds the checkpoint at entry ${latest} but not the one at entry ${seq} ` +
        `(${wanted.slice(0, 16)}…, here ${here.slice(0, 16)}…): your devices were shown different histories`,
    );
  }
}

/** A head the owner's device verified and signed, and when. */
export interface AuditCheckpoint {
  head: AuditHead;
  signedAt: string;
}

/** Sign `head`, just verified on this device, as a checkpoint of `userId`'s log: an `audit-checkpoint` record. */
export function signAuditCheckpoint(
  identityKey: IdentityPrivateKey,
  { userId, head, signedAt }: { userId: string; head: AuditHead; signedAt: string },
): Promise<JsonObject> {
  if (head.seq < 1) throw new TypeError("an empty log has no head to sign");
  return signRecord(identityKey, AUDIT_CHECKPOINT, { userId, seq: head.seq, hash: head.hash, signedAt });
}

/**
 * The checkpoint `record` holds, if `identity` (the owner's own identity key) signed it as a checkpoint of
 * `userId`'s log; `SignatureError` if not, `FormatError` if its body is not a checkpoint's.
 */
export async function verifyAuditCheckpoint(
  record: JsonObject,
  { userId, identity }: { userId: string; identity: IdentityPublicKey },
): Promise<AuditCheckpoint> {
  const body = await verifyRecord(record, AUDIT_CHECKPOINT, identity);
  const fields = Object.keys(body).sort();
  if (fields.join() !== "hash,seq,signedAt,userId") {
    throw new FormatError(`${AUDIT_CHECKPOINT}: body: holds ${fields.join(", ")}; expected userId, seq, hash, signedAt`);
  }
  const { seq, hash, signedAt } = body;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
    throw new FormatError(`${AUDIT_CHECKPOINT}: body.seq: ${JSON.stringify(seq ?? null)} is not an entry number`);
  }
  if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) throw new FormatError(`${AUDIT_CHECKPOINT}: body.hash: not 64 lowercase hex digits`);
  if (typeof signedAt !== "string") throw new FormatError(`${AUDIT_CHECKPOINT}: body.signedAt: not a date-time`);
  if (body.userId !== userId) throw new SignatureError(`this checkpoint is of ${text(body.userId)}'s audit log, not ${userId}'s`);
  return { head: { seq, hash }, signedAt };
}
