/**
 * A person's files in the browser, as client/imegha/library.py handles them. Each version of a file gets a new FEK;
 * the file is sealed here under it (Cobblestone-256, bound to owner, file id and version) as it streams from the
 * `File`, straight into the owner's bucket as a multipart upload through presigned part URLs; then the cloud
 * records the FEK wrapped by the DEK (and by the FK of its folder, the AK of each album, and for each recipient of
 * a share) and the metadata sealed under the FEK. Folders and albums have a key of their own (FK, AK) under the
 * DEK, and their name sealed under it. Listing, downloading and new versions open everything here.
 */

import {
  Context,
  SEALED_DATA_MAX_BYTES,
  SymmetricKey,
  openData,
  openFileStream,
  parseJsonObject,
  sealData,
  sealFileStream,
  sealedFileSize,
  unwrapKey,
  wrapKey,
  type ExchangePrivateKey,
  type JsonObject,
} from "../crypto/index";
import { CloudApi, path } from "./cloudApi";
import { object, objects, text } from "./http";
import type { Session } from "./session";
import { rekeyedShares } from "./shareKeys";
import { fetchSealed, sendParts } from "./transfer";

export type CollectionKind = "folder" | "album";
const PLURAL: Record<CollectionKind, string> = { folder: "folders", album: "albums" };
const COLLECTION_KEY = { folder: "FK", album: "AK" } as const;
const NAME_BYTES = 255;

/** A refusal to show the person: what is wrong and, where there is one, what to do. */
export class FilesError extends Error {
  override name = "FilesError";
}

/** A version of a file as its owner (or a recipient) sees it once its key and metadata opened. */
export interface StoredFile {
  fileId: string;
  version: number;
  name: string;
  size: number;
  type: string;
  modified: string | null;
  ciphertextSize: number;
  updatedAt: string | null;
  owner: string;
  folderId: string | null;
  /** The FEK as listed (wrapped by the DEK, an FK, an AK or for this person's RSA key) and what opens it. */
  wrappedKey: JsonObject;
  openedWith: SymmetricKey | ExchangePrivateKey;
  key: SymmetricKey | null;
  /** Why the key or metadata did not open; the file is then listed but cannot be fetched. */
  problem: string | null;
}

/** A folder or an album, with its key (FK or AK) and its name. */
export interface Collection {
  kind: CollectionKind;
  id: string;
  name: string;
  key: SymmetricKey;
  wrappedKey: JsonObject;
  createdAt: string | null;
}

export function fileContext(owner: string, fileId: string, version: number): Context {
  return new Context(owner, fileId, version);
}

export function collectionContext(owner: string, collectionId: string): Context {
  return new Context(owner, collectionId, 0);
}

