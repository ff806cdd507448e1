/** Byte encodings: UTF-8, hex and base64url (RFC 4648 section 5, no padding, one spelling per byte string). */

import { FormatError } from "./errors";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** The text of UTF-8 bytes; `FormatError` for bytes that are not UTF-8. */
export function fromUtf8(data: Uint8Array): string {
  try {
    return strictDecoder.decode(data);
  } catch {
    throw new FormatError("not UTF-8 text");
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** Whether two byte strings are equal, in time that depends on their length only. */
export function equalBytes(one: Uint8Array, other: Uint8Array): boolean {
  if (one.length !== other.length) return false;
  let difference = 0;
  for (let index = 0; index < one.length; index++) difference |= (one[index] ?? 0) ^ (other[index] ?? 0);
  return difference === 0;
}

export function toHex(data: Uint8Array): string {
  let hex = "";
  for (const byte of data) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new FormatError("not hexadecimal bytes");
  const data = new Uint8Array(hex.length / 2);
  for (let index = 0; index < data.length; index++) data[index] = parseInt(hex.slice(2 * index, 2 * index + 2), 16);
  return data;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Map(Array.from(ALPHABET, (character, value) => [character, value]));
// The unused low bits of the last character are zero: the same pattern as the layer's schemas and canonical.py.
const CANONICAL_B64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048]|[A-Za-z0-9_-][AQgw])?$/;

export function b64urlEncode(data: Uint8Array): string {
  let text = "";
  for (let index = 0; index < data.length; index += 3) {
    const triple = ((data[index] ?? 0) << 16) | ((data[index + 1] ?? 0) << 8) | (data[index + 2] ?? 0);
    const characters = Math.min(4, Math.ceil(((data.length - index) * 8) / 6));
    for (let position = 0; position < characters; position++) {
      text += ALPHABET.charAt((triple >> (18 - 6 * position)) & 63);
    }
  }
  return text;
}

/** The bytes of canonical base64url without padding; `FormatError` for any other spelling. */
export function b64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || !CANONICAL_B64URL.test(text)) {
    throw new FormatError("not canonical base64url without padding");
  }
  const data = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let bitCount = 0;
  let written = 0;
  for (const character of text) {
    bits = ((bits << 6) | (VALUES.get(character) ?? 0)) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      data[written++] = (bits >> bitCount) & 0xff;
    }
  }
  return data;
}

/** `data` as Web Crypto takes it: backed by an ArrayBuffer (a view of shared memory is copied). */
export function buffered(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

/** Fresh random bytes from the platform's generator, drawn at each call. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}
