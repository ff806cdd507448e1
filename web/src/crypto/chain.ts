/**
 * The audit log's hash chain, as imegha_crypto.chain: each entry's `hash` is
 * hex(SHA-256("imegha audit entry" || 0x00 || canonical JSON of the entry without "hash")), and `prev` is the hash
 * of the entry before (64 zeros for the first).
 */

import { concat, toHex, utf8 } from "./bytes";
import { canonicalJson, type JsonObject } from "./canonical";
import { ChainError } from "./errors";
import { sha256 } from "./hashing";

export const AUDIT_GENESIS = "0".repeat(64);
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
 * Check a whole log, oldest entry first, against its `head`, and that `checkpoint` (a head verified before) is
 * still in it; resolves to the head verified, or rejects with a `ChainError` naming the first entry that does not hold.
 */
export async function verifyAuditChain(log: JsonObject[], head: AuditHead, checkpoint?: AuditHead): Promise<AuditHead> {
  let last = EMPTY_LOG;
  let seenCheckpoint: string | undefined;
  for (const entry of log) {
    const seq = entry.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= last.seq) {
      throw new ChainError(`audit entry ${JSON.stringify(seq ?? null)} is out of order after entry ${last.seq}`);
    }
    if (seq !== last.seq + 1) throw new ChainError(`audit ${entries(last.seq + 1, seq - 1)} removed: the log goes from entry ${last.seq} to ${seq}`);
    if (entry.prev !== last.hash) throw new ChainError(`audit entry ${seq} does not follow entry ${last.seq}: one of them was replaced`);
    if (entry.hash !== (await auditDigest(entry))) throw new ChainError(`audit entry ${seq} was edited: its hash does not match what it says`);
    last = { seq, hash: entry.hash };
    if (checkpoint !== undefined && seq === checkpoint.seq) seenCheckpoint = last.hash;
  }
  if (last.seq < head.seq) throw new ChainError(`audit ${entries(last.seq + 1, head.seq)} removed: the log ends before its head`);
  if (last.seq !== head.seq || last.hash !== head.hash) {
    throw new ChainError(`the audit log's head (entry ${head.seq}) does not match its last entry ${last.seq}`);
  }
  if (checkpoint !== undefined && checkpoint.seq > 0 && seenCheckpoint !== checkpoint.hash) {
    throw new ChainError(`audit entry ${checkpoint.seq} is not the one verified before: the log was rewritten since`);
  }
  return last;
}
