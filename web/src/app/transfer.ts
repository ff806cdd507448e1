/**
 * Moving sealed bytes between this tab and a bucket, as client/imegha/transfer.py does: a sealed stream cut into the
 * upload's planned parts and sent through presigned part URLs, four in flight (each part's bytes held until the
 * bucket took them, so memory stays at four parts); a download fetched through its presigned URL as a stream.
 */

import { ApiError } from "./http";

const IN_FLIGHT = 4;
const RETRIES = 3;

export interface PartPlan {
  partSize: number;
  partCount: number;
  /** The URL of part `number`, asked for when the upload's first ones are used up (or one expired). */
  partUrl: (number: number, fresh: boolean) => Promise<string>;
  /** Called with the bytes the bucket has taken so far. */
  progress: (sent: number) => void;
}

/** Send `sealed` as the upload's parts; resolves once the bucket took every one. */
export async function sendParts(sealed: ReadableStream<Uint8Array>, plan: PartPlan): Promise<void> {
  const reader = sealed.getReader();
  const pending = new Set<Promise<void>>();
  // Set by a part that failed (in a callback, hence an object the checks below read afresh).
  const stopped: { by: Error | null } = { by: null };
  let sent = 0;
  let number = 1;
  const send = (bytes: Uint8Array<ArrayBuffer>, partNumber: number): void => {
    const sending = sendPart(bytes, partNumber, plan).then(
      () => {
        sent += bytes.length;
        plan.progress(sent);
      },
      (error: unknown) => { stopped.by ??= error instanceof Error ? error : new Error(String(error)); },
    );
    const tracked = sending.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  let part = new Uint8Array(plan.partSize);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const taken = Math.min(plan.partSize - filled, value.length - offset);
        part.set(value.subarray(offset, offset + taken), filled);
        filled += taken;
        offset += taken;
        if (filled === plan.partSize) {
          send(part, number++);
          part = new Uint8Array(plan.partSize);
          filled = 0;
          while (pending.size >= IN_FLIGHT) await Promise.race(pending);
          if (stopped.by) throw stopped.by;
        }
      }
    }
    if (filled > 0) send(part.subarray(0, filled), number++);
    await Promise.all(pending);
    if (stopped.by) throw stopped.by;
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    await Promise.allSettled(pending);
    throw error;
  }
  if (number - 1 !== plan.partCount) throw new ApiError(409, `the sealed file made ${number - 1} parts, not the ${plan.partCount} planned`);
}

async function sendPart(bytes: Uint8Array<ArrayBuffer>, number: number, plan: PartPlan): Promise<void> {
  let url = await plan.partUrl(number, false);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: "PUT", body: bytes, headers: { "Content-Type": "application/octet-stream" }, credentials: "omit" });
    } catch {
      if (attempt >= RETRIES) throw new ApiError(503, `part ${number} could not be sent`);
      continue;
    }
    if (response.ok) return;
    const refusal = await response.text();
    if ((response.status === 403 && /expired/i.test(refusal)) || response.status >= 500) {
      if (attempt < RETRIES) {
        url = await plan.partUrl(number, true);
        continue;
      }
    }
    throw new ApiError(response.status, `the bucket refused part ${number}`);
  }
}

/** The sealed bytes behind a presigned download URL, as a stream. */
export async function fetchSealed(url: string): Promise<ReadableStream<Uint8Array>> {
  const response = await fetch(url, { credentials: "omit" });
  if (!response.ok || !response.body) throw new ApiError(response.status, "the bucket did not give the file");
  return response.body;
}

/**
 * Read an opened stream whole into a Blob of `type`. Reading it (not `new Response(stream)`) lets a
 * `DecryptionError` through as itself; what came before it is dropped, never handed on as the file.
 */
export async function openedBlob(opened: ReadableStream<Uint8Array>, type: string): Promise<Blob> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const reader = opened.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value as Uint8Array<ArrayBuffer>); // the stream's own buffers: nothing copied
  }
  return new Blob(chunks, { type });
}
