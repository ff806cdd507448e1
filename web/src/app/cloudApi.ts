/**
 * A user's cloud as the files client calls it (client/imegha/files_api.py): storage and audit (the owner's),
 * sharing (the owner's and recipients'), each request with this person's token for that cloud alone. The cloud
 * decides what the caller may do.
 */

import type { JsonObject } from "../crypto/index";
import { callJson, objects } from "./http";
import type { Session } from "./session";

/** `/a/b/c` from path segments, each percent-encoded whole. */
export function path(...segments: string[]): string {
  return "/" + segments.map((segment) => encodeURIComponent(segment)).join("/");
}

export class CloudApi {
  constructor(
    private readonly session: Session,
    readonly baseUrl: string,
    /** Whose cloud it is: the token is asked for that cloud. */
    readonly ownerId: string,
  ) {}

  /** The route's answer; `query`'s undefined values are left out. */
  async call(method: string, route: string, body?: JsonObject, query: Record<string, string | number | undefined> = {}): Promise<JsonObject> {
    const given = Object.entries(query).filter((pair): pair is [string, string | number] => pair[1] !== undefined);
    const search = given.length > 0 ? "?" + new URLSearchParams(given.map(([name, value]) => [name, String(value)])).toString() : "";
    const token = await this.session.cloudToken(this.ownerId);
    return callJson(method, this.baseUrl.replace(/\/+$/, "") + route + search, { authorization: `Bearer ${token}`, body });
  }

  /** Every item of the `field` lists of a route paged by `cursor`. */
  async cursorPages(route: string, field: string, query: Record<string, string | number | undefined> = {}): Promise<{ items: JsonObject[]; first: JsonObject }> {
    const items: JsonObject[] = [];
    let cursor: string | undefined;
    let first: JsonObject | null = null;
    do {
      const page = await this.call("GET", route, undefined, { ...query, cursor, limit: 1000 });
      first ??= page;
      items.push(...objects(page, field));
      cursor = typeof page.cursor === "string" ? page.cursor : undefined;
    } while (cursor);
    return { items, first };
  }

  /** Every item of the `field` lists of a route paged by entry (`after`, each page naming the `next`); the last page. */
  async afterPages(route: string, field: string): Promise<{ items: JsonObject[]; last: JsonObject }> {
    const items: JsonObject[] = [];
    let after = 0;
    for (;;) {
      const page = await this.call("GET", route, undefined, { after, limit: 1000 });
      items.push(...objects(page, field));
      if (typeof page.next !== "number") return { items, last: page };
      after = page.next;
    }
  }
}

