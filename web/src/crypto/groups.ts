/**
 * Group chats, as imegha_crypto.groups: rosters the admin signs (`group-roster`, numbered from 1 and chained by
 * `recordDigest`), `key-grant`s vouching for each member's copy of a conversation or group key, and `group-history`
 * grants that let a new member read back.
 */

import { randomBytes, toHex } from "./bytes";
import { canonicalJson, Context, isJsonObject, sameJson, text, type Json, type JsonObject } from "./canonical";
import { SignatureError } from "./errors";
import { sha256 } from "./hashing";
import type { IdentityPrivateKey, IdentityPublicKey } from "./keys";
import { signRecord, verifyRecord } from "./signing";

export const ROSTER_RECORD = "group-roster";
export const KEY_GRANT_RECORD = "key-grant";
export const HISTORY_GRANT_RECORD = "group-history";

export interface Member {
  userId: string;
  iMTag: string;
}

/** A checked roster: the latest of a verified chain. */
export interface Roster {
  groupId: string;
  version: number;
  admin: string;
  members: Member[];
  /** For each member the admin removed, the last sequence of theirs the admin saw in their cloud, or null when it
   * could not be read (recorded as "unknown"): a reader then accepts only what it had seen of theirs. */
  departed: Record<string, number | null>;
}

/** What a roster records for a removed member whose last sequence the admin's device could not read. */
const DEPARTURE_UNKNOWN = "unknown";

/** A fresh group id: "grp-" and 16 random bytes in hex, made on the creator's device. */
export function newGroupId(): string {
  return "grp-" + toHex(randomBytes(16));
}

/** SHA-256 of a record's canonical JSON, in hex: how a roster names the one before it and a grant its copy. */
export async function recordDigest(record: JsonObject): Promise<string> {
  return toHex(await sha256(canonicalJson(record)));
}

/** Where a member's copy of a group key belongs. */
export function groupKeyContext(groupId: string, member: string, epoch: number): Context {
  return new Context(member, groupId, epoch);
}

/** Where a group's name, sealed under the key of an epoch, belongs. */
export function groupNameContext(groupId: string, epoch: number): Context {
  return new Context(groupId, "group-name", epoch);
}

/** Sign the next roster of a group: the first (`previous` null) or the one after `previous`. */
export async function signRoster(
  adminKey: IdentityPrivateKey,
  options: { groupId: string; admin: string; members: Member[]; previous: JsonObject | null; departed?: Record<string, number | null> },
): Promise<JsonObject> {
  const ids = options.members.map((member) => member.userId);
  if (new Set(ids).size !== ids.length) throw new TypeError("a roster names each member once");
  if (!ids.includes(options.admin)) throw new TypeError("the admin is a member of their group");
  const previousBody = options.previous?.body;
  const body: JsonObject = {
    groupId: options.groupId,
    version: isJsonObject(previousBody) ? Number(previousBody.version) + 1 : 1,
    admin: options.admin,
    members: options.members.map((member) => ({ userId: member.userId, iMTag: member.iMTag })),
    previous: options.previous === null ? null : await recordDigest(options.previous),
  };
  if (options.departed && Object.keys(options.departed).length > 0) {
    body.departed = Object.fromEntries(
      Object.entries(options.departed).map(([member, sequence]) => [member, sequence === null ? DEPARTURE_UNKNOWN : sequence]),
    );
  }
  return signRecord(adminKey, ROSTER_RECORD, body);
}

function isMember(value: Json): value is { userId: string; iMTag: string } {
  return isJsonObject(value) && Object.keys(value).sort().join() === "iMTag,userId";
}

