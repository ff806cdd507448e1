/**
 * Requests to the platform's REST API and users' clouds, as the CLI makes them (client/imegha/platform_api.py):
 * JSON in and out, an answer read with the crypto layer's bounded parser, a refusal as an ApiError with its reason.
 */

import { parseJsonObject, type JsonObject } from "../crypto/index";

// An answer through API Gateway is at most what a Lambda may return (6 MB).
const MAX_ANSWER_BYTES = 6 * 1024 * 1024;

/** A 4xx/5xx from an iMegha API, with the reason it gave. */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all: the network, or a server that is not there. */
export class Unreachable extends Error {
  override name = "Unreachable";

  constructor(readonly url: string) {
    super(`no answer from ${new URL(url).origin}`);
  }
}

export interface CallOptions {
  authorization?: string | undefined;
  body?: JsonObject | URLSearchParams | undefined;
  headers?: Record<string, string> | undefined;
}

/** One request; the answer's JSON object (an empty one for an empty answer). */
export async function callJson(method: string, url: string, options: CallOptions = {}): Promise<JsonObject> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.authorization) headers.Authorization = options.authorization;
  let body: string | undefined;
  if (options.body instanceof URLSearchParams) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = options.body.toString();
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: body ?? null, credentials: "omit", referrerPolicy: "no-referrer" });
  } catch {
    throw new Unreachable(url);
  }
  const payload = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    let message = response.statusText || `HTTP ${response.status}`;
    try {
      const reason = parseJsonObject(payload, { maxBytes: MAX_ANSWER_BYTES }).message;
      if (typeof reason === "string") message = reason;
    } catch {
      // not the usual JSON: the status says enough
    }
    throw new ApiError(response.status, message);
  }
  return payload.length === 0 ? {} : parseJsonObject(payload, { maxBytes: MAX_ANSWER_BYTES });
}

/** A string field of an answer, or an error naming it. */
export function text(document: JsonObject, name: string): string {
  const value = document[name];
  if (typeof value !== "string") throw new ApiError(502, `the answer's ${name} is not a string`);
  return value;
}

/** An object field of an answer, or null when it is absent or null. */
export function object(document: JsonObject, name: string): JsonObject | null {
  const value = document[name];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
}

/** The objects of a list field of an answer. */
export function objects(document: JsonObject, name: string): JsonObject[] {
  const value = document[name];
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is JsonObject => typeof item === "object" && item !== null && !Array.isArray(item));
}
