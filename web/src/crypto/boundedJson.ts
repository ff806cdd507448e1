/**
 * JSON from someone else (a cloud's answer, a peer's sealed metadata), parsed within limits checked before the
 * parser runs, as imegha_crypto.bounded_json: at most `maxBytes` of UTF-8, nested at most `maxDepth` levels (counted
 * on the brackets outside strings, without recursion), no integer of more than 100 digits; every failure is a
 * `FormatError` with its reason (`TooLargeError` for the size). JSON.parse already refuses NaN and Infinity.
 */

import { fromUtf8, utf8 } from "./bytes";
import { isJsonObject, type Json, type JsonObject } from "./canonical";
import { FormatError, TooLargeError } from "./errors";

/** Deeper than any document iMegha makes (its envelopes nest a few levels). */
export const MAX_JSON_DEPTH = 64;
/** Far more than 2**53 - 1 (16 digits), the largest integer canonical JSON holds. */
export const MAX_INTEGER_DIGITS = 100;

/** The deepest nesting of `text` and its longest integer, in one pass outside strings. */
function structure(text: string): { depth: number; integerDigits: number } {
  let depth = 0;
  let deepest = 0;
  let integerDigits = 0;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '"') {
      for (index++; index < text.length && text[index] !== '"'; index++) if (text[index] === "\\") index++;
    } else if (character === "[" || character === "{") {
      deepest = Math.max(deepest, ++depth);
    } else if (character === "]" || character === "}") {
      depth--;
    } else if (character !== undefined && /[-0-9]/.test(character)) {
      const start = index;
      while (index + 1 < text.length && /[-+.0-9eE]/.test(text[index + 1] ?? "")) index++;
      const number = text.slice(start, index + 1);
      if (!/[.eE]/.test(number)) integerDigits = Math.max(integerDigits, number.replace("-", "").length);
    }
  }
  return { depth: deepest, integerDigits };
}

/** The value `data` holds, if it is JSON within the limits; otherwise a `FormatError` saying which limit or why. */
export function parseJson(data: Uint8Array | string, { maxBytes, maxDepth = MAX_JSON_DEPTH }: { maxBytes: number; maxDepth?: number }): Json {
  const size = typeof data === "string" ? utf8(data).length : data.length;
  if (size > maxBytes) throw new TooLargeError(`${size} bytes, more than the ${maxBytes} allowed`);
  const text = typeof data === "string" ? data : fromUtf8(data);
  const { depth, integerDigits } = structure(text);
  if (depth > maxDepth) throw new FormatError(`nested deeper than ${maxDepth} levels`);
  if (integerDigits > MAX_INTEGER_DIGITS) {
    throw new FormatError(`not valid JSON (a number of ${integerDigits} digits, more than ${MAX_INTEGER_DIGITS})`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new FormatError(`not valid JSON (${error instanceof Error ? error.message : "unreadable"})`);
  }
}

/** Like `parseJson`, for a document that must be a JSON object. */
export function parseJsonObject(data: Uint8Array | string, limits: { maxBytes: number; maxDepth?: number }): JsonObject {
  const value = parseJson(data, limits);
  if (!isJsonObject(value)) throw new FormatError(`a JSON object was expected, not ${Array.isArray(value) ? "an array" : typeof value}`);
  return value;
}
