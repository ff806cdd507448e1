/**
 * The inbox, followed with a cursor as `imegha chat watch` does (client/imegha/inbox.py): entries say who sent what
 * where, never content. Entries are ordered by when their event was put on the bus and written a moment later, so
 * each poll asks again from a minute before the newest entry seen and skips what it has seen.
 */

import type { JsonObject } from "../crypto/index";
import { objects, text } from "./http";
import type { Session } from "./session";

const LOOKBACK_MS = 60_000;

export class InboxCursor {
  private seen = new Set<string>();
  private since: string | null = null;

  constructor(private readonly session: Session) {}

  /** Start from now: what is there already is taken as seen, and returned. */
  async start(): Promise<JsonObject[]> {
    const entries = await this.entries(null);
    this.take(entries);
    return entries;
  }

  /** The entries that arrived since the last call. */
  async fresh(): Promise<JsonObject[]> {
    const entries = (await this.entries(this.since)).filter((entry) => !this.seen.has(text(entry, "notificationId")));
    this.take(entries);
    return entries;
  }

  private async entries(after: string | null): Promise<JsonObject[]> {
    const collected: JsonObject[] = [];
    let cursor = after;
    for (;;) {
      const query = new URLSearchParams({ limit: "50", ...(cursor ? { after: cursor } : {}) });
      const page = await this.session.platform("GET", `/notifications?${query.toString()}`);
      collected.push(...objects(page, "notifications"));
      cursor = typeof page.next === "string" ? page.next : cursor;
      if (page.more !== true) return collected;
    }
  }

  private take(entries: JsonObject[]): void {
    for (const entry of entries) this.seen.add(text(entry, "notificationId"));
    if (this.seen.size === 0) return;
    const newest = [...this.seen].sort().at(-1) ?? "";
    const since = new Date(Date.parse(newest.split("#", 1)[0] ?? "") - LOOKBACK_MS).toISOString().replace(/\.\d+Z$/, "Z");
    this.since = since;
    this.seen = new Set([...this.seen].filter((seen) => seen > since));
  }
}

/** A message from someone who is not a connection: listed, never opened unasked. */
export function isRequest(entry: JsonObject): boolean {
  return entry.request === true;
}
