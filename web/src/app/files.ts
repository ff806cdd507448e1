/**
 * Files in the browser, as client/imegha/library.py does them: each file sealed here under a new FEK
 * (Cobblestone-256, bound to owner, file id and version), streamed from the `File` straight into the owner's bucket
 * as a multipart upload through presigned part URLs, then committed with the FEK wrapped under the DEK and the
 * metadata sealed under the FEK. Listing opens the names here; a download is opened here as it streams.
 */

import {
  Context,
  SymmetricKey,
  openData,
  openFileStream,
  sealData,
  sealFileStream,
  sealedFileSize,
  unwrapKey,
  wrapKey,
  type JsonObject,
} from "../crypto/index";
import { ApiError, callJson, object, objects, text } from "./http";
import type { Session } from "./session";

export interface StoredFile {
  fileId: string;
  version: number;
  name: string;
  size: number;
  type: string;
}

function fileContext(owner: string, fileId: string, version: number): Context {
  return new Context(owner, fileId, version);
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Files {
  constructor(
    private readonly session: Session,
    private readonly cloudUrl: string,
  ) {}

  private async call(method: string, path: string, body?: JsonObject): Promise<JsonObject> {
    const token = await this.session.cloudToken(this.session.userId);
    return callJson(method, this.cloudUrl.replace(/\/+$/, "") + path, { authorization: `Bearer ${token}`, body });
  }

  /** Seal `file` and upload it; `progress(sent, total)` after each part. */
  async upload(file: File, progress: (sent: number, total: number) => void): Promise<StoredFile> {
    const owner = this.session.userId;
    const fileId = newId();
    const version = 1;
    const base = `/storage/files/${fileId}/uploads`;
    const started = await this.call("POST", base, { version, ciphertextSize: sealedFileSize(file.size) });
    const uploadId = text(started, "uploadId");
    const partSize = Number(started.partSize);
    const total = Number(started.ciphertextSize);
    const urls = new Map(Object.entries(object(started, "partUrls") ?? {}).map(([number, url]) => [Number(number), typeof url === "string" ? url : ""]));
    const context = fileContext(owner, fileId, version);
    const key = await SymmetricKey.generate("FEK");
    const wrappedKey = await wrapKey(key, { wrappingKey: this.session.keys.dataKey, context });
    const partUrl = async (number: number): Promise<string> => {
      const known = urls.get(number);
      if (known) return known;
      const asked = await this.call("POST", `${base}/${uploadId}/parts`, { partNumbers: [number] });
      return text(object(asked, "partUrls") ?? {}, String(number));
    };
    try {
      const reader = file.stream().pipeThrough(sealFileStream(key, context)).getReader();
      let part: Uint8Array<ArrayBuffer> = new Uint8Array(partSize);
      let filled = 0;
      let number = 1;
      let sent = 0;
      const send = async (bytes: Uint8Array<ArrayBuffer>): Promise<void> => {
        const response = await fetch(await partUrl(number), {
          method: "PUT",
          body: bytes,
          headers: { "Content-Type": "application/octet-stream" },
          credentials: "omit",
        });
        if (!response.ok) throw new ApiError(response.status, `part ${number} was refused by the bucket`);
        sent += bytes.length;
        number += 1;
        progress(sent, total);
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let offset = 0;
        while (offset < value.length) {
          const taken = Math.min(partSize - filled, value.length - offset);
          part.set(value.subarray(offset, offset + taken), filled);
          filled += taken;
          offset += taken;
          if (filled === partSize) {
            await send(part);
            part = new Uint8Array(partSize);
            filled = 0;
          }
        }
      }
      if (filled > 0) await send(part.subarray(0, filled));
      const metadata = { name: file.name, size: file.size, type: file.type || "application/octet-stream", modified: new Date(file.lastModified).toISOString() };
      await this.call("POST", `${base}/${uploadId}/complete`, {
        wrappedKey,
        metadata: await sealData(key, new TextEncoder().encode(JSON.stringify(metadata)), context),
      });
      return { fileId, version, name: metadata.name, size: metadata.size, type: metadata.type };
    } catch (error) {
      await this.call("DELETE", `${base}/${uploadId}`).catch(() => undefined);
      throw error;
    }
  }

  /** Every file of this person, its name opened here (one that does not open is left out). */
  async list(): Promise<StoredFile[]> {
    const listed: StoredFile[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const page = await this.call("GET", `/storage/files${query}`);
      for (const item of objects(page, "files")) {
        const opened = await this.opened(item).catch(() => null);
        if (opened) listed.push(opened.file);
      }
      cursor = typeof page.cursor === "string" ? page.cursor : null;
    } while (cursor);
    return listed.sort((one, other) => one.name.localeCompare(other.name));
  }

  private async opened(item: JsonObject): Promise<{ file: StoredFile; key: SymmetricKey; context: Context }> {
    const fileId = text(item, "fileId");
    const version = Number(item.version);
    const context = fileContext(this.session.userId, fileId, version);
    const key = await unwrapKey(item.wrappedKey as JsonObject, "FEK", { unwrappingKey: this.session.keys.dataKey, context });
    const metadata = JSON.parse(new TextDecoder().decode(await openData(key, item.metadata as JsonObject, context))) as Record<string, unknown>;
    const file = { fileId, version, name: String(metadata.name), size: Number(metadata.size), type: String(metadata.type) };
    return { file, key, context };
  }

  /** The file's bytes, fetched from the bucket and opened here as they stream (a chunk that fails to open fails all). */
  async download(fileId: string): Promise<Blob> {
    const answer = await this.call("GET", `/storage/files/${encodeURIComponent(fileId)}`);
    const { file, key, context } = await this.opened(answer);
    const response = await fetch(text(answer, "url"), { credentials: "omit" });
    if (!response.ok || !response.body) throw new ApiError(response.status, "the bucket did not give the file");
    return new Response(response.body.pipeThrough(openFileStream(key, context))).blob().then((blob) => blob.slice(0, blob.size, file.type));
  }
}