/** Hex, as the CLI's ids: 16 random bytes. */
export function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Now, as the CLI writes times: to the second, in UTC. */
export function nowIso(at: number = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** A name to store: any script, but no path: no '/', no NUL, not '.' or '..', at most 255 UTF-8 bytes. */
export function checkName(name: string): string {
  if (!name || name.includes("/") || name.includes("\0") || name === "." || name === "..") {
    throw new FilesError(`"${name}" cannot be a name: no '/', no NUL, not '.' or '..'`);
  }
  if (new TextEncoder().encode(name).length > NAME_BYTES) throw new FilesError(`a name is at most ${NAME_BYTES} bytes of UTF-8; this one is longer`);
  return name;
}

/** Sealed metadata opened: a JSON object, or an error saying why not (whoever sealed it may be hostile). */
export async function openedMetadata(key: SymmetricKey, sealed: unknown, context: Context): Promise<JsonObject> {
  return parseJsonObject(await openData(key, sealed as JsonObject, context), { maxBytes: SEALED_DATA_MAX_BYTES });
}

function sealedMetadata(key: SymmetricKey, context: Context, metadata: { name: string; size: number; type: string; modified: string | null }): Promise<JsonObject> {
  return sealData(key, new TextEncoder().encode(JSON.stringify(metadata)), context);
}

/** A listed file with its FEK unwrapped and its metadata opened; one that does not open says why. */
export async function openedFile(entry: JsonObject, owner: string, openedWith: SymmetricKey | ExchangePrivateKey): Promise<StoredFile> {
  const fileId = text(entry, "fileId");
  const version = Number(entry.version);
  const context = fileContext(owner, fileId, version);
  const wrappedKey = object(entry, "wrappedKey") ?? {};
  const base = {
    fileId,
    version,
    ciphertextSize: Number(entry.ciphertextSize),
    updatedAt: typeof entry.updatedAt === "string" ? entry.updatedAt : null,
    owner,
    folderId: typeof entry.folderId === "string" ? entry.folderId : null,
    wrappedKey,
    openedWith,
  };
  try {
    const key = await unwrapKey(wrappedKey, "FEK", { unwrappingKey: openedWith, context });
    const metadata = await openedMetadata(key, entry.metadata, context);
    const name = checkName(text(metadata, "name"));
    return {
      ...base,
      name,
      size: Number(metadata.size),
      type: typeof metadata.type === "string" ? metadata.type : "application/octet-stream",
      modified: typeof metadata.modified === "string" ? metadata.modified : null,
      key,
      problem: null,
    };
  } catch (error) {
    const problem = `its key or name does not open (${error instanceof Error ? error.message : String(error)}): it was altered, or is not what its record says`;
    return { ...base, name: fileId, size: -1, type: "application/octet-stream", modified: null, key: null, problem };
  }
}

/**
 * Fetch a file's sealed bytes and open them here as they arrive: each chunk is handed on once it is authenticated,
 * and the stream errors (a `DecryptionError`) at the first that is not, so what came before is a prefix, not the
 * file. Whoever reads it keeps nothing of it unless it ends without an error.
 */
export async function openedDownload(answer: JsonObject, stored: StoredFile): Promise<ReadableStream<Uint8Array>> {
  if (stored.key === null) throw new FilesError(`${stored.name}: ${stored.problem ?? "its key did not open"}`);
  const sealed = await fetchSealed(text(answer, "url"));
  return sealed.pipeThrough(openFileStream(stored.key, fileContext(stored.owner, stored.fileId, stored.version)));
}

/**
 * Uploads under way, so that one a reload or a closed tab cut off is given up at once rather than left to the
 * bucket's 7-day lifecycle rule: each is recorded (ids only) in localStorage while its tab holds a Web Lock named
 * after it; a record whose lock nobody holds is an upload no tab is sending any more.
 */
interface UnderWay {
  cloudUrl: string;
  fileId: string;
  uploadId: string;
}

function underWayKey(session: Session): string {
  return `imegha.uploads-under-way.${session.userId}`;
}

function underWay(session: Session): UnderWay[] {
  try {
    const kept = JSON.parse(localStorage.getItem(underWayKey(session)) ?? "[]") as unknown;
    return Array.isArray(kept) ? (kept as UnderWay[]) : [];
  } catch {
    return [];
  }
}

function keepUnderWay(session: Session, uploads: UnderWay[]): void {
  if (uploads.length === 0) localStorage.removeItem(underWayKey(session));
  else localStorage.setItem(underWayKey(session), JSON.stringify(uploads));
}

function lockName(upload: UnderWay): string {
  return `imegha-upload ${upload.uploadId}`;
}

/** `work`, with the upload recorded as under way and this tab holding its lock until `work` ends. */
async function whileUnderWay<T>(session: Session, upload: UnderWay, work: () => Promise<T>): Promise<T> {
  if (!("locks" in navigator)) return work();
  return navigator.locks.request(lockName(upload), async () => {
    keepUnderWay(session, [...underWay(session), upload]);
    try {
      return await work();
    } finally {
      keepUnderWay(session, underWay(session).filter((kept) => kept.uploadId !== upload.uploadId));
    }
  });
}

export interface Version {
  version: number;
  uploadedAt: string;
  ciphertextSize: number;
  /** Whether the cloud still holds this version's bytes: the current one, and each one replaced in the last 30 days. */
  kept: boolean;
}

interface Sending {
  fileId: string;
  version: number;
  plaintextSize: number;
  plaintext: ReadableStream<Uint8Array>;
  metadata: { name: string; size: number; type: string; modified: string | null };
  folder: Collection | null;
  replaced: StoredFile | null;
  progress: (sent: number, total: number) => void;
}

export class Library {
  readonly api: CloudApi;
  readonly owner: string;

  constructor(
    private readonly session: Session,
    readonly cloudUrl: string,
  ) {
    this.owner = session.userId;
    this.api = new CloudApi(session, cloudUrl, session.userId);
  }

  // --- listing ---------------------------------------------------------------------

  /** Every file (keys under the DEK), or a folder's or an album's (keys under its FK or AK). */
  async files(holder: Collection | null = null): Promise<StoredFile[]> {
    const { items } = await this.api.cursorPages("/storage/files", "files", { in: holder?.id });
    const inFolder = holder?.kind === "folder" ? { folderId: holder.id } : {};
    const opened = await Promise.all(items.map((entry) => openedFile({ ...entry, ...inFolder }, this.owner, holder ? holder.key : this.session.keys.dataKey)));
    return opened.sort((one, other) => one.name.localeCompare(other.name) || one.fileId.localeCompare(other.fileId));
  }

  async collections(kind: CollectionKind): Promise<Collection[]> {
    const listed = objects(await this.api.call("GET", path("storage", PLURAL[kind])), PLURAL[kind]);
    const opened: Collection[] = [];
    for (const entry of listed) {
      const id = text(entry, "id");
      const context = collectionContext(this.owner, id);
      const wrappedKey = object(entry, "wrappedKey") ?? {};
      try {
        const key = await unwrapKey(wrappedKey, COLLECTION_KEY[kind], { unwrappingKey: this.session.keys.dataKey, context });
        const name = text(await openedMetadata(key, entry.metadata, context), "name");
        opened.push({ kind, id, name, key, wrappedKey, createdAt: typeof entry.createdAt === "string" ? entry.createdAt : null });
      } catch (error) {
        throw new FilesError(`${kind} ${id} does not open (${error instanceof Error ? error.message : String(error)}): its record was altered`);
      }
    }
    return opened.sort((one, other) => one.name.localeCompare(other.name));
  }

  /** A key this browser may wrap again (for a recipient, an album): opened once more, extractable, from its record. */
  async shareableKey(target: StoredFile | Collection): Promise<SymmetricKey> {
    if ("fileId" in target) {
      return unwrapKey(target.wrappedKey, "FEK", { unwrappingKey: target.openedWith, context: fileContext(target.owner, target.fileId, target.version), extractable: true });
    }
    return unwrapKey(target.wrappedKey, COLLECTION_KEY[target.kind], {
      unwrappingKey: this.session.keys.dataKey,
      context: collectionContext(this.owner, target.id),
      extractable: true,
    });
  }

  // --- folders and albums -----------------------------------------------------------

  async create(kind: CollectionKind, name: string): Promise<Collection> {
    checkName(name);
    if ((await this.collections(kind)).some((collection) => collection.name === name)) throw new FilesError(`a ${kind} named "${name}" exists already`);
    const id = newId();
    const key = await SymmetricKey.generate(COLLECTION_KEY[kind]);
    const context = collectionContext(this.owner, id);
    const wrappedKey = await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context });
    const metadata = await sealData(key, new TextEncoder().encode(JSON.stringify({ name })), context);
    const created = await this.api.call("POST", path("storage", PLURAL[kind]), { id, wrappedKey, metadata });
    return { kind, id, name, key, wrappedKey, createdAt: typeof created.createdAt === "string" ? created.createdAt : null };
  }

  /** Delete a folder with its files, or an album (its files stay). */
  async remove(collection: Collection): Promise<void> {
    if (collection.kind === "folder") {
      for (const stored of await this.files(collection)) await this.delete(stored);
    }
    await this.api.call("DELETE", path("storage", PLURAL[collection.kind], collection.id));
  }

  async addToAlbum(album: Collection, stored: StoredFile): Promise<void> {
    const key = await this.shareableKey(stored);
    const wrappedKey = await wrapKey(key, { wrappingKey: album.key, context: fileContext(this.owner, stored.fileId, stored.version) });
    await this.api.call("PUT", path("storage", "albums", album.id, "files", stored.fileId), { version: stored.version, wrappedKey });
  }

  async removeFromAlbum(album: Collection, stored: StoredFile): Promise<void> {
    await this.api.call("DELETE", path("storage", "albums", album.id, "files", stored.fileId));
  }

  // --- uploading ---------------------------------------------------------------------

  /** Seal `file` and upload it, as a new file (in `folder`) or as the next version of `replace`. */
  async upload(
    file: File,
    { folder = null, replace = null, progress }: { folder?: Collection | null; replace?: StoredFile | null; progress: (sent: number, total: number) => void },
  ): Promise<StoredFile> {
    const name = checkName(replace ? replace.name : file.name);
    if (replace === null && (await this.files()).some((stored) => stored.name === name && stored.folderId === (folder?.id ?? null))) {
      throw new FilesError(`a file named "${name}" is already there: upload it as a new version of that one, or rename it first`);
    }
    return this.send({
      fileId: replace ? replace.fileId : newId(),
      version: replace ? replace.version + 1 : 1,
      plaintextSize: file.size,
      plaintext: file.stream(),
      metadata: { name, size: file.size, type: file.type || "application/octet-stream", modified: nowIso(file.lastModified) },
      folder,
      replaced: replace,
      progress,
    });
  }

  private async send(sending: Sending): Promise<StoredFile> {
    const { fileId, version } = sending;
    const base = path("storage", "files", fileId, "uploads");
    const started = await this.api.call("POST", base, { version, ciphertextSize: sealedFileSize(sending.plaintextSize) });
    const uploadId = text(started, "uploadId");
    return whileUnderWay(this.session, { cloudUrl: this.cloudUrl, fileId, uploadId }, () => this.sendStarted(sending, started));
  }

  private async sendStarted(sending: Sending, started: JsonObject): Promise<StoredFile> {
    const { fileId, version } = sending;
    const base = path("storage", "files", fileId, "uploads");
    const uploadId = text(started, "uploadId");
    const total = Number(started.ciphertextSize);
    const known = new Map(Object.entries(object(started, "partUrls") ?? {}).map(([number, url]) => [Number(number), typeof url === "string" ? url : ""]));
    const context = fileContext(this.owner, fileId, version);
    const key = await SymmetricKey.generate("FEK");
    try {
      const wrappedKey = await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context });
      await sendParts(sending.plaintext.pipeThrough(sealFileStream(key, context)), {
        partSize: Number(started.partSize),
        partCount: Number(started.partCount),
        partUrl: async (number, fresh) => {
          const url = fresh ? undefined : known.get(number);
          if (url !== undefined) return url;
          const asked = await this.api.call("POST", `${base}/${encodeURIComponent(uploadId)}/parts`, { partNumbers: [number] });
          return text(object(asked, "partUrls") ?? {}, String(number));
        },
        progress: (sent) => { sending.progress(sent, total); },
      });
      let commit: JsonObject = { wrappedKey, metadata: await sealedMetadata(key, context, sending.metadata) };
      if (sending.replaced) commit = { ...commit, ...(await this.keysForHolders(fileId, key, context)) };
      else if (sending.folder) commit.folder = { id: sending.folder.id, wrappedKey: await wrapKey(key, { wrappingKey: sending.folder.key, context }) };
      const committed = await this.api.call("POST", `${base}/${encodeURIComponent(uploadId)}/complete`, commit);
      const entry = { fileId, version, ciphertextSize: total, metadata: commit.metadata ?? null, wrappedKey, updatedAt: committed.updatedAt ?? null, folderId: committed.folderId ?? null };
      return await openedFile(entry, this.owner, this.session.keys.dataKey);
    } catch (error) {
      await this.api.call("DELETE", `${base}/${encodeURIComponent(uploadId)}`).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Give up the uploads to this cloud that no tab is sending any more (a reload or a closed tab cut them off): their
   * parts go from the bucket and their records from the cloud now. Resolves to how many. They are not resumed: a
   * browser cannot tell a changed file from the same one as surely as the CLI does (no inode, no change time), and
   * sealing other bytes under the remembered header would reuse its nonces.
   */
  async giveUpAbandoned(): Promise<number> {
    if (!("locks" in navigator)) return 0;
    const held = new Set(((await navigator.locks.query()).held ?? []).map((lock) => lock.name));
    const abandoned = underWay(this.session).filter((upload) => upload.cloudUrl === this.cloudUrl && !held.has(lockName(upload)));
    for (const upload of abandoned) {
      await this.api.call("DELETE", path("storage", "files", upload.fileId, "uploads", upload.uploadId));
      keepUnderWay(this.session, underWay(this.session).filter((kept) => kept.uploadId !== upload.uploadId));
    }
    return abandoned.length;
  }

  /** The new FEK for everyone who holds the file now: its folder, its albums, its shares' recipients. */
  private async keysForHolders(fileId: string, key: SymmetricKey, context: Context): Promise<JsonObject> {
    const holders = await this.api.call("GET", path("storage", "files", fileId, "holders"));
    const keys: JsonObject = {};
    if (typeof holders.folderId === "string") {
      const folderId = holders.folderId;
      const folder = (await this.collections("folder")).find((collection) => collection.id === folderId);
      if (!folder) throw new FilesError(`the file's folder ${folderId} is not among your folders`);
      keys.folder = { id: folder.id, wrappedKey: await wrapKey(key, { wrappingKey: folder.key, context }) };
    }
    const albumIds = Array.isArray(holders.albumIds) ? holders.albumIds.map(String) : [];
    if (albumIds.length > 0) {
      const albums = new Map((await this.collections("album")).map((album) => [album.id, album]));
      const wrapped: JsonObject = {};
      for (const albumId of albumIds) {
        const album = albums.get(albumId);
        if (!album) throw new FilesError(`the file's album ${albumId} is not among your albums`);
        wrapped[albumId] = await wrapKey(key, { wrappingKey: album.key, context });
      }
      keys.albums = wrapped;
    }
    if (objects(holders, "shares").length > 0) keys.shares = await rekeyedShares(this.session, this.api, fileId, context, key);
    return keys;
  }

  // --- fetching, deleting, new versions ----------------------------------------------

  /** The current version's bytes, fetched from the bucket and opened here as they stream. */
  async download(stored: StoredFile): Promise<ReadableStream<Uint8Array>> {
    const answer = await this.api.call("GET", path("storage", "files", stored.fileId));
    const current = await openedFile(answer, this.owner, this.session.keys.dataKey);
    if (current.problem !== null) throw new FilesError(`${stored.name}: ${current.problem}`);
    return openedDownload(answer, current);
  }

  /** Delete a file: its shares are revoked, its ciphertext (every S3 version) and its records removed. */
  async delete(stored: StoredFile): Promise<JsonObject> {
    return this.api.call("DELETE", path("storage", "files", stored.fileId));
  }

  /**
   * Seal the file again under a new FEK, as its next version: a key kept from before opens nothing new. The
   * download is opened and sealed again as it streams, straight into the upload; the remaining holders get the new key.
   */
  async rotate(stored: StoredFile, progress: (sent: number, total: number) => void): Promise<StoredFile> {
    const answer = await this.api.call("GET", path("storage", "files", stored.fileId));
    const current = await openedFile(answer, this.owner, this.session.keys.dataKey);
    if (current.key === null) throw new FilesError(`${stored.name}: ${current.problem ?? "its key did not open"}`);
    const sealed = await fetchSealed(text(answer, "url"));
    return this.send({
      fileId: current.fileId,
      version: current.version + 1,
      plaintextSize: current.size,
      plaintext: sealed.pipeThrough(openFileStream(current.key, fileContext(this.owner, current.fileId, current.version))),
      metadata: { name: current.name, size: current.size, type: current.type, modified: current.modified },
      folder: null,
      replaced: current,
      progress,
    });
  }

  /**
   * The versions the audit log records an upload of, each marked kept if the cloud still holds it: the current one,
   * and each one a newer one replaced in the last 30 days (`GET /storage/files/{id}/versions`); older ones are gone.
   */
  async versions(stored: StoredFile): Promise<Version[]> {
    const [{ items }, listed] = await Promise.all([
      this.api.afterPages("/audit/entries", "entries"),
      this.api.call("GET", path("storage", "files", stored.fileId, "versions")),
    ]);
    const kept = new Set(objects(listed, "versions").map((entry) => Number(entry.version)));
    return items
      .filter((entry) => entry.action === "upload" && object(entry, "subject")?.fileId === stored.fileId)
      .map((entry) => {
        const subject = object(entry, "subject") ?? {};
        const version = Number(subject.version);
        return { version, uploadedAt: text(entry, "at"), ciphertextSize: Number(subject.ciphertextSize), kept: kept.has(version) };
      })
      .sort((one, other) => other.version - one.version);
  }

  /** An older version's bytes, which the cloud keeps 30 days after a newer one replaced it, opened with its own key. */
  async downloadVersion(stored: StoredFile, version: number): Promise<ReadableStream<Uint8Array>> {
    if (version === stored.version) return this.download(stored);
    const answer = await this.api.call("GET", path("storage", "files", stored.fileId, "versions", String(version)));
    const older = await openedFile({ ...answer, fileId: stored.fileId }, this.owner, this.session.keys.dataKey);
    if (older.problem !== null) throw new FilesError(`${stored.name}: ${older.problem}`);
    if (older.version !== version) throw new FilesError(`asked for version ${String(version)} of ${stored.name}, your cloud answered with ${String(older.version)}`);
    return openedDownload(answer, older);
  }
}
