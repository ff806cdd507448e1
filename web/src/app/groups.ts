/**
 * Group conversations in the browser, as client/imegha/group_chat.py has them, call for call and record for record:
 * the creator's browser makes the group key (epoch 0), wraps it for every member with a signed grant and signs the
 * first roster; every browser checks the admin's roster chain against the members the platform serves (a ghost member
 * is refused) and each new key copy's grant, and keeps its keys under its DEK in its own cloud. Removing a member is a
 * new epoch in one request: the roster without them and the next key, made here for the members who stay.
 */

import {
  CryptoError,
  SymmetricKey,
  b64urlEncode,
  groupKeyContext,
  groupNameContext,
  newGroupId,
  openData,
  ROSTER_RECORD,
  sealData,
  signHistoryGrant,
  signKeyGrant,
  signRoster,
  unwrapKey,
  verifyKeyGrant,
  verifyRecord,
  verifyRosterChain,
  wrapKey,
  type ExchangePublicKey,
  type IdentityPublicKey,
  type JsonObject,
  type Member,
  type Roster,
} from "../crypto/index";
import { ChatError, byOrder, openLine, refused, type Chat, type CloudApi, type Line } from "./chat";
import { ApiError, Unreachable, object, objects, text } from "./http";
import type { Session } from "./session";
import { lookUp } from "./trust";

/** A group as GET /groups lists it, for the conversation list. */
export interface GroupSummary {
  groupId: string;
  epoch: number;
  rosterVersion: number;
  /** Added, and not yet accepted: its messages reach this person as requests. */
  invited: boolean;
}

interface Epoch {
  epoch: number;
  startedAt: string;
}

/** Where a key of an epoch came from, to open it again extractable when it is passed on. */
interface KeySource {
  wrappedKey: JsonObject;
  fromPlatform: boolean;
}

/** A group as this browser has checked it. */
export interface GroupView {
  groupId: string;
  admin: string;
  epoch: number;
  needsNewKey: boolean;
  /** The current members' user ids, sorted. */
  members: string[];
  roster: Roster;
  rosterRecord: JsonObject;
  /** The iMTag of everyone any roster named: current and former members. */
  tags: Map<string, string>;
  epochs: Epoch[];
  keys: Map<number, SymmetricKey>;
  sources: Map<number, KeySource>;
  name: string | null;
  nextSequence: number;
  historyGrant: JsonObject | null;
  /** Members whose accounts were deleted: named by the roster until the admin removes them. */
  departed: string[];
  /** False for a group this person was removed from: what their own cloud kept of it. */
  member: boolean;
}

export interface GroupRead {
  lines: Line[];
  /** The iMTags of members whose clouds did not answer: what they said is missing, not refused. */
  unanswered: string[];
}

function path(groupId: string, rest = ""): string {
  return `/groups/${encodeURIComponent(groupId)}${rest}`;
}

function instant(timestamp: string): number {
  const parsed = Date.parse(timestamp);
  return Number.isNaN(parsed) ? Infinity : parsed;
}

export class Groups {
  constructor(
    private readonly session: Session,
    private readonly chat: Chat,
  ) {}

  private get me(): string {
    return this.session.userId;
  }

  async list(): Promise<GroupSummary[]> {
    return objects(await this.session.platform("GET", "/groups"), "groups").map((group) => ({
      groupId: text(group, "groupId"),
      epoch: Number(group.epoch),
      rosterVersion: Number(group.rosterVersion),
      invited: group.invited === true,
    }));
  }

  // --- making and changing groups -------------------------------------------------------------

