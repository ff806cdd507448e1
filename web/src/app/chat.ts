/**
 * iMChat 1:1 in the browser, as client/imegha/chat.py does it: messages sealed under the conversation key (CK) and
 * signed with the identity key here, posted to the sender's own cloud, read from both people's clouds and opened
 * here; a message that does not verify is refused, never shown as text.
 */

import {
  Context,
  CryptoError,
  SymmetricKey,
  directConversationId,
  openMessage,
  sealMessage,
  signKeyGrant,
  unwrapKey,
  verifyKeyGrant,
  verifyKeyStatement,
  wrapKey,
  b64urlEncode,
  type IdentityPublicKey,
  type Json,
  type JsonObject,
} from "../crypto/index";
import { ApiError, callJson, object, objects } from "./http";
import type { Session } from "./session";
import { lookUp, pinnedIdentity, type Peer } from "./trust";

const SEND_ATTEMPTS = 3;
const PAGE = 500;
/** The header a group member shows a cloud to read back, with the admin's grant of the history (a GET has no body). */
export const HISTORY_GRANT_HEADER = "X-Imegha-History-Grant";

export interface Line {
  senderId: string;
  sender: string;
  sequence: number;
  sentAt: string;
  text: string | null;
  refused: string | null;
}

export class ChatError extends Error {
  override name = "ChatError";
}

function keyContext(holder: string, conversationId: string): Context {
  return new Context(holder, conversationId, 0);
}

/** A user's cloud, called with this person's token for that cloud. */
export class CloudApi {
  constructor(
    private readonly session: Session,
    private readonly baseUrl: string,
    private readonly ownerId: string,
  ) {}

  async call(method: string, path: string, body?: JsonObject, headers?: Record<string, string>): Promise<JsonObject> {
    const token = await this.session.cloudToken(this.ownerId);
    return callJson(method, this.baseUrl.replace(/\/+$/, "") + path, { authorization: `Bearer ${token}`, body, headers });
  }

