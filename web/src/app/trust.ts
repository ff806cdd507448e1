/**
 * Not trusting the directory blindly (client/imegha/trust.py): a peer's signed key statement is checked against the
 * identity key pinned the first time it was seen, and a sequence never lower than the last one seen. Pins are public
 * keys, kept in this browser's localStorage per signed-in person, so a changed key is noticed on the next visit too.
 */

import {
  IdentityPublicKey,
  b64urlDecode,
  b64urlEncode,
  safetyCode,
  verifyKeyStatement,
  type ExchangePublicKey,
  type JsonObject,
} from "../crypto/index";
import { object, text } from "./http";
import type { Session } from "./session";

export interface Peer {
  userId: string;
  imtag: string;
  exchangeKey: ExchangePublicKey;
  identityKey: IdentityPublicKey;
  cloudUrl: string | null;
  verified: boolean;
}

interface Pin {
  iMTag: string;
  identityKey: string;
  sequence: number;
  verified: boolean;
}

/**
 * The directory served something about a peer that their pinned identity key does not vouch for. When it is a new
 * key, properly signed, `changedCode` is the safety code it would give: what the two people compare before either
 * accepts it (`acceptNewKey`).
 */
export class UntrustedPeer extends Error {
  override name = "UntrustedPeer";

  constructor(
    message: string,
    readonly imtag: string,
    readonly changedCode: string | null = null,
  ) {
    super(message);
  }
}

function pinsKey(session: Session): string {
  return `imegha.pins.${session.userId}`;
}

function pins(session: Session): Record<string, Pin> {
  try {
    return JSON.parse(localStorage.getItem(pinsKey(session)) ?? "{}") as Record<string, Pin>;
  } catch {
    return {};
  }
}

export async function pinnedIdentity(session: Session, userId: string): Promise<IdentityPublicKey | null> {
  const pin = pins(session)[userId];
  return pin ? IdentityPublicKey.fromDer(b64urlDecode(pin.identityKey)) : null;
}

/** The iMTag `userId` had when pinned on this browser, or null if never met here. */
export function pinnedTag(session: Session, userId: string): string | null {
  return pins(session)[userId]?.iMTag ?? null;
}

/** Look `imtag` up and check what the directory says against the pin; pin it the first time. */
export async function lookUp(session: Session, imtag: string): Promise<Peer> {
  const found = await session.platform("GET", `/users/${encodeURIComponent(imtag)}`);
  return trustedPeer(session, found);
}

export async function trustedPeer(session: Session, found: JsonObject): Promise<Peer> {
  const userId = text(found, "userId");
  const imtag = text(found, "iMTag");
  const statement = object(found, "keyStatement");
  if (statement === null) throw new UntrustedPeer(`${imtag} has not published a signed key statement yet; nothing vouches for their keys`, imtag);
  const all = pins(session);
  const pin = all[userId];
  let checked;
  try {
    checked = await verifyKeyStatement(statement, {
      userId,
      pinnedIdentity: pin ? await IdentityPublicKey.fromDer(b64urlDecode(pin.identityKey)) : null,
      minSequence: pin ? pin.sequence : 0,
    });
  } catch (error) {
    const candidate = await verifyKeyStatement(statement, { userId, pinnedIdentity: null }).catch(() => null);
    const changedCode = candidate && pin ? safetyCode(session.keys.identityKey.publicKey, candidate.identityKey) : null;
    throw new UntrustedPeer(`The directory's keys for ${imtag} do not check out (${String(error)}). Compare safety codes before sending anything.`, imtag, changedCode);
  }
  if (found.exchangeKey !== undefined && found.exchangeKey !== null && found.exchangeKey !== b64urlEncode(checked.exchangeKey.der)) {
    throw new UntrustedPeer(`The directory serves ${imtag} an exchange key their signed statement does not name.`, imtag);
  }
  if (checked.cloudUrl !== null && typeof found.cloudUrl === "string" && found.cloudUrl !== checked.cloudUrl) {
    throw new UntrustedPeer(`The directory serves ${imtag} a cloud their signed statement does not name.`, imtag);
  }
  const verified = Boolean(pin?.verified);
  all[userId] = { iMTag: imtag, identityKey: b64urlEncode(checked.identityKey.der), sequence: checked.sequence, verified };
  localStorage.setItem(pinsKey(session), JSON.stringify(all));
  return { userId, imtag, exchangeKey: checked.exchangeKey, identityKey: checked.identityKey, cloudUrl: checked.cloudUrl, verified };
}

/**
 * Trust the key the directory serves for `imtag` now, once the two people compared `typedCode` (as `imegha verify
 * NAME --accept CODE`): the directory is asked again, and only a key that gives that very code is pinned (verified).
 */
export async function acceptNewKey(session: Session, imtag: string, typedCode: string): Promise<void> {
  const found = await session.platform("GET", `/users/${encodeURIComponent(imtag)}`);
  const userId = text(found, "userId");
  const statement = object(found, "keyStatement");
  if (statement === null) throw new UntrustedPeer(`${imtag} has not published a signed key statement yet`, imtag);
  const candidate = await verifyKeyStatement(statement, { userId, pinnedIdentity: null });
  const code = safetyCode(session.keys.identityKey.publicKey, candidate.identityKey);
  if (typedCode.replace(/\D/g, "") !== code.replace(/\D/g, "")) throw new UntrustedPeer("the code differs", imtag, code);
  const all = pins(session);
  all[userId] = { iMTag: text(found, "iMTag"), identityKey: b64urlEncode(candidate.identityKey.der), sequence: candidate.sequence, verified: true };
  localStorage.setItem(pinsKey(session), JSON.stringify(all));
}

/** The code both people read aloud: twelve groups of five digits. */
export function codeWith(session: Session, peer: Peer): string {
  return safetyCode(session.keys.identityKey.publicKey, peer.identityKey);
}