  async create(name: string, memberTags: string[]): Promise<string> {
    const peers = new Map<string, { iMTag: string; exchangeKey: ExchangePublicKey }>();
    for (const tag of new Set(memberTags)) {
      const peer = await lookUp(this.session, tag);
      if (peer.userId !== this.me) peers.set(peer.userId, { iMTag: peer.imtag, exchangeKey: peer.exchangeKey });
    }
    if (peers.size === 0) throw new ChatError("a group needs at least one member besides you");
    const groupId = newGroupId();
    const members: Member[] = [{ userId: this.me, iMTag: this.session.imtag }, ...[...peers].map(([userId, peer]) => ({ userId, iMTag: peer.iMTag }))];
    const roster = await signRoster(this.session.keys.identityKey, { groupId, admin: this.me, members, previous: null });
    const key = await SymmetricKey.generate("GK", 0);
    const exchangeKeys = new Map([...peers].map(([userId, peer]) => [userId, peer.exchangeKey]));
    exchangeKeys.set(this.me, this.session.keys.exchangeKey.publicKey);
    await this.session.platform("POST", "/groups", {
      roster,
      copies: await this.copies(groupId, key, exchangeKeys),
      sealedName: await sealData(key, new TextEncoder().encode(name), groupNameContext(groupId, 0)),
    });
    const wrapped = await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context: groupKeyContext(groupId, this.me, 0) });
    await this.keep(groupId, roster, { "0": { wrappedKey: wrapped } });
    return groupId;
  }

  /** Add a member with the current epoch's key; `withHistory` also gives them every earlier key held here. */
  async add(groupId: string, imtag: string, withHistory: boolean): Promise<void> {
    let view = await this.asAdmin(groupId);
    if (view.needsNewKey) view = await this.makeEpochKey(view);
    const peer = await lookUp(this.session, imtag);
    if (view.members.includes(peer.userId)) throw new ChatError(`${peer.imtag} is in the group already`);
    const roster = await signRoster(this.session.keys.identityKey, {
      groupId,
      admin: this.me,
      members: [...view.roster.members, { userId: peer.userId, iMTag: peer.imtag }],
      previous: view.rosterRecord,
    });
    // The current epoch's key; the history only when the admin shares it: the earlier keys, and a grant each
    // sender's cloud checks before serving messages that were not sent to the new member.
    const copyOf = async (epoch: number): Promise<JsonObject | null> =>
      object(await this.copies(groupId, await this.passOn(view, epoch), new Map([[peer.userId, peer.exchangeKey]])), peer.userId);
    if (!view.keys.has(view.epoch)) throw new ChatError(`the group's key of epoch ${view.epoch} has not reached you yet; try again shortly`);
    const body: JsonObject = { roster, copy: await copyOf(view.epoch) };
    if (withHistory) {
      const copies: JsonObject = {};
      for (const epoch of [...view.keys.keys()].sort((one, other) => one - other)) if (epoch !== view.epoch) copies[String(epoch)] = await copyOf(epoch);
      body.history = {
        grant: await signHistoryGrant(this.session.keys.identityKey, { groupId, member: peer.userId, throughEpoch: view.epoch }),
        copies,
      };
    }
    await this.session.platform("POST", path(groupId, "/members"), body);
  }

  /** Say yes to a group one was added to: until then its messages are requests (no push, not opened unasked). */
  async accept(groupId: string): Promise<void> {
    await this.session.platform("POST", path(groupId, "/acceptance"));
  }

  /** Remove a member: the roster without them and the next epoch's key, made here for the members who stay,
   * committed together by the platform. */
  async remove(groupId: string, removed: string): Promise<void> {
    const view = await this.asAdmin(groupId);
    if (!view.members.includes(removed)) throw new ChatError("they are not in the group");
    if (removed === this.me) throw new ChatError("the admin stays in their group");
    await this.removeMember(view, removed);
  }

  private async removeMember(view: GroupView, removed: string): Promise<GroupView> {
    const roster = await signRoster(this.session.keys.identityKey, {
      groupId: view.groupId,
      admin: this.me,
      members: view.roster.members.filter((member) => member.userId !== removed),
      previous: view.rosterRecord,
      departed: { [removed]: await this.lastPosted(view, removed) },
    });
    const staying = view.members.filter((member) => member !== removed);
    await this.session.platform("POST", path(view.groupId, "/removals"), { roster, ...(await this.newKey(view, view.epoch + 1, staying)) });
    return this.view(view.groupId);
  }

  /** The last sequence of `member`'s in their cloud as this admin sees it now, recorded in the roster that removes
   * them so readers refuse what their cloud holds later: 0 with no cloud, null (unknown) if it does not answer. */
  private async lastPosted(view: GroupView, member: string): Promise<number | null> {
    if (view.departed.includes(member)) return null;
    const cloud = this.chat.peerCloud(await this.chat.peer(member, this.tag(view, member)));
    if (cloud === null) return 0;
    try {
      return Math.max(0, ...objects(await cloud.messages(view.groupId, 0), "messages").map((item) => Number(item.sequence)));
    } catch (error) {
      if (error instanceof ApiError || error instanceof Unreachable) return null;
      throw error;
    }
  }

  private async asAdmin(groupId: string): Promise<GroupView> {
    const view = await this.view(groupId);
    if (!view.member) throw new ChatError("you are no longer a member of this group");
    if (view.admin !== this.me) throw new ChatError(`only the group's admin, ${this.tag(view, view.admin)}, changes who is in it`);
    return view;
  }

  /** Make the key of the epoch that needs one (left so by an earlier version), for exactly the current members. */
  private async makeEpochKey(view: GroupView): Promise<GroupView> {
    try {
      await this.session.platform("PUT", path(view.groupId, `/epochs/${view.epoch}`), await this.newKey(view, view.epoch, view.members));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    }
    return this.view(view.groupId);
  }

  /** A new key of `epoch`: its copy for each of `members`, and the group's name sealed under it. */
  private async newKey(view: GroupView, epoch: number, members: string[]): Promise<JsonObject> {
    const key = await SymmetricKey.generate("GK", epoch);
    const exchangeKeys = new Map<string, ExchangePublicKey>();
    for (const member of members) {
      exchangeKeys.set(
        member,
        member === this.me ? this.session.keys.exchangeKey.publicKey : (await this.chat.peer(member, this.tag(view, member))).exchangeKey,
      );
    }
    return {
      copies: await this.copies(view.groupId, key, exchangeKeys),
      sealedName: await sealData(key, new TextEncoder().encode(view.name ?? ""), groupNameContext(view.groupId, epoch)),
    };
  }

  /** The key wrapped for each member's RSA key, with this person's grant for each copy. */
  private async copies(groupId: string, key: SymmetricKey, exchangeKeys: Map<string, ExchangePublicKey>): Promise<JsonObject> {
    const epoch = key.epoch ?? 0;
    const copies: JsonObject = {};
    for (const [member, exchangeKey] of exchangeKeys) {
      const wrappedKey = await wrapKey(key, { wrappingKey: exchangeKey, context: groupKeyContext(groupId, member, epoch) });
      const grant = await signKeyGrant(this.session.keys.identityKey, { conversationId: groupId, version: epoch, member, copy: wrappedKey });
      copies[member] = { wrappedKey, grant };
    }
    return copies;
  }

  /** A key of the group opened again, extractable, to be wrapped for someone (a new member, this person's cloud). */
  private async passOn(view: GroupView, epoch: number): Promise<SymmetricKey> {
    const source = view.sources.get(epoch);
    if (!source) throw new ChatError(`you hold no key of epoch ${epoch}`);
    return this.openKey(view.groupId, epoch, source, true);
  }

  /** The epoch keys this device kept in its own cloud, each opened, and where each came from. */
  private async keptKeys(
    groupId: string,
    kept: JsonObject,
  ): Promise<{ sources: Map<number, KeySource>; keys: Map<number, SymmetricKey> }> {
    const sources = new Map<number, KeySource>();
    const keys = new Map<number, SymmetricKey>();
    for (const [version, copy] of Object.entries(object(kept, "keys") ?? {})) {
      const source = { wrappedKey: object(copy as JsonObject, "wrappedKey") ?? {}, fromPlatform: false };
      sources.set(Number(version), source);
      keys.set(Number(version), await this.openKey(groupId, Number(version), source));
    }
    return { sources, keys };
  }

  private openKey(groupId: string, epoch: number, source: KeySource, extractable = false): Promise<SymmetricKey> {
    return unwrapKey(source.wrappedKey, "GK", {
      unwrappingKey: source.fromPlatform ? this.session.keys.exchangeKey : this.session.keys.dataKey,
      context: groupKeyContext(groupId, this.me, epoch),
      extractable,
    });
  }

  // --- what this browser knows of a group -----------------------------------------------------

  /** The group as checked here: the roster chain, the member list against it, each new key copy's grant. */
  async view(groupId: string): Promise<GroupView> {
    const mine = await this.chat.ownCloud();
    let state: JsonObject;
    try {
      state = await this.session.platform("GET", path(groupId));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403)) throw error;
      return this.keptView(groupId, mine);
    }
    const kept = (mine ? await mine.conversation(groupId) : null) ?? {};
    const rosters = objects(state, "rosters");
    const tags = new Map<string, string>();
    for (const record of rosters) for (const member of objects(object(record, "body") ?? {}, "members")) tags.set(text(member, "userId"), text(member, "iMTag"));
    const admin = text(state, "admin");
    let roster: Roster;
    try {
      roster = await verifyRosterChain(rosters, { groupId, adminIdentity: await this.chat.identityOf(admin, tags.get(admin) ?? admin) });
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      throw new ChatError(`WARNING: group ${groupId}'s rosters do not check out: ${error.message}`);
    }
    const members = (Array.isArray(state.members) ? state.members.map(String) : []).sort();
    const signed = roster.members.map((member) => member.userId).sort();
    if (members.join("\n") !== signed.join("\n")) {
      throw new ChatError(`WARNING: the platform's members of group ${groupId} are not the ones its admin signed for: not trusting it`);
    }
    const { sources, keys } = await this.keptKeys(groupId, kept);
    const fresh: string[] = [];
    for (const [version, copy] of Object.entries(object(state, "copies") ?? {})) {
      const epoch = Number(version);
      if (keys.has(epoch) || typeof copy !== "object" || copy === null || Array.isArray(copy)) continue;
      const maker = text(copy, "maker");
      const makerTag = tags.get(maker);
      if (makerTag === undefined) throw new ChatError(`WARNING: the key of epoch ${epoch} comes from someone who was never in the group`);
      const source = { wrappedKey: object(copy, "wrappedKey") ?? {}, fromPlatform: true };
      try {
        await verifyKeyGrant(object(copy, "grant") ?? {}, source.wrappedKey, {
          makerIdentity: await this.chat.identityOf(maker, makerTag),
          conversationId: groupId,
          version: epoch,
          member: this.me,
        });
        keys.set(epoch, await this.openKey(groupId, epoch, source));
      } catch (error) {
        if (!(error instanceof CryptoError)) throw error;
        throw new ChatError(`WARNING: your key of epoch ${epoch} does not check out: ${error.message}`);
      }
      sources.set(epoch, source);
      fresh.push(version);
    }
    const view: GroupView = {
      groupId,
      admin,
      epoch: Number(state.epoch),
      needsNewKey: state.needsNewKey === true,
      members,
      roster,
      rosterRecord: rosters.at(-1) ?? {},
      tags,
      epochs: objects(state, "epochs").map((started) => ({ epoch: Number(started.epoch), startedAt: text(started, "startedAt") })),
      keys,
      sources,
      name: await this.name(groupId, keys, object(state, "names") ?? {}),
      nextSequence: Number(kept.nextSequence ?? 1),
      historyGrant: object(state, "historyGrant"),
      departed: (Array.isArray(state.departed) ? state.departed.map(String) : []).filter((member) => members.includes(member)),
      member: true,
    };
    const keptVersion = object(object(kept, "roster") ?? {}, "body")?.version;
    const latest = [...keys.keys()].sort((one, other) => one - other).at(-1);
    if (fresh.length > 0 || (keptVersion !== roster.version && latest !== undefined)) {
      const keeping: JsonObject = {};
      for (const version of fresh.length > 0 ? fresh : [String(latest)]) {
        const key = await this.passOn(view, Number(version));
        keeping[version] = { wrappedKey: await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context: groupKeyContext(groupId, this.me, Number(version)) }) };
      }
      await this.keep(groupId, view.rosterRecord, keeping);
    }
    return view;
  }

  /** What a former member kept in their own cloud: the last roster they saw, checked, and the keys they had. */
  private async keptView(groupId: string, mine: CloudApi | null): Promise<GroupView> {
    const kept = mine ? await mine.conversation(groupId) : null;
    const record = kept ? object(kept, "roster") : null;
    if (!kept || !record) throw new ChatError("you are not a member of this group");
    const body = object(record, "body") ?? {};
    const members = objects(body, "members").map((member) => ({ userId: text(member, "userId"), iMTag: text(member, "iMTag") }));
    const tags = new Map(members.map((member) => [member.userId, member.iMTag]));
    const admin = text(body, "admin");
    try {
      await verifyRecord(record, ROSTER_RECORD, await this.chat.identityOf(admin, tags.get(admin) ?? admin));
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      throw new ChatError(`WARNING: the roster kept in your cloud does not check out: ${error.message}`);
    }
    const { sources, keys } = await this.keptKeys(groupId, kept);
    return {
      groupId,
      admin,
      epoch: Math.max(0, ...keys.keys()),
      needsNewKey: false,
      members: [...tags.keys()].sort(),
      roster: { groupId, version: Number(body.version), admin, members, departed: {} },
      rosterRecord: record,
      tags,
      epochs: [],
      keys,
      sources,
      name: null,
      nextSequence: Number(kept.nextSequence ?? 1),
      historyGrant: null,
      departed: [],
      member: false,
    };
  }

  /** Keep the roster, the admin's identity key (by which the cloud checks history grants) and these keys, wrapped
   * under this person's DEK, in their own cloud (with none yet, the platform's copies are all there is). */
  private async keep(groupId: string, roster: JsonObject, keys: JsonObject): Promise<void> {
    const mine = await this.chat.ownCloud();
    if (!mine) return;
    const body = object(roster, "body") ?? {};
    const admin = text(body, "admin");
    const adminTag = objects(body, "members").find((member) => member.userId === admin)?.iMTag;
    const identity = await this.chat.identityOf(admin, typeof adminTag === "string" ? adminTag : admin);
    await mine.call("PUT", `/conversations/${encodeURIComponent(groupId)}`, { roster, adminIdentity: b64urlEncode(identity.der), keys });
  }

  private async name(groupId: string, keys: Map<number, SymmetricKey>, names: JsonObject): Promise<string | null> {
    for (const epoch of Object.keys(names).map(Number).sort((one, other) => other - one)) {
      const key = keys.get(epoch);
      const sealed = object(names, String(epoch));
      if (!key || !sealed) continue;
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(await openData(key, sealed, groupNameContext(groupId, epoch)));
      } catch {
        return null;
      }
    }
    return null;
  }

  tag(view: GroupView, member: string): string {
    return view.tags.get(member) ?? member;
  }

  // --- messages -------------------------------------------------------------------------------

  async send(groupId: string, message: string): Promise<Line> {
    const mine = await this.chat.ownCloud();
    if (!mine) throw new ChatError("your cloud is not deployed yet: your messages are kept there");
    let view = await this.view(groupId);
    if (!view.member) throw new ChatError("you are no longer a member of this group");
    if (view.needsNewKey) view = await this.makeEpochKey(view);
    if (view.admin === this.me) {
      for (const gone of view.departed) view = await this.removeMember(view, gone); // each a new epoch, before anything more is sealed
    }
    const key = view.keys.get(view.epoch);
    if (!key) throw new ChatError(`the group's key of epoch ${view.epoch} has not reached you yet; try again shortly`);
    const recipients = view.members.filter((member) => member !== this.me && !view.departed.includes(member));
    if (recipients.length === 0) throw new ChatError("you are the group's only member");
    return this.chat.post(mine, groupId, key, message, recipients, view.nextSequence);
  }

  /** Every message of the group this person may read, from each member's cloud, in the order sent. */
  async read(view: GroupView): Promise<GroupRead> {
    // Looked up one by one (each lookup may pin a key), then each member's cloud asked side by side; a member with
    // no cloud yet has posted nothing, and a former member whose account is gone took their cloud with them.
    const clouds: [string, CloudApi][] = [];
    for (const member of view.tags.keys()) {
      if (member === this.me || view.departed.includes(member)) continue;
      const cloud = await this.chat.peer(member, this.tag(view, member)).then(
        (peer) => this.chat.peerCloud(peer),
        (error: unknown) => {
          if (error instanceof ApiError && error.status === 404 && !view.members.includes(member)) return null;
          throw error;
        },
      );
      if (cloud) clouds.push([member, cloud]);
    }
    const mine = await this.chat.ownCloud();
    if (mine) clouds.push([this.me, mine]);
    const seen = groupSeen(this.session, view.groupId);
    const unanswered: string[] = [];
    const sides = await Promise.all(
      clouds.map(async ([member, cloud]) => {
        let page: JsonObject;
        try {
          page = await cloud.messages(view.groupId, 0, member === this.me ? null : view.historyGrant);
        } catch (error) {
          if (member === this.me || !(error instanceof ApiError || error instanceof Unreachable)) throw error;
          unanswered.push(this.tag(view, member));
          return [];
        }
        return this.openAll(view, objects(page, "messages"), member, seen);
      }),
    );
    const lines = sides.flat();
    this.remember(view, lines, seen);
    return { lines: lines.sort(byOrder), unanswered };
  }

  /** What `sender` posted to the group after their sequence `after`, opened here. */
  async after(view: GroupView, sender: string, after: number): Promise<Line[]> {
    const cloud = this.chat.peerCloud(await this.chat.peer(sender, this.tag(view, sender)));
    if (!cloud) return [];
    const seen = groupSeen(this.session, view.groupId);
    const lines = await this.openAll(view, objects(await cloud.messages(view.groupId, after, view.historyGrant), "messages"), sender, seen);
    this.remember(view, lines, seen);
    return lines;
  }

  private async openAll(view: GroupView, items: JsonObject[], sender: string, seen: Record<string, number>): Promise<Line[]> {
    const tag = this.tag(view, sender);
    const identity = await this.chat.identityOf(sender, tag);
    return Promise.all(items.map((item) => this.open(view, item, sender, tag, identity, seen)));
  }

  private async open(
    view: GroupView,
    item: JsonObject,
    sender: string,
    tag: string,
    identity: IdentityPublicKey,
    seen: Record<string, number>,
  ): Promise<Line> {
    const sealed = object(object(object(item, "message") ?? {}, "body") ?? {}, "sealed");
    const epoch = typeof sealed?.epoch === "number" ? sealed.epoch : null;
    const key = epoch === null ? undefined : view.keys.get(epoch);
    if (epoch === null || key === undefined) return refused(sender, tag, item, `sealed under epoch ${String(epoch)}, whose key you were not given`);
    const last = view.roster.departed[sender];
    if (!view.members.includes(sender) && last !== undefined) {
      const sequence = Number(item.sequence);
      if (last !== null && sequence > last) return refused(sender, tag, item, `kept in ${tag}'s cloud after they left the group`);
      if (last === null && sequence > (seen[sender] ?? 0)) {
        return refused(sender, tag, item, `kept in ${tag}'s cloud and not seen on this device before they left the group (their cloud did not answer when they were removed)`);
      }
    }
    const line = await openLine(item, key, view.groupId, sender, tag, identity);
    const successor = view.epochs.find((started) => started.epoch === epoch + 1);
    if (line.refused === null && successor && instant(line.sentAt) >= instant(successor.startedAt)) {
      return refused(sender, tag, item, `sealed under epoch ${epoch} after the group moved to epoch ${epoch + 1}`);
    }
    return line;
  }

  /** Raise the marks of the members' messages opened here; never a former member's, whose mark is what this
   * browser had seen of theirs before it learned they left. */
  private remember(view: GroupView, lines: Line[], seen: Record<string, number>): void {
    const marks = { ...seen };
    for (const line of lines) {
      if (line.refused === null && line.senderId !== this.me && view.members.includes(line.senderId)) {
        marks[line.senderId] = Math.max(marks[line.senderId] ?? 0, line.sequence);
      }
    }
    const all = seenMarks(this.session);
    all[view.groupId] = marks;
    localStorage.setItem(seenKey(this.session), JSON.stringify(all));
  }
}

// Per group and member, the last sequence of theirs this browser opened (client/imegha's group-messages-seen): kept in
// localStorage beside the pins, sequences only, so that a member removed while their cloud did not answer is read
// no further than what this browser had seen of them.
function seenKey(session: Session): string {
  return `imegha.groupMessagesSeen.${session.userId}`;
}

function seenMarks(session: Session): Record<string, Record<string, number>> {
  try {
    return JSON.parse(localStorage.getItem(seenKey(session)) ?? "{}") as Record<string, Record<string, number>>;
  } catch {
    return {};
  }
}

function groupSeen(session: Session, groupId: string): Record<string, number> {
  return seenMarks(session)[groupId] ?? {};
}