  async conversation(id: string): Promise<JsonObject | null> {
    try {
      return await this.call("GET", `/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Every message after sequence `after` the caller may read here, and the keys sent along; with a group admin's
   * `historyGrant` (sent as client/imegha/chat_api.py sends it), the history too. */
  async messages(id: string, after: number, historyGrant: JsonObject | null = null): Promise<JsonObject> {
    const headers = historyGrant === null ? undefined : { [HISTORY_GRANT_HEADER]: b64urlEncode(new TextEncoder().encode(pythonJson(historyGrant))) };
    const path = `/conversations/${encodeURIComponent(id)}/messages`;
    let page = await this.call("GET", `${path}?after=${after}&limit=${PAGE}`, undefined, headers);
    const collected = objects(page, "messages");
    while (page.more === true) {
      page = await this.call("GET", `${path}?after=${Number(page.next)}&limit=${PAGE}`, undefined, headers);
      collected.push(...objects(page, "messages"));
    }
    return { ...page, messages: collected };
  }
}

/** JSON as Python's json.dumps writes it (", " and ": ", non-ASCII escaped): the header the CLI sends, byte for byte. */
function pythonJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([name, item]) => `${pythonJson(name)}: ${pythonJson(item)}`).join(", ")}}`;
  }
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export class Chat {
  private ownCloudUrl: string | null | undefined;

  constructor(private readonly session: Session) {}

  /** This person's cloud, at the URL their own signed statement names; null until they deploy one. */
  async ownCloud(): Promise<CloudApi | null> {
    const url = await this.ownCloudAddress();
    return url ? new CloudApi(this.session, url, this.session.userId) : null;
  }

  async ownCloudAddress(): Promise<string | null> {
    if (this.ownCloudUrl === undefined) {
      const statement = object(await this.session.platform("GET", "/me"), "keyStatement");
      this.ownCloudUrl = statement
        ? (await verifyKeyStatement(statement, { userId: this.session.userId, pinnedIdentity: this.session.keys.identityKey.publicKey })).cloudUrl
        : null;
    }
    return this.ownCloudUrl;
  }

  /** A peer's cloud; null while they have none (then they have posted nothing). */
  peerCloud(peer: Peer): CloudApi | null {
    return peer.cloudUrl ? new CloudApi(this.session, peer.cloudUrl, peer.userId) : null;
  }

  /** A user's identity key: one's own, a pinned one, or looked up (and pinned) by iMTag. */
  async identityOf(userId: string, imtag: string): Promise<IdentityPublicKey> {
    if (userId === this.session.userId) return this.session.keys.identityKey.publicKey;
    const pinned = await pinnedIdentity(this.session, userId);
    if (pinned) return pinned;
    return (await this.peer(userId, imtag)).identityKey;
  }

  /** `imtag`'s checked keys and cloud, refused if the iMTag now names another user than `userId`. */
  async peer(userId: string, imtag: string): Promise<Peer> {
    const peer = await lookUp(this.session, imtag);
    if (peer.userId !== userId) throw new ChatError(`${imtag} is now another user than the one named here`);
    return peer;
  }

  conversationId(peer: Peer): Promise<string> {
    return directConversationId(this.session.userId, peer.userId);
  }

  async send(peer: Peer, text: string): Promise<Line> {
    const mine = await this.ownCloud();
    if (!mine) throw new ChatError("no cloud");
    const id = await this.conversationId(peer);
    const held = (await mine.conversation(id)) ?? (await this.start(mine, id, peer));
    const copy = object(object(held, "keys") ?? {}, "0");
    if (!copy) throw new ChatError("your cloud holds no key for this conversation");
    const key = await unwrapKey(copy.wrappedKey as JsonObject, "CK", {
      unwrappingKey: this.session.keys.dataKey,
      context: keyContext(this.session.userId, id),
    });
    return this.post(mine, id, key, text, [peer.userId], Number(held.nextSequence ?? 1));
  }

  /** Seal, sign and post `text` to this person's cloud at `sequence`, or the next free one. */
  async post(mine: CloudApi, id: string, key: SymmetricKey, text: string, recipients: string[], first: number): Promise<Line> {
    let sequence = first;
    for (let attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
      const sentAt = new Date().toISOString();
      const message = await sealMessage(key, this.session.keys.identityKey, { conversationId: id, sender: this.session.userId, sequence, text, sentAt });
      try {
        await mine.call("POST", `/conversations/${encodeURIComponent(id)}/messages`, { message, recipients });
        return { senderId: this.session.userId, sender: this.session.imtag, sequence, sentAt, text, refused: null };
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409 && error.message.includes("is taken"))) throw error;
        const taken = await mine.conversation(id);
        sequence = Number(taken?.nextSequence ?? sequence + 1);
      }
    }
    throw new ChatError("another device of yours keeps sending at the same moment; try again");
  }

  /** Record the conversation in this person's cloud, with the peer's key if they started it, else a new one. */
  private async start(mine: CloudApi, id: string, peer: Peer): Promise<JsonObject> {
    const key = (await this.peersKey(id, peer)) ?? (await SymmetricKey.generate("CK"));
    const forPeer = await wrapKey(key, { wrappingKey: peer.exchangeKey, context: keyContext(peer.userId, id) });
    await mine.call("PUT", `/conversations/${encodeURIComponent(id)}`, {
      peerId: peer.userId,
      keys: {
        "0": {
          wrappedKey: await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context: keyContext(this.session.userId, id) }),
          peerKey: forPeer,
          grant: await signKeyGrant(this.session.keys.identityKey, { conversationId: id, version: 0, member: peer.userId, copy: forPeer }),
        },
      },
    });
    const started = await mine.conversation(id);
    if (!started) throw new ChatError("your cloud did not keep the conversation it was given; nothing was sent");
    return started;
  }

  private async peersKey(id: string, peer: Peer): Promise<SymmetricKey | null> {
    const theirs = await this.peerCloud(peer)?.conversation(id);
    const copy = theirs ? object(object(theirs, "keys") ?? {}, "0") : null;
    return copy ? this.directKey(copy, id, peer.userId, peer.identityKey, true) : null;
  }

  /** The CK from one side's cloud: this person's own copy, or the peer's copy for them, vouched for by the peer. */
  private async directKey(copy: JsonObject, id: string, holder: string, holderIdentity: IdentityPublicKey, extractable = false): Promise<SymmetricKey> {
    const context = keyContext(this.session.userId, id);
    const wrapped = copy.wrappedKey as JsonObject;
    if (holder === this.session.userId) return unwrapKey(wrapped, "CK", { unwrappingKey: this.session.keys.dataKey, context, extractable });
    await verifyKeyGrant(copy.grant as JsonObject, wrapped, { makerIdentity: holderIdentity, conversationId: id, version: 0, member: this.session.userId });
    return unwrapKey(wrapped, "CK", { unwrappingKey: this.session.keys.exchangeKey, context, extractable });
  }

  /** The whole conversation with `peer`, both sides merged in the order sent. */
  async read(peer: Peer): Promise<Line[]> {
    const mine = await this.ownCloud();
    const lines = [
      ...(mine ? await this.side(mine, peer, this.session.userId, this.session.imtag, this.session.keys.identityKey.publicKey, 0) : []),
      ...(await this.after(peer, 0)),
    ];
    return lines.sort(byOrder);
  }

  /** The peer's messages after their sequence `after`, opened here. */
  async after(peer: Peer, after: number): Promise<Line[]> {
    const theirs = this.peerCloud(peer);
    return theirs ? this.side(theirs, peer, peer.userId, peer.imtag, peer.identityKey, after) : [];
  }

  private async side(cloud: CloudApi, peer: Peer, holder: string, tag: string, identity: IdentityPublicKey, after: number): Promise<Line[]> {
    const id = await this.conversationId(peer);
    const page = await cloud.messages(id, after);
    const items = objects(page, "messages");
    if (items.length === 0) return [];
    let key: SymmetricKey;
    try {
      const copy = object(object(page, "keys") ?? {}, "0");
      if (!copy) throw new ChatError("no key was sent along");
      key = await this.directKey(copy, id, holder, identity);
    } catch (error) {
      const reason = `the conversation key from ${tag}'s cloud does not check out: ${String(error)}`;
      return items.map((item) => refused(holder, tag, item, reason));
    }
    return Promise.all(items.map((item) => openLine(item, key, id, holder, tag, identity)));
  }
}

export async function openLine(item: JsonObject, key: SymmetricKey, id: string, sender: string, tag: string, identity: IdentityPublicKey): Promise<Line> {
  try {
    const message = await openMessage(item.message as JsonObject, key, { senderIdentity: identity, conversationId: id, sender });
    if (message.sequence !== item.sequence) return refused(sender, tag, item, "stored at another place than it was sealed for");
    return { senderId: sender, sender: tag, sequence: message.sequence, sentAt: message.sentAt, text: message.text, refused: null };
  } catch (error) {
    if (error instanceof CryptoError || error instanceof TypeError) return refused(sender, tag, item, error.message);
    throw error;
  }
}

export function refused(sender: string, tag: string, item: JsonObject, reason: string): Line {
  const body = object(object(item, "message") ?? {}, "body");
  const sentAt = body && typeof body.sentAt === "string" ? body.sentAt : "";
  return { senderId: sender, sender: tag, sequence: Number(item.sequence), sentAt, text: null, refused: reason };
}

export function byOrder(one: Line, other: Line): number {
  return one.sentAt.localeCompare(other.sentAt) || one.senderId.localeCompare(other.senderId) || one.sequence - other.sequence;
}
