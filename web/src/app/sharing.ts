/**
 * Zero-copy sharing in the browser, both sides, as client/imegha/sharing.py: only a wrapped key travels; the file
 * stays in the owner's bucket.
 *
 * The owner's browser looks the recipient (a connection) up and checks their key statement against the pin (a
 * changed key is refused, never used quietly), wraps the FEK (or a folder's FK, an album's AK) for the RSA key the
 * statement names, signs a share record over who, what and that wrapped key, and stores both in the owner's cloud.
 * The recipient's browser asks each connection's cloud (at the URL in their signed statement) what it shares with
 * them, checks each record's signature under the owner's pinned identity key and that it says what the share is,
 * and only then opens the key with its own RSA key. A record that does not check out is a warning; its key is
 * never used.
 */

import { sameJson, unwrapKey, verifyRecord, type JsonObject, type SymmetricKey } from "../crypto/index";
import { CloudApi, path } from "./cloudApi";
import { collectionContext, fileContext, FilesError, newId, nowIso, openedDownload, openedFile, openedMetadata, type Collection, type Library, type StoredFile } from "./files";
import { object, objects, text } from "./http";
import type { Session } from "./session";
import { SHARE_RECORD, shareTarget, signedShare, type ShareKind } from "./shareKeys";
import { UntrustedPeer, lookUp, pinnedTag, type Peer } from "./trust";

/** A share this person gave. */
export interface GivenShare {
  shareId: string;
  kind: ShareKind;
  targetId: string;
  recipientId: string;
  /** The recipient's iMTag as pinned here (their user id if never met on this browser). */
  with: string;
  sharedAt: string;
}

/** A share someone gave this person, its record checked and its key opened. */
export interface ReceivedShare {
  shareId: string;
  owner: Peer;
  kind: ShareKind;
  targetId: string;
  version: number | null;
  name: string;
  sharedAt: string;
  key: SymmetricKey;
  wrappedKey: JsonObject;
  api: CloudApi;
  file: StoredFile | null;
}

const COLLECTION_KEY = { folder: "FK", album: "AK" } as const;

function shareKind(kind: unknown): ShareKind {
  if (kind === "file" || kind === "folder" || kind === "album") return kind;
  throw new FilesError(`a share of a "${String(kind)}" is not one of a file, folder or album`);
}

export class Sharing {
  constructor(
    private readonly session: Session,
    private readonly library: Library | null,
  ) {}

  private get own(): Library {
    if (this.library === null) throw new FilesError("you have no cloud yet: what you share is kept there");
    return this.library;
  }

  /** The people this person is connected with, by iMTag. */
  async connections(): Promise<{ peerId: string; imtag: string }[]> {
    const listed = objects(await this.session.platform("GET", "/connections"), "connections");
    return listed.filter((connection) => connection.status === "connected").map((connection) => ({ peerId: text(connection, "peerId"), imtag: text(connection, "iMTag") }));
  }

  // --- the owner's side ------------------------------------------------------------

  /** Share `target` with the connection `imtag`, their keys checked against their pin. */
  async share(target: StoredFile | Collection, imtag: string): Promise<GivenShare> {
    const connected = await this.connections();
    if (!connected.some((connection) => connection.imtag.toLowerCase() === imtag.toLowerCase())) {
      throw new FilesError(`${imtag} is not one of your connections: connect first`);
    }
    const recipient = await lookUp(this.session, imtag);
    const shareId = newId();
    const sharedAt = nowIso();
    const key = await this.own.shareableKey(target);
    const isFile = "fileId" in target;
    const kind: ShareKind = isFile ? "file" : target.kind;
    const targetId = isFile ? target.fileId : target.id;
    const version = isFile ? target.version : null;
    const context = isFile ? fileContext(target.owner, target.fileId, target.version) : collectionContext(this.own.owner, target.id);
    const signed = await signedShare(this.session, { shareId, recipient, kind, targetId, version, sharedAt }, key, context);
    await this.own.api.call("POST", "/sharing/shares", { shareId, recipientId: recipient.userId, target: { kind, id: targetId }, ...signed });
    return { shareId, kind, targetId, recipientId: recipient.userId, with: recipient.imtag, sharedAt };
  }

  /** What this person shares, with whom; of one file, folder or album if `targetId` is given. */
  async shares(target: { kind: ShareKind; id: string } | null = null): Promise<GivenShare[]> {
    const query = target ? { kind: target.kind, target: target.id } : {};
    const listed = objects(await this.own.api.call("GET", "/sharing/shares", undefined, query), "shares");
    return listed.map((share) => {
      const recipientId = text(share, "recipientId");
      return {
        shareId: text(share, "shareId"),
        kind: shareKind(share.targetKind),
        targetId: text(share, "targetId"),
        recipientId,
        with: pinnedTag(this.session, recipientId) ?? recipientId,
        sharedAt: text(share, "createdAt"),
      };
    });
  }

