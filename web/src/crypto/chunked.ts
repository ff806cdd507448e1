/**
 * Files sealed with c2sp.org/chunked-encryption as Cobblestone-256 (SHA-512, AEAD_AES_256_GCM), byte for byte as
 * imegha_crypto.chunked:
 *
 *   key || base nonce || commitment = HKDF-Expand-SHA-512(prk = input key,
 *       info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" || 0x00 || salt || context)
 *
 * then `salt (24) || commitment (32) || sealed chunks`: each 16 KiB of plaintext sealed with AES-256-GCM under the
 * nonce `base nonce XOR i` (big-endian) and no associated data, the last chunk shorter than 16 KiB (empty if need
 * be), so a message cut at a chunk boundary is refused as truncated.
 *
 * The streams are `TransformStream`s with flat memory: at most `WINDOW_CHUNKS` chunks are in Web Crypto at once, and
 * output leaves strictly in order, each chunk only once it is sealed or authenticated.
 */

import { buffered, concat, equalBytes, randomBytes, utf8 } from "./bytes";
import { DecryptionError, FormatError } from "./errors";
import { hkdfExpand, importPrk } from "./hashing";

export const KEY_SIZE = 32;
export const CHUNK_SIZE = 16 * 1024;
export const TAG_SIZE = 16;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
export const SALT_SIZE = 24;
export const COMMITMENT_SIZE = 32;
export const HEADER_SIZE = SALT_SIZE + COMMITMENT_SIZE;
/** One revision of the spec caps messages at 2**38 chunks, a later one at 2**40 and allows a lower cap. */
export const MAX_CHUNKS = 2 ** 38;

const INFO_PREFIX = utf8("c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\0");
const NONCE_SIZE = 12;
/** Chunks handed to Web Crypto before the oldest is awaited: 1 MiB of work in flight keeps its threads busy. */
const WINDOW_CHUNKS = 64;

/** The single-use AES-256-GCM key and base nonce of one message, and the commitment its header carries. */
export interface MessageKeys {
  aead: CryptoKey;
  baseNonce: Uint8Array;
  commitment: Uint8Array;
}

/** Derive a message's keys from its input key (an HMAC key of the hash the scheme names), salt and context. */
export async function deriveMessageKeys(prk: CryptoKey, salt: Uint8Array, context: Uint8Array): Promise<MessageKeys> {
  const derived = await hkdfExpand(prk, concat(INFO_PREFIX, salt, context), KEY_SIZE + NONCE_SIZE + COMMITMENT_SIZE);
  const aeadKey = derived.subarray(0, KEY_SIZE);
  const aead = await crypto.subtle.importKey("raw", aeadKey, "AES-GCM", false, ["encrypt", "decrypt"]);
  aeadKey.fill(0);
  return { aead, baseNonce: derived.slice(KEY_SIZE, KEY_SIZE + NONCE_SIZE), commitment: derived.slice(KEY_SIZE + NONCE_SIZE) };
}

function nonce(baseNonce: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  const result = new Uint8Array(baseNonce);
  const high = Math.floor(index / 2 ** 32);
  const low = index >>> 0;
  for (let byte = 0; byte < 4; byte++) {
    result[NONCE_SIZE - 1 - byte] = (result[NONCE_SIZE - 1 - byte] ?? 0) ^ ((low >>> (8 * byte)) & 0xff);
    result[NONCE_SIZE - 5 - byte] = (result[NONCE_SIZE - 5 - byte] ?? 0) ^ ((high >>> (8 * byte)) & 0xff);
  }
  return result;
}

/** The exact size of the sealed form of `plaintextSize` bytes, known before sealing. */
export function chunkedCiphertextSize(plaintextSize: number): number {
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) {
    throw new RangeError(`a sealed file holds 0 or more bytes, not ${plaintextSize}`);
  }
  const fullChunks = Math.floor(plaintextSize / CHUNK_SIZE);
  return HEADER_SIZE + fullChunks * SEALED_CHUNK_SIZE + (plaintextSize % CHUNK_SIZE) + TAG_SIZE;
}

type ChunkStep = (index: number, chunk: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>;

function sealStep(keys: MessageKeys): ChunkStep {
  return (index, chunk) => crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce(keys.baseNonce, index) }, keys.aead, chunk);
}

function openStep(keys: MessageKeys): ChunkStep {
  return async (index, chunk) => {
    try {
      return await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce(keys.baseNonce, index) }, keys.aead, chunk);
    } catch {
      throw new DecryptionError(
        `chunk ${index} of the sealed file failed to authenticate: it was altered, moved, or comes from another file`,
      );
    }
  };
}

/**
 * Cuts a byte stream into chunks of `chunkSize` and runs `step` on each, numbered from `firstIndex`, with a window
 * of steps in flight; the stream ends at the first short chunk. A full chunk is never the last, so it is
 * transformed as soon as it is whole; what is left at the end is the last chunk.
 */
