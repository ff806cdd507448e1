/**
 * Sealing content, as imegha_crypto.sealing: small payloads as `sealed-data` envelopes, files as Cobblestone-256
 * streams under the FEK with the context string `binding("sealed-file", {v: 1, kind: "FEK"}, context)`.
 */

import { MOVED_OR_ALTERED, openEnvelope, sealEnvelope } from "./aead";
import { buffered } from "./bytes";
import { binding, sameJson, text, type Context, type JsonObject } from "./canonical";
import {
  CHUNK_SIZE,
  HEADER_SIZE,
  SEALED_CHUNK_SIZE,
  chunkedCiphertextSize,
  chunkedOpenStream,
  chunkedSealStream,
  type ResumeFrom,
} from "./chunked";
import { DecryptionError, FormatError } from "./errors";
import { SymmetricKey } from "./keys";
import { validateEnvelope } from "./schemas";

/** Sealed data lives in DynamoDB items (400 KB at most); larger content is a file. */
export const SEALED_DATA_MAX_BYTES = 128 * 1024;
export const SEALED_FILE_HEADER_SIZE = HEADER_SIZE;
export const FILE_CHUNK_SIZE = CHUNK_SIZE;

function requireContentKey(key: SymmetricKey, doing: string): void {
  if (key.kind === "DEK") throw new TypeError(`data is ${doing} with a content key, not the DEK`);
}

/** Seal a small payload (metadata, a message) under a content key; resolves to a `sealed-data` envelope. */
export async function sealData(key: SymmetricKey, plaintext: Uint8Array, context: Context): Promise<JsonObject> {
  requireContentKey(key, "sealed");
  if (plaintext.length > SEALED_DATA_MAX_BYTES) {
    throw new FormatError(`${plaintext.length} bytes is more than sealed data holds (${SEALED_DATA_MAX_BYTES}); seal it as a file`);
  }
  const header = { v: 1, alg: "A256GCM", kind: key.kind, ...key.envelopeFields() };
  return sealEnvelope(key.aes, buffered(plaintext), "sealed-data", header, context);
}

/** Open a `sealed-data` envelope sealed under `key` for `context`. */
export async function openData(key: SymmetricKey, envelope: JsonObject, context: Context): Promise<Uint8Array> {
  requireContentKey(key, "opened");
  validateEnvelope("sealed-data", envelope);
  const sealedWith: JsonObject = { kind: envelope.kind ?? null, ...(envelope.epoch === undefined ? {} : { epoch: envelope.epoch }) };
  const openingWith = { kind: key.kind, ...key.envelopeFields() };
  if (!sameJson(sealedWith, openingWith)) {
    throw new DecryptionError(`this was sealed with ${describe(sealedWith)}, not with ${describe(openingWith)}`);
  }
  return openEnvelope(key.aes, envelope, "sealed-data", context, `the data does not open with this ${key.kind}: wrong key, or ${MOVED_OR_ALTERED}`);
}

function describe(fields: JsonObject): string {
  return `a key of kind ${text(fields.kind)}${"epoch" in fields ? `, epoch ${text(fields.epoch)}` : ""}`;
}

function fileBinding(context: Context): Uint8Array {
  // The chunked scheme has no header of its own; this one stands in for it, as for every envelope.
  return binding("sealed-file", { v: 1, kind: "FEK" }, context);
}

function filePrk(key: SymmetricKey): CryptoKey {
  if (key.kind !== "FEK" || key.prk === undefined) throw new TypeError("files are sealed and opened with a FileKey");
  return key.prk;
}

/**
 * A `TransformStream` that seals a file under its FEK, e.g. `file.stream().pipeThrough(sealFileStream(fek, where))`,
 * with flat memory whatever the size. `resume` goes on after an interrupted upload (see `sealedFilePosition`).
 */
export function sealFileStream(key: SymmetricKey, context: Context, resume?: ResumeFrom): TransformStream<Uint8Array, Uint8Array> {
  return chunkedSealStream(filePrk(key), fileBinding(context), resume);
}

/** A `TransformStream` that opens a sealed file; on a `DecryptionError` the reader discards what it already read. */
export function openFileStream(key: SymmetricKey, context: Context): TransformStream<Uint8Array, Uint8Array> {
  return chunkedOpenStream(filePrk(key), fileBinding(context));
}

/** The exact size of a sealed file of `plaintextSize` bytes, known before sealing it. */
export function sealedFileSize(plaintextSize: number): number {
  return chunkedCiphertextSize(plaintextSize);
}

/** Where sealing must start again to go on writing a sealed file at byte `offset` (past its header). */
export function sealedFilePosition(offset: number): { chunk: number; plaintextOffset: number; skip: number } {
  if (offset < SEALED_FILE_HEADER_SIZE) throw new RangeError(`byte ${offset} is inside the header: seal the file from its start`);
  const chunk = Math.floor((offset - SEALED_FILE_HEADER_SIZE) / SEALED_CHUNK_SIZE);
  return { chunk, plaintextOffset: chunk * FILE_CHUNK_SIZE, skip: (offset - SEALED_FILE_HEADER_SIZE) % SEALED_CHUNK_SIZE };
}