  async revoke(shareId: string): Promise<void> {
    await this.own.api.call("DELETE", path("sharing", "shares", shareId));
  }

  // --- the recipient's side -----------------------------------------------------------

  /** What connections share with this person, checked; and a warning for each share or cloud that did not. */
  async received(): Promise<{ shares: ReceivedShare[]; warnings: string[] }> {
    const shares: ReceivedShare[] = [];
    const warnings: string[] = [];
    for (const connection of await this.connections()) {
      let owner: Peer;
      try {
        owner = await lookUp(this.session, connection.imtag);
      } catch (warning) {
        if (!(warning instanceof UntrustedPeer)) throw warning;
        warnings.push(warning.message);
        continue;
      }
      if (!owner.cloudUrl) continue;
      const api = new CloudApi(this.session, owner.cloudUrl, owner.userId);
      let offered: JsonObject[];
      try {
        offered = objects(await api.call("GET", "/sharing/received"), "shares");
      } catch (error) {
        warnings.push(`${owner.imtag}'s cloud did not answer: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      for (const share of offered) {
        try {
          shares.push(await this.checked(owner, api, share));
        } catch (error) {
          warnings.push(`share ${typeof share.shareId === "string" ? share.shareId : "?"} from ${owner.imtag} does not check out (${error instanceof Error ? error.message : String(error)}); its key was not used.`);
        }
      }
    }
    return { shares, warnings };
  }

  private async checked(owner: Peer, api: CloudApi, share: JsonObject): Promise<ReceivedShare> {
    const body = await verifyRecord(object(share, "record") ?? {}, SHARE_RECORD, owner.identityKey);
    const target = object(share, "target") ?? {};
    const kind = shareKind(target.kind);
    const targetId = text(target, "id");
    const version = kind === "file" ? Number(target.version) : null;
    const wrappedKey = object(share, "wrappedKey") ?? {};
    const claimed: JsonObject = {
      shareId: text(share, "shareId"),
      owner: owner.userId,
      recipient: this.session.userId,
      target: shareTarget(kind, targetId, version),
      wrappedKey,
    };
    for (const [name, value] of Object.entries(claimed)) {
      if (!sameJson(body[name] ?? null, value)) throw new FilesError(`the record signed by ${owner.imtag} names another ${name}`);
    }
    const exchangeKey = this.session.keys.exchangeKey;
    let file: StoredFile | null = null;
    let key: SymmetricKey;
    let name: string;
    if (kind === "file") {
      file = await openedFile({ ...target, fileId: targetId, wrappedKey }, owner.userId, exchangeKey);
      if (file.key === null) throw new FilesError(file.problem ?? "its key did not open");
      key = file.key;
      name = file.name;
    } else {
      const context = collectionContext(owner.userId, targetId);
      key = await unwrapKey(wrappedKey, COLLECTION_KEY[kind], { unwrappingKey: exchangeKey, context });
      name = text(await openedMetadata(key, target.metadata, context), "name");
    }
    return { shareId: text(share, "shareId"), owner, kind, targetId, version, name, sharedAt: text(body, "sharedAt"), key, wrappedKey, api, file };
  }

  /** The files a shared folder or album holds, each FEK opened with the share's FK or AK. */
  async filesIn(share: ReceivedShare): Promise<StoredFile[]> {
    if (share.file !== null) return [share.file];
    const { items } = await share.api.cursorPages(path("sharing", "received", share.shareId), "files");
    const opened = await Promise.all(items.map((entry) => openedFile(entry, share.owner.userId, share.key)));
    return opened.sort((one, other) => one.name.localeCompare(other.name));
  }

  /** One file a share covers, fetched from its owner's bucket and opened here as it streams. */
  async download(share: ReceivedShare, stored: StoredFile): Promise<ReadableStream<Uint8Array>> {
    const answer = await share.api.call("GET", path("sharing", "received", share.shareId, "files", stored.fileId));
    if (share.kind === "file" && (!sameJson(answer.wrappedKey ?? null, share.wrappedKey) || answer.version !== share.version)) {
      throw new FilesError("the owner's cloud serves another key or version than the one signed for you");
    }
    const current = await openedFile(answer, share.owner.userId, share.kind === "file" ? this.session.keys.exchangeKey : share.key);
    if (current.problem !== null) throw new FilesError(`${stored.name}: ${current.problem}`);
    return openedDownload(answer, current);
  }
}
