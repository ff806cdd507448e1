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

/** The directory served something about a peer that their pinned identity key does not vouch for. */
export class UntrustedPeer extends Error {
  override name = "UntrustedPeer";
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

/** Look `imtag` up and check what the directory says against the pin; pin it the first time. */
export async function lookUp(session: Session, imtag: string): Promise<Peer> {
  const found = await session.platform("GET", `/users/${encodeURIComponent(imtag)}`);
  return trustedPeer(session, found);
}

export async function trustedPeer(session: Session, found: JsonObject): Promise<Peer> {
  const userId = text(found, "userId");
  const imtag = text(found, "iMTag");
  const statement = object(found, "keyStatement");
  if (statement === null) throw new UntrustedPeer(`${imtag} has not published a signed key statement yet; nothing vouches for their keys`);
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
    throw new UntrustedPeer(`The directory's keys for ${imtag} do not check out (${String(error)}). Compare safety codes before sending anything.`);
  }
  if (found.exchangeKey !== undefined && found.exchangeKey !== null && found.exchangeKey !== b64urlEncode(checked.exchangeKey.der)) {
    throw new UntrustedPeer(`The directory serves ${imtag} an exchange key their signed statement does not name.`);
  }
  if (checked.cloudUrl !== null && typeof found.cloudUrl === "string" && found.cloudUrl !== checked.cloudUrl) {
    throw new UntrustedPeer(`The directory serves ${imtag} a cloud their signed statement does not name.`);
  }
  const verified = Boolean(pin?.verified);
  all[userId] = { iMTag: imtag, identityKey: b64urlEncode(checked.identityKey.der), sequence: checked.sequence, verified };
  localStorage.setItem(pinsKey(session), JSON.stringify(all));
  return { userId, imtag, exchangeKey: checked.exchangeKey, identityKey: checked.identityKey, cloudUrl: checked.cloudUrl, verified };
}

/** The code both people read aloud: twelve groups of five digits. */
export function codeWith(session: Session, peer: Peer): string {
  return safetyCode(session.keys.identityKey.publicKey, peer.identityKey);
}
