/**
 * A session that survives a reload: this browser's IndexedDB keeps the signed-in person's non-extractable CryptoKeys
 * (a structured clone of a CryptoKey keeps it non-extractable: script can use it again after a reload, never read
 * it) and what resuming needs beside them: who they are, their public keys, their Cognito tokens.
 *
 * One record, in one database of this origin. It lasts SESSION_HOURS from the moment the password (or the recovery
 * phrase) opened the keys, whatever is done meanwhile; then the next load deletes it and asks for the password.
 * Signing out deletes the database. See the README ("The web app") for why tokens live here and what that costs.
 */

import type { AccountKeys } from "../crypto/index";
import type { Tokens } from "./cognito";

const DATABASE = "imegha";
const STORE = "session";
const RECORD = "current";
export const SESSION_HOURS = 12;

/** What is kept: the keys as CryptoKeys with their public halves' DER, and who and since when. */
export interface KeptSession {
  userId: string;
  email: string;
  imtag: string;
  tokens: Tokens;
  openedAt: number;
  dataKey: CryptoKey;
  exchangeKey: CryptoKey;
  exchangePublic: Uint8Array;
  identityKey: CryptoKey;
  identityPublic: Uint8Array;
}

export function keptKeys(keys: AccountKeys): Pick<KeptSession, "dataKey" | "exchangeKey" | "exchangePublic" | "identityKey" | "identityPublic"> {
  return {
    dataKey: keys.dataKey.aes,
    exchangeKey: keys.exchangeKey.key,
    exchangePublic: keys.exchangeKey.publicKey.der,
    identityKey: keys.identityKey.key,
    identityPublic: keys.identityKey.publicKey.der,
  };
}

function request<T>(asked: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    asked.onsuccess = () => { resolve(asked.result); };
    asked.onerror = () => { reject(asked.error ?? new Error("IndexedDB refused")); };
  });
}

async function database(): Promise<IDBDatabase> {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => { opening.result.createObjectStore(STORE); };
  return request(opening);
}

async function inStore<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  try {
    const transaction = db.transaction(STORE, mode);
    const result = await request(act(transaction.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => { resolve(); };
      transaction.onerror = () => { reject(transaction.error ?? new Error("IndexedDB refused")); };
    });
    return result;
  } finally {
    db.close();
  }
}

/** Keep (or replace) the session. Refused keys (extractable ones) are never kept: they would be readable later. */
export async function keep(session: KeptSession): Promise<void> {
  for (const key of [session.dataKey, session.exchangeKey, session.identityKey]) {
    if (key.extractable) throw new TypeError("an extractable key is not kept");
  }
  await inStore("readwrite", (store) => store.put(session, RECORD));
}

/** The kept session, or null (none, or lapsed: then it is deleted). */
export async function kept(now: number = Date.now()): Promise<KeptSession | null> {
  const found = (await inStore("readonly", (store) => store.get(RECORD))) as KeptSession | undefined;
  if (!found) return null;
  if (now - found.openedAt > SESSION_HOURS * 3_600_000) {
    await forget();
    return null;
  }
  return found;
}

/** Delete everything this app keeps in IndexedDB. */
export async function forget(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const deleting = indexedDB.deleteDatabase(DATABASE);
    deleting.onsuccess = () => { resolve(); };
    deleting.onerror = () => { reject(deleting.error ?? new Error("IndexedDB refused")); };
    // Another tab still holding the database open: the deletion waits for it, and happens.
    deleting.onblocked = () => { resolve(); };
  });
}
