/**
 * Chat messages, as imegha_crypto.messages: a `signed-record` of type `message` whose body names the conversation,
 * sender, sequence and time, and holds the text as `sealed-data` under the context (sender, conversation, sequence).
 */

import { fromUtf8, toHex, utf8 } from "./bytes";
import { canonicalJson, Context, isJsonObject, text, type JsonObject } from "./canonical";
import { DecryptionError, FormatError } from "./errors";
import { sha256 } from "./hashing";
import type { IdentityPrivateKey, IdentityPublicKey, SymmetricKey } from "./keys";
import { openData, sealData } from "./sealing";
import { signRecord, verifyRecord } from "./signing";

export const MESSAGE_RECORD = "message";
/** The text of one message, as UTF-8; longer content is a file shared in the conversation. */
export const MESSAGE_MAX_BYTES = 64 * 1024;

export interface Message {
  conversationId: string;
  sender: string;
  sequence: number;
  sentAt: string;
  text: string;
  /** The group key's epoch it was sealed under; null in a 1:1 conversation. */
  epoch: number | null;
}

/** The one id of the 1:1 conversation between two users, whichever of them computes it. */
export async function directConversationId(userA: string, userB: string): Promise<string> {
  if (userA === userB) throw new TypeError("a conversation is between two different users");
  // Sorted by code point, as Python sorts strings (not by UTF-16 code units).
  const [first, second] = [userA, userB].sort((one, other) => (codePoints(one) < codePoints(other) ? -1 : 1));
  const digest = await sha256(canonicalJson(["imegha direct conversation", first, second]));
  return "dm-" + toHex(digest.subarray(0, 16));
}

function codePoints(userId: string): string {
  return Array.from(userId, (character) => (character.codePointAt(0) ?? 0).toString(16).padStart(6, "0")).join("");
}

/** Where a message belongs: its sender's `sequence`-th message in `conversationId`. */
export function messageContext(conversationId: string, sender: string, sequence: number): Context {
  return new Context(sender, conversationId, sequence);
}

function requireMessageKey(key: SymmetricKey): void {
  if (key.kind !== "CK" && key.kind !== "GK") throw new TypeError(`messages are sealed with a CK or a GK, not a ${key.kind}`);
}

/** Seal `text` for a conversation and sign it as `sender`; resolves to a `signed-record` of type `message`. */
export async function sealMessage(
  key: SymmetricKey,
  identityKey: IdentityPrivateKey,
  options: { conversationId: string; sender: string; sequence: number; text: string; sentAt: string },
): Promise<JsonObject> {
  requireMessageKey(key);
  if (!options.text.isWellFormed()) throw new FormatError("the message holds a lone surrogate, which is not Unicode text");
  const plaintext = utf8(options.text);
  if (plaintext.length > MESSAGE_MAX_BYTES) {
    throw new FormatError(`the message is ${plaintext.length} bytes; a message holds at most ${MESSAGE_MAX_BYTES} (send longer text as a file)`);
  }
  const sealed = await sealData(key, plaintext, messageContext(options.conversationId, options.sender, options.sequence));
  const body = { conversationId: options.conversationId, sender: options.sender, sequence: options.sequence, sentAt: options.sentAt, sealed };
  return signRecord(identityKey, MESSAGE_RECORD, body);
}

/**
 * Open a message read from `sender`'s part of `conversationId`: `SignatureError` for a record not signed by
 * `senderIdentity` or altered; `DecryptionError` for one naming another conversation or sender, or whose text does
 * not open under `key` where it is read.
 */
export async function openMessage(
  record: JsonObject,
  key: SymmetricKey,
  { senderIdentity, conversationId, sender }: { senderIdentity: IdentityPublicKey; conversationId: string; sender: string },
): Promise<Message> {
  requireMessageKey(key);
  const body = await verifyRecord(record, MESSAGE_RECORD, senderIdentity);
  const sealed = requireShape(body);
  if (body.conversationId !== conversationId) {
    throw new DecryptionError(`this message belongs to conversation '${text(body.conversationId)}', not '${conversationId}': it was copied here`);
  }
  if (body.sender !== sender) throw new DecryptionError(`this message is from '${text(body.sender)}', not from '${sender}'`);
  const sequence = Number(body.sequence);
  const opened = await openData(key, sealed, messageContext(conversationId, sender, sequence));
  let written: string;
  try {
    written = fromUtf8(opened);
  } catch {
    throw new FormatError("the message opened but is not UTF-8 text");
  }
  return { conversationId, sender, sequence, sentAt: text(body.sentAt), text: written, epoch: typeof sealed.epoch === "number" ? sealed.epoch : null };
}

const BODY_FIELDS = { conversationId: "string", sender: "string", sequence: "integer", sentAt: "string", sealed: "object" } as const;

function requireShape(body: JsonObject): JsonObject {
  const names = Object.keys(body).sort();
  if (names.join() !== Object.keys(BODY_FIELDS).sort().join()) {
    throw new FormatError(`message: the body has fields ${names.join(", ")}; expected ${Object.keys(BODY_FIELDS).sort().join(", ")}`);
  }
  for (const [name, kind] of Object.entries(BODY_FIELDS)) {
    const value = body[name];
    const matches = kind === "integer" ? Number.isSafeInteger(value) : kind === "object" ? isJsonObject(value) : typeof value === kind;
    if (!matches) throw new FormatError(`message: body.${name} must be ${kind === "string" ? "str" : kind === "integer" ? "int" : "dict"}`);
  }
  if (Number(body.sequence) < 0) throw new FormatError("message: body.sequence must not be negative");
  return body.sealed as JsonObject;
}
