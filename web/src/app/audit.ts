/**
 * The audit log of a person's cloud, read and checked in the browser as `imegha audit --verify` does
 * (client/imegha/audit_log.py): the whole chain against the log's head and against every checkpoint (those in the
 * cloud, each refused unless this person's identity key signed it as a checkpoint of their log, and the one this
 * browser verified against last, kept in localStorage per cloud, so a cloud that drops checkpoints does not make it
 * forget); then the head, once verified, is signed with the identity key as a checkpoint and stored in the cloud.
 */

import {
  ChainError,
  CryptoError,
  sameJson,
  signAuditCheckpoint,
  verifyAuditChain,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
  type AuditHead,
  type JsonObject,
} from "../crypto/index";
import { ApiError, object, text } from "./http";
import type { Library } from "./files";
import { nowIso } from "./files";
import type { Session } from "./session";

/** What a verification found. */
export interface Verification {
  entries: JsonObject[];
  /** The log's head: every entry up to it is chained to the one before. */
  head: AuditHead;
  /** The latest checkpoint signed before this verification, which the log holds; null if there was none. */
  checkpoint: AuditCheckpoint | null;
  /** How many signed checkpoints the log was checked against. */
  checkpoints: number;
  /** The head this browser signed and stored now; null if it was signed already (or the log is empty). */
  signed: AuditCheckpoint | null;
}

function rememberedKey(session: Session): string {
  return `imegha.audit-checkpoint.${session.userId}`;
}

function remembered(session: Session): Record<string, JsonObject> {
  try {
    return JSON.parse(localStorage.getItem(rememberedKey(session)) ?? "{}") as Record<string, JsonObject>;
  } catch {
    return {};
  }
}

/** Every entry of the log, oldest first, and its head. */
export async function read(library: Library): Promise<{ entries: JsonObject[]; head: AuditHead }> {
  const { items, last } = await library.api.afterPages("/audit/entries", "entries");
  const head = object(last, "head") ?? {};
  return { entries: items, head: { seq: Number(head.seq), hash: text(head, "hash") } };
}

/**
 * The log, checked against every signed checkpoint; its head then signed as one, unless it is already. Rejects with
 * a `ChainError` naming the first entry that does not hold, the fork, or a checkpoint the identity key did not sign.
 */
export async function verify(session: Session, library: Library): Promise<Verification> {
  const kept = remembered(session);
  const records = (await library.api.afterPages("/audit/checkpoints", "checkpoints")).items;
  const mine = kept[library.cloudUrl];
  if (mine !== undefined && !records.some((record) => sameJson(record, mine))) records.push(mine);
  const checkpoints = await Promise.all(records.map((record) => checked(session, record)));
  const { entries, head } = await read(library);
  const verified = await verifyAuditChain(entries, head, checkpoints.map((checkpoint) => checkpoint.head));
  let latestIndex = -1;
  checkpoints.forEach((checkpoint, index) => {
    if (latestIndex < 0 || checkpoint.head.seq > (checkpoints[latestIndex]?.head.seq ?? 0)) latestIndex = index;
  });
  const latest = checkpoints[latestIndex] ?? null;
  let latestRecord = records[latestIndex] ?? null;
  let signed: AuditCheckpoint | null = null;
  if (verified.seq > 0 && !checkpoints.some((checkpoint) => checkpoint.head.seq === verified.seq && checkpoint.head.hash === verified.hash)) {
    const record = await sign(session, library, verified);
    if (record !== null) {
      signed = await checked(session, record);
      latestRecord = record;
    }
  }
  if (latestRecord !== null) localStorage.setItem(rememberedKey(session), JSON.stringify({ ...kept, [library.cloudUrl]: latestRecord }));
  return { entries, head: verified, checkpoint: latest, checkpoints: checkpoints.length, signed };
}

async function checked(session: Session, record: JsonObject): Promise<AuditCheckpoint> {
  try {
    return await verifyAuditCheckpoint(record, { userId: session.userId, identity: session.keys.identityKey.publicKey });
  } catch (forged) {
    if (!(forged instanceof CryptoError)) throw forged;
    throw new ChainError(
      `a checkpoint in your cloud is not signed by your identity key as one of your log (${forged.message}): refused. ` +
        "Only your devices sign checkpoints, so someone who is not you wrote it there",
    );
  }
}

/** The checkpoint of `head`, signed and stored; null if the cloud holds a later one already (another device's). */
async function sign(session: Session, library: Library, head: AuditHead): Promise<JsonObject | null> {
  const record = await signAuditCheckpoint(session.keys.identityKey, { userId: session.userId, head, signedAt: nowIso() });
  try {
    await library.api.call("POST", "/audit/checkpoints", record);
  } catch (refused) {
    if (refused instanceof ApiError && refused.status === 409) return null;
    throw refused;
  }
  return record;
}