class ChunkPipeline {
  private readonly pending: Uint8Array<ArrayBuffer>;
  private pendingSize = 0;
  private readonly inFlight: Promise<ArrayBuffer>[] = [];

  constructor(
    private readonly step: ChunkStep,
    private readonly chunkSize: number,
    private index: number,
  ) {
    this.pending = new Uint8Array(chunkSize);
  }

  async push(piece: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>): Promise<void> {
    let data = buffered(piece);
    if (this.pendingSize > 0) {
      const taken = Math.min(data.length, this.chunkSize - this.pendingSize);
      this.pending.set(data.subarray(0, taken), this.pendingSize);
      this.pendingSize += taken;
      data = data.subarray(taken);
      // Web Crypto copies its input when called, so the pending buffer is free again at once.
      if (this.pendingSize === this.chunkSize) this.start(this.pending);
    }
    while (data.length >= this.chunkSize) {
      this.start(data.subarray(0, this.chunkSize));
      data = data.subarray(this.chunkSize);
    }
    if (data.length > 0) {
      this.pending.set(data);
      this.pendingSize = data.length;
    }
    await this.emit(controller, WINDOW_CHUNKS);
  }

  /** Transform what is left as the last chunk (`lastChunk` says whether it may be one) and empty the window. */
  async finish(controller: TransformStreamDefaultController<Uint8Array>, lastChunk: (size: number) => void): Promise<void> {
    lastChunk(this.pendingSize);
    this.start(this.pending.slice(0, this.pendingSize));
    await this.emit(controller, 0);
  }

  private start(chunk: Uint8Array<ArrayBuffer>): void {
    if (this.index >= MAX_CHUNKS) throw new DecryptionError(`a sealed file holds at most ${MAX_CHUNKS} chunks`);
    const work = this.step(this.index++, chunk);
    // Awaited in order by emitOldest; a later failure is not an unhandled one meanwhile.
    work.catch(() => undefined);
    this.pendingSize = 0;
    this.inFlight.push(work);
  }

  /**
   * Wait for the oldest chunks until at most `keep` are in flight, and pass each on in order. (One piece per chunk:
   * joining a batch into one piece costs more in copies than the stream spends per piece, as measured in Chromium.)
   */
  private async emit(controller: TransformStreamDefaultController<Uint8Array>, keep: number): Promise<void> {
    while (this.inFlight.length > keep) {
      const oldest = this.inFlight.shift();
      if (oldest) controller.enqueue(new Uint8Array(await oldest));
    }
  }
}

/** Where sealing starts again when an upload is resumed: the header written first, and the chunk to go on from. */
export interface ResumeFrom {
  header: Uint8Array;
  firstChunk: number;
}

/**
 * A stream that seals what is written to it under `prk` (the input key as an HMAC-SHA-512 key) for `context`.
 * With `resume`, it writes exactly the chunks from `resume.firstChunk` on that the first run wrote (and no header):
 * only over the very same plaintext, since other bytes under the same nonces would give both away.
 */
export function chunkedSealStream(prk: CryptoKey, context: Uint8Array, resume?: ResumeFrom): TransformStream<Uint8Array, Uint8Array> {
  let pipeline: ChunkPipeline;
  return new TransformStream({
    async start(controller) {
      if (resume) {
        if (!Number.isSafeInteger(resume.firstChunk) || resume.firstChunk < 0 || resume.firstChunk >= MAX_CHUNKS) {
          throw new RangeError(`chunk ${resume.firstChunk} is outside the chunks a sealed file can hold`);
        }
        const keys = await keysForOpening(prk, resume.header, context).catch(() => {
          throw new DecryptionError("this header was not made with this key and context: sealing cannot go on from it");
        });
        pipeline = new ChunkPipeline(sealStep(keys), CHUNK_SIZE, resume.firstChunk);
        return;
      }
      const salt = randomBytes(SALT_SIZE);
      const keys = await deriveMessageKeys(prk, salt, context);
      controller.enqueue(concat(salt, keys.commitment));
      pipeline = new ChunkPipeline(sealStep(keys), CHUNK_SIZE, 0);
    },
    transform: (piece, controller) => pipeline.push(piece, controller),
    flush: (controller) => pipeline.finish(controller, () => undefined),
  });
}

async function keysForOpening(prk: CryptoKey, header: Uint8Array, context: Uint8Array): Promise<MessageKeys> {
  if (header.length < HEADER_SIZE) throw new DecryptionError("the sealed file is truncated: its header is incomplete");
  const keys = await deriveMessageKeys(prk, header.subarray(0, SALT_SIZE), context);
  // Checked before any chunk is opened: a wrong key or context stops here.
  if (!equalBytes(keys.commitment, header.subarray(SALT_SIZE, HEADER_SIZE))) {
    throw new DecryptionError("wrong key or context, or the sealed file's header was altered");
  }
  return keys;
}