/** Check every roster of a group, oldest first, and resolve to the latest; `SignatureError` on any break. */
export async function verifyRosterChain(
  rosters: JsonObject[],
  { groupId, adminIdentity }: { groupId: string; adminIdentity: IdentityPublicKey },
): Promise<Roster> {
  if (rosters.length === 0) throw new SignatureError(`group ${groupId} has no roster`);
  let previous: JsonObject | null = null;
  let admin: string | null = null;
  let latest: Roster | undefined;
  const departed: Record<string, number | null> = {};
  for (const [offset, record] of rosters.entries()) {
    const position = offset + 1;
    const body = await verifyRecord(record, ROSTER_RECORD, adminIdentity);
    if (body.groupId !== groupId) throw new SignatureError(`roster ${position} is of group '${text(body.groupId)}', not '${groupId}'`);
    if (body.version !== position) {
      throw new SignatureError(`roster ${position} says it is version ${text(body.version)}: one is missing or replayed`);
    }
    if (body.previous !== (previous === null ? null : await recordDigest(previous))) {
      throw new SignatureError(`roster ${position} does not follow roster ${position - 1}`);
    }
    const members = body.members;
    if (!Array.isArray(members) || !members.every(isMember)) throw new SignatureError(`roster ${position} lists its members in another shape`);
    const ids = members.map((member) => member.userId);
    if (new Set(ids).size !== ids.length || typeof body.admin !== "string" || !ids.includes(body.admin)) {
      throw new SignatureError(`roster ${position} names a member twice, or not its admin`);
    }
    if (admin !== null && body.admin !== admin) throw new SignatureError(`roster ${position} names another admin`);
    Object.assign(departed, departures(position, body, previous, ids));
    admin = body.admin;
    previous = record;
    latest = { groupId, version: position, admin, members: members.map((member) => ({ ...member })), departed };
  }
  if (latest === undefined) throw new SignatureError(`group ${groupId} has no roster`);
  return latest;
}

/** The last sequences a roster records for the members it removes (null: unknown), only for members it removes. */
function departures(position: number, body: JsonObject, previous: JsonObject | null, members: string[]): Record<string, number | null> {
  const departed = body.departed ?? {};
  if (
    !isJsonObject(departed) ||
    !Object.values(departed).every((sequence) => sequence === DEPARTURE_UNKNOWN || (Number.isSafeInteger(sequence) && Number(sequence) >= 0))
  ) {
    throw new SignatureError(`roster ${position} records departures in another shape`);
  }
  const previousBody = previous?.body;
  const before = new Set(
    isJsonObject(previousBody) && Array.isArray(previousBody.members) ? previousBody.members.filter(isMember).map((member) => member.userId) : [],
  );
  if (!Object.keys(departed).every((member) => before.has(member) && !members.includes(member))) {
    throw new SignatureError(`roster ${position} records a departure of someone it does not remove`);
  }
  return Object.fromEntries(
    Object.entries(departed).map(([member, sequence]) => [member, sequence === DEPARTURE_UNKNOWN ? null : Number(sequence)]),
  );
}

/** Vouch, as the one who made it, for `copy`: `member`'s wrapped key of `version` of a conversation. */
export async function signKeyGrant(
  makerKey: IdentityPrivateKey,
  { conversationId, version, member, copy }: { conversationId: string; version: number; member: string; copy: JsonObject },
): Promise<JsonObject> {
  return signRecord(makerKey, KEY_GRANT_RECORD, { conversationId, version, member, copy: await recordDigest(copy) });
}

/** Refuse (`SignatureError`) a copy its grant does not vouch for, or a grant not signed by `makerIdentity`. */
export async function verifyKeyGrant(
  grant: JsonObject,
  copy: JsonObject,
  options: { makerIdentity: IdentityPublicKey; conversationId: string; version: number; member: string },
): Promise<void> {
  const body = await verifyRecord(grant, KEY_GRANT_RECORD, options.makerIdentity);
  const expected: JsonObject = {
    conversationId: options.conversationId,
    version: options.version,
    member: options.member,
    copy: await recordDigest(copy),
  };
  if (!sameJson(body, expected)) {
    const changed = Object.keys(expected).filter((name) => !sameJson(body[name] ?? null, expected[name])).sort();
    throw new SignatureError(`the grant does not vouch for this key copy (it differs in ${changed.join(", ") || "its fields"})`);
  }
}

/** Let `member`, joining now, read the group's messages of every epoch up to `throughEpoch`. */
export function signHistoryGrant(
  adminKey: IdentityPrivateKey,
  { groupId, member, throughEpoch }: { groupId: string; member: string; throughEpoch: number },
): Promise<JsonObject> {
  return signRecord(adminKey, HISTORY_GRANT_RECORD, { groupId, member, throughEpoch });
}

/** The last epoch whose messages the admin let `member` read; `SignatureError` for any other grant. */
export async function verifyHistoryGrant(
  grant: JsonObject,
  { adminIdentity, groupId, member }: { adminIdentity: IdentityPublicKey; groupId: string; member: string },
): Promise<number> {
  const body = await verifyRecord(grant, HISTORY_GRANT_RECORD, adminIdentity);
  if (body.groupId !== groupId || body.member !== member) throw new SignatureError("this history grant is for another group or member");
  const through = body.throughEpoch;
  if (typeof through !== "number" || !Number.isSafeInteger(through) || through < 0) throw new SignatureError("this history grant names no epoch");
  return through;
}
