/**
 * Canonical JSON (RFC 8785 restricted to integers, as layers/crypto/README.md "Encodings" defines it), the
 * `Context` a ciphertext belongs to, and the binding: AES-GCM's additional data, RSA-OAEP's label and the chunked
 * scheme's context string. The same bytes as imegha_crypto.canonical.
 */

import { utf8 } from "./bytes";
import { FormatError } from "./errors";

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [name: string]: Json;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The RFC 8785 (JCS) encoding of `value` as UTF-8; fractions, unsafe integers and lone surrogates are refused. */
export function canonicalJson(value: unknown): Uint8Array<ArrayBuffer> {
  return utf8(jcs(value));
}

function jcs(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new FormatError(`canonical JSON: ${value} is not an integer of at most 2**53 - 1`);
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (!value.isWellFormed()) {
      throw new FormatError("canonical JSON: a string holds a lone surrogate, which is not Unicode text");
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  if (isJsonObject(value)) {
    // Sorted by UTF-16 code units, as JCS orders members and as JavaScript compares strings.
    const names = Object.keys(value).sort();
    return "{" + names.map((name) => jcs(name) + ":" + jcs(value[name])).join(",") + "}";
  }
  throw new FormatError(`canonical JSON: a ${typeof value} cannot be encoded`);
}

/** Whether two JSON values have the same canonical form. */
export function sameJson(one: unknown, other: unknown): boolean {
  return jcs(one) === jcs(other);
}

/** A deep copy of a JSON value, so what a caller holds cannot change a record after it was checked. */
export function copyJson<T extends Json>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Where a ciphertext belongs: whose it is, which object, which version (0 for objects without versions). */
export class Context {
  constructor(
    readonly owner: string,
    readonly objectId: string,
    readonly version: number,
  ) {
    for (const [name, field] of [
      ["owner", owner],
      ["objectId", objectId],
    ] as const) {
      if (typeof field !== "string" || field === "") throw new TypeError(`Context.${name} must be a non-empty string`);
    }
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new TypeError("Context.version must be an integer from 0 to 2**53 - 1");
    }
  }

  asJson(): JsonObject {
    return { owner: this.owner, object: this.objectId, version: this.version };
  }
}

/** What a ciphertext is (its envelope type and every header field) and where it belongs. */
export function binding(envelopeType: string, header: JsonObject, context: Context): Uint8Array<ArrayBuffer> {
  return canonicalJson({ type: envelopeType, header, context: context.asJson() });
}

/** A JSON value as message text: a string as it is, anything else as JSON. */
export function text(value: Json | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