/**
 * A stream that opens a sealed file written to it. Plaintext leaves chunk by chunk as it is authenticated, so if
 * the stream errors (a `DecryptionError`: truncated, trailing data, a later chunk altered) what already left is a
 * prefix of the file, not the file: the reader discards it. `chunkedDecrypt` never returns partial plaintext.
 */
export function chunkedOpenStream(prk: CryptoKey, context: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  return openingStream((header) => keysForOpening(prk, header, context), HEADER_SIZE);
}

/** The scheme's raw mode, for vectors that give the derived key and nonce: the sealed chunks alone. */
export function chunkedOpenRawStream(keys: MessageKeys): TransformStream<Uint8Array, Uint8Array> {
  return openingStream(() => Promise.resolve(keys), 0);
}

function openingStream(keysFor: (header: Uint8Array) => Promise<MessageKeys>, headerSize: number): TransformStream<Uint8Array, Uint8Array> {
  const header = new Uint8Array(headerSize);
  let headerFilled = 0;
  let pipeline: ChunkPipeline | undefined;
  const opened = async (): Promise<ChunkPipeline> => {
    pipeline ??= new ChunkPipeline(openStep(await keysFor(header)), SEALED_CHUNK_SIZE, 0);
    return pipeline;
  };
  return new TransformStream({
    async transform(piece, controller) {
      const taken = Math.min(piece.length, headerSize - headerFilled);
      header.set(piece.subarray(0, taken), headerFilled);
      headerFilled += taken;
      if (headerFilled === headerSize) await (await opened()).push(piece.subarray(taken), controller);
    },
    async flush(controller) {
      if (headerFilled < headerSize) throw new DecryptionError("the sealed file is truncated: its header is incomplete");
      await (await opened()).finish(controller, (size) => {
        // A sealed chunk is at least its tag; a file cut at a chunk boundary has no last chunk at all.
        if (size < TAG_SIZE) throw new DecryptionError("the sealed file is truncated: its last chunk is missing");
      });
    },
  });
}

/** All of a stream's output, or its error and nothing. */
export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return concat(...parts);
}

function streamOf(data: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
}

async function chunkedPrk(key: Uint8Array): Promise<CryptoKey> {
  if (key.length !== KEY_SIZE) throw new FormatError(`the key is ${key.length} bytes; sealed files take a ${KEY_SIZE}-byte key`);
  return importPrk(key, "SHA-512");
}

/** Seal `plaintext` in memory; the result is `chunkedCiphertextSize(plaintext.length)` bytes. */
export async function chunkedEncrypt(key: Uint8Array, plaintext: Uint8Array, context: Uint8Array = new Uint8Array()): Promise<Uint8Array> {
  return collect(streamOf(plaintext).pipeThrough(chunkedSealStream(await chunkedPrk(key), context)));
}

/** Open a sealed message in memory: all of its plaintext, or a `DecryptionError` and nothing. */
export async function chunkedDecrypt(key: Uint8Array, ciphertext: Uint8Array, context: Uint8Array = new Uint8Array()): Promise<Uint8Array> {
  const prk = await chunkedPrk(key).catch((error: unknown) => {
    throw new DecryptionError(error instanceof Error ? error.message : "the key does not open sealed files");
  });
  return collect(streamOf(ciphertext).pipeThrough(chunkedOpenStream(prk, context)));
}

/** Open the sealed chunks of a raw-mode message (the C2SP vectors' aead_key and base_nonce). */
export async function chunkedDecryptRaw(aeadKey: Uint8Array, baseNonce: Uint8Array, sealedChunks: Uint8Array): Promise<Uint8Array> {
  const aead = await crypto.subtle.importKey("raw", buffered(aeadKey), "AES-GCM", false, ["decrypt"]);
  return collect(streamOf(sealedChunks).pipeThrough(chunkedOpenRawStream({ aead, baseNonce, commitment: new Uint8Array() })));
}

/** The key, base nonce and commitment the scheme derives with `hash` (SHA-256 for the C2SP vectors). */
export async function chunkedDerive(
  hash: "SHA-256" | "SHA-512",
  key: Uint8Array,
  salt: Uint8Array,
  context: Uint8Array,
): Promise<[Uint8Array, Uint8Array, Uint8Array]> {
  const derived = await hkdfExpand(await importPrk(key, hash), concat(INFO_PREFIX, salt, context), KEY_SIZE + NONCE_SIZE + COMMITMENT_SIZE);
  return [derived.slice(0, KEY_SIZE), derived.slice(KEY_SIZE, KEY_SIZE + NONCE_SIZE), derived.slice(KEY_SIZE + NONCE_SIZE)];
}
