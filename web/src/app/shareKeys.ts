/**
 * A share's key, as the owner's device gives it (client/imegha/share_keys.py): wrapped for the recipient's RSA key,
 * in a record the owner signs over who, what and that wrapped key. Given once when shared, and a file's again with
 * each new version (the cloud refuses a version that forgets one of its holders), each time to a recipient looked
 * up again and checked against their pin.
 */

import { signRecord, wrapKey, type Context, type JsonObject, type SymmetricKey } from "../crypto/index";
import type { CloudApi } from "./cloudApi";
import { objects, text } from "./http";
import type { Session } from "./session";
import { UntrustedPeer, lookUp, pinnedTag, type Peer } from "./trust";

export const SHARE_RECORD = "share";
export type ShareKind = "file" | "folder" | "album";

/** What a share record says is shared: a file names its version, a folder or an album only itself. */
export function shareTarget(kind: string, targetId: string, version: number | null): JsonObject {
  return kind === "file" ? { kind, id: targetId, version } : { kind, id: targetId };
}

/** The key wrapped for `recipient`'s RSA key, and the owner's signed record of the share. */
export async function signedShare(
  session: Session,
  share: { shareId: string; recipient: Peer; kind: string; targetId: string; version: number | null; sharedAt: string },
  key: SymmetricKey,
  context: Context,
): Promise<{ wrappedKey: JsonObject; record: JsonObject }> {
  const wrappedKey = await wrapKey(key, { wrappingKey: share.recipient.exchangeKey, context });
  const body = {
    shareId: share.shareId,
    owner: session.userId,
    recipient: share.recipient.userId,
    target: shareTarget(share.kind, share.targetId, share.version),
    wrappedKey,
    sharedAt: share.sharedAt,
  };
  return { wrappedKey, record: await signRecord(session.keys.identityKey, SHARE_RECORD, body) };
}

/** A recipient met before, looked up again and checked against their pin; `UntrustedPeer` otherwise. */
export async function pinnedRecipient(session: Session, recipientId: string): Promise<Peer> {
  const imtag = pinnedTag(session, recipientId);
  if (imtag === null) throw new UntrustedPeer(`user ${recipientId} holds a share but is not pinned on this browser.`, recipientId);
  return lookUp(session, imtag);
}

/** For a new version of a shared file: each share's recipient gets the new FEK, in a record signed anew. */
export async function rekeyedShares(session: Session, api: CloudApi, fileId: string, context: Context, key: SymmetricKey): Promise<JsonObject> {
  const rekeyed: JsonObject = {};
  const listed = await api.call("GET", "/sharing/shares", undefined, { kind: "file", target: fileId });
  for (const share of objects(listed, "shares")) {
    const record = share.record as JsonObject;
    const sharedAt = text(record.body as JsonObject, "sharedAt");
    const shareId = text(share, "shareId");
    const recipient = await pinnedRecipient(session, text(share, "recipientId"));
    rekeyed[shareId] = await signedShare(session, { shareId, recipient, kind: "file", targetId: fileId, version: context.version, sharedAt }, key, context);
  }
  return rekeyed;
}
