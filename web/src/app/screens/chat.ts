/**
 * iMChat: the conversation list (connections and groups, with what arrived unread), a conversation, sending. New
 * messages appear without a reload: the inbox is polled with a cursor every POLL_MS, and a message entry for the open
 * conversation fetches that sender's new messages from their cloud and opens them here.
 */

import type { JsonObject } from "../../crypto/index";
import { Chat, type Line } from "../chat";
import { field, h, show, valueOf } from "../dom";
import { Groups, type GroupSummary } from "../groups";
import { objects, text } from "../http";
import { t } from "../i18n";
import { InboxCursor, isRequest } from "../inbox";
import type { Session } from "../session";
import { UntrustedPeer, acceptNewKey, codeWith, lookUp, type Peer } from "../trust";
import { describe } from "./errors";
import { filesScreen } from "./files";
import { qrCode } from "../qr";
import { GroupConversation, newGroupForm, type GroupHost } from "./groups";
import { composer, messageList, showLine } from "./messages";

const POLL_MS = 700;
// Connection requests ring no doorbell: the list is asked for again every this many polls.
const CONNECTIONS_EVERY = 8;

/** The conversation on screen: a 1:1 or a group. */
interface Open {
  conversationId: string;
  /** `sender` posted to it: fetch and show what is new. */
  arrived(sender: string): Promise<void>;
  /** A group's new epoch. */
  rekeyed?(): Promise<unknown>;
}

/** A 1:1 conversation on screen. */
class Direct implements Open {
  readonly list = messageList();
  private lastPeerSequence = 0;

  constructor(
    readonly conversationId: string,
    readonly peer: Peer,
    private readonly chat: Chat,
    private readonly session: Session,
  ) {}

  async arrived(sender: string): Promise<void> {
    if (sender !== this.peer.userId) return;
    for (const line of await this.chat.after(this.peer, this.lastPeerSequence)) this.show(line);
  }

  show(line: Line): void {
    if (line.senderId !== this.session.userId) this.lastPeerSequence = Math.max(this.lastPeerSequence, line.sequence);
    showLine(this.list, line, this.session);
  }
}

/** A group's name as last checked here, and the roster version and epoch it was checked at ("" to check again). */
interface GroupName {
  checkedAt: string;
  name: string;
}

export class ChatScreen {
  private readonly chat: Chat;
  private readonly groups: Groups;
  private readonly inbox: InboxCursor;
  /** By the peer's user id for a 1:1, by the group's id for a group. */
  private readonly unread = new Map<string, number>();
  private readonly groupNames = new Map<string, GroupName>();
  private groupList: GroupSummary[] = [];
  /** Strangers who wrote, by user id: their iMTag. Listed apart; their cloud is reached only when the person asks. */
  private readonly strangers = new Map<string, string>();
  private readonly nav = h("nav", { "aria-labelledby": "conversations-heading", class: "conversations" });
  private readonly pane = h("section", { class: "conversation", "aria-label": t("main.pick") });
  private readonly error = h("p", { class: "error", role: "alert" });
  private connections: JsonObject[] = [];
  private open: Open | null = null;
  private timer: number | undefined;
  private stopped = false;
  private polls = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Session,
  ) {
    this.chat = new Chat(session);
    this.groups = new Groups(session, this.chat);
    this.inbox = new InboxCursor(session);
  }

  async start(): Promise<void> {
    show(this.root, h("div", { class: "layout" }, this.nav, this.pane), this.error);
    show(this.pane, h("p", { class: "hint" }, t("main.pick")));
    for (const entry of await this.inbox.start()) this.noteStranger(entry);
    await this.refreshConnections();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = window.setTimeout(() => {
      this.poll().then(
        () => { this.schedule(); },
        (failure: unknown) => {
          this.error.textContent = describe(failure);
          this.schedule();
        },
      );
    }, POLL_MS);
  }

  private async poll(): Promise<void> {
    const entries = await this.inbox.fresh();
    let connectionsChanged = ++this.polls % CONNECTIONS_EVERY === 0;
    for (const entry of entries) {
      if (entry.kind === "group-key") {
        connectionsChanged = true;
        const open = this.open;
        if (open && open.conversationId === entry.conversationId && open.rekeyed) await open.rekeyed();
        continue;
      }
      if (this.noteStranger(entry)) connectionsChanged = true;
      if (entry.kind !== "message") continue;
      const conversationId = text(entry, "conversationId");
      const group = isGroup(conversationId);
      // A stranger's message is listed by sender, unopened; a group invitation's, counted on the invitation.
      if (isRequest(entry) && !group) continue;
      const sender = text(entry, "senderId");
      if (!isRequest(entry)) notifyInBackground(text(entry, "senderTag"), conversationId);
      if (this.open?.conversationId === conversationId) {
        await this.open.arrived(sender);
      } else {
        const key = group ? conversationId : sender;
        this.unread.set(key, (this.unread.get(key) ?? 0) + 1);
        connectionsChanged = true;
      }
    }
    if (connectionsChanged) await this.refreshConnections();
  }

  private noteStranger(entry: JsonObject): boolean {
    if (entry.kind !== "message" || !isRequest(entry) || isGroup(text(entry, "conversationId"))) return false;
    this.strangers.set(text(entry, "senderId"), text(entry, "senderTag"));
    return true;
  }

  private async refreshConnections(): Promise<void> {
    this.connections = objects(await this.session.platform("GET", "/connections"), "connections");
    await this.refreshGroups();
    const connected = this.connections.filter((connection) => connection.status === "connected");
    const incoming = this.connections.filter((connection) => connection.status === "incoming");
    const outgoing = this.connections.filter((connection) => connection.status === "outgoing");
    // Connections who deleted their account: the platform keeps a line saying so, as long as their iMTag is held.
    const left = this.connections.filter((connection) => connection.status === "left");
    const known = new Set(connected.map((connection) => connection.peerId));
    const strangers = [...this.strangers].filter(([userId]) => !known.has(userId)).map(([, imtag]) => imtag);
    const find = h("form", { class: "find", novalidate: true }, field("find-imtag", t("main.find"), { autocomplete: "off" }), h("button", { type: "submit" }, t("main.connect")));
    find.addEventListener("submit", (event) => {
      event.preventDefault();
      const imtag = valueOf(find, "find-imtag").trim();
      if (imtag) this.act(this.connect(imtag));
    });
    show(
      this.nav,
      h("h2", { id: "conversations-heading" }, t("main.conversations")),
      connected.length === 0 ? h("p", { class: "hint" }, t("main.noConversations")) : null,
      h("ul", { class: "people" }, ...connected.map((connection) => this.conversationItem(connection))),
      incoming.length > 0 ? h("h3", {}, t("main.requests")) : null,
      incoming.length > 0 ? h("ul", { class: "people" }, ...incoming.map((connection) => this.requestItem(connection))) : null,
      strangers.length > 0 ? h("h3", {}, t("main.messageRequests")) : null,
      strangers.length > 0 ? h("ul", { class: "people" }, ...strangers.map((imtag) => this.strangerItem(imtag))) : null,
      outgoing.length > 0 ? h("ul", { class: "people waiting" }, ...outgoing.map((connection) => h("li", {}, t("main.waiting", { imtag: text(connection, "iMTag") })))) : null,
      left.length > 0 ? h("ul", { class: "people left" }, ...left.map((connection) => h("li", {}, t("main.left", { imtag: text(connection, "iMTag"), day: text(connection, "since").slice(0, 10) })))) : null,
      ...this.groupSections(connected),
      find,
      this.filesButton(),
      this.notificationsButton(),
    );
  }

  /** The browser's notifications, asked for only when the person chooses to (never on its own at sign-in). */
  private notificationsButton(): HTMLElement | null {
    if (!("Notification" in window) || Notification.permission !== "default") return null;
    const button = h("button", { type: "button", class: "files-button" }, t("notify.enable"));
    button.addEventListener("click", () => {
      void Notification.requestPermission().then(() => { button.remove(); });
    });
    return button;
  }

  private filesButton(): HTMLElement {
    const button = h("button", { type: "button", class: "files-button" }, t("files.open"));
    button.addEventListener("click", () => {
      this.open = null;
      this.act(
        this.chat.ownCloudAddress().then((url) => filesScreen(this.pane, this.session, url)),
      );
    });
    return button;
  }

  private conversationItem(connection: JsonObject): HTMLElement {
    const imtag = text(connection, "iMTag");
    const count = this.unread.get(text(connection, "peerId")) ?? 0;
    const current = this.open instanceof Direct && this.open.peer.userId === connection.peerId;
    const button = h(
      "button",
      { type: "button", class: "person", "aria-current": current ? "true" : undefined },
      h("span", { class: "name" }, imtag),
      count > 0 ? h("span", { class: "badge" }, t("main.unread", { n: count })) : null,
    );
    button.addEventListener("click", () => { this.act(this.openConversation(imtag)); });
    return h("li", {}, button);
  }

  private strangerItem(imtag: string): HTMLElement {
    const button = h("button", { type: "button" }, t("main.readRequest", { imtag }));
    button.addEventListener("click", () => { this.act(this.openConversation(imtag)); });
    return h("li", {}, button);
  }

  /** A peer's key changed: said plainly, nothing sent, until the two compare the new safety code and it matches. */
  private keyChanged(refusal: UntrustedPeer, code: string): void {
    this.open = null;
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { novalidate: true },
      field("typed-code", t("warning.typed"), { inputmode: "numeric", autocomplete: "off" }),
      h("button", { type: "submit" }, t("warning.accept")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      acceptNewKey(this.session, refusal.imtag, valueOf(form, "typed-code")).then(
        () => { this.act(this.openConversation(refusal.imtag)); },
        (failure: unknown) => { error.textContent = failure instanceof UntrustedPeer ? t("warning.mismatch") : describe(failure); },
      );
    });
    show(
      this.pane,
      h("h2", { id: "conversation-heading", class: "warning" }, t("warning.heading", { imtag: refusal.imtag })),
      h("p", {}, t("warning.explain", { imtag: refusal.imtag })),
      h("p", {}, t("warning.compare", { imtag: refusal.imtag })),
      h("p", { class: "code", "data-testid": "changed-safety-code" }, code),
      form,
      error,
    );
  }

  private requestItem(connection: JsonObject): HTMLElement {
    const imtag = text(connection, "iMTag");
    const peerId = encodeURIComponent(text(connection, "peerId"));
    const accept = h("button", { type: "button" }, t("main.accept", { imtag }));
    accept.addEventListener("click", () => {
      this.act(
        lookUp(this.session, imtag).then(async (peer) => {
          await this.session.platform("POST", `/connections/${encodeURIComponent(peer.userId)}/accept`);
          await this.refreshConnections();
        }),
      );
    });
    // Saying no needs no trust in the directory's keys: only the user id.
    const decline = h("button", { type: "button" }, t("main.decline", { imtag }));
    decline.addEventListener("click", () => {
      this.act(this.session.platform("POST", `/connections/${peerId}/decline`).then(() => this.refreshConnections()));
    });
    return h("li", { class: "request" }, accept, decline);
  }

  private async connect(imtag: string): Promise<void> {
    const peer = await lookUp(this.session, imtag);
    await this.session.platform("POST", "/connections", { iMTag: peer.imtag });
    this.error.textContent = t("main.connected", { imtag: peer.imtag });
    await this.refreshConnections();
  }

  private act(work: Promise<void>): void {
    this.error.textContent = "";
    work.catch((failure: unknown) => {
      if (failure instanceof UntrustedPeer && failure.changedCode !== null) this.keyChanged(failure, failure.changedCode);
      else this.error.textContent = describe(failure);
    });
  }

  private async openConversation(imtag: string): Promise<void> {
    const peer = await lookUp(this.session, imtag);
    const conversation = new Direct(await this.chat.conversationId(peer), peer, this.chat, this.session);
    this.open = conversation;
    this.unread.delete(peer.userId);
    const mine = await this.chat.ownCloud();
    const send = composer(mine !== null, (typed) => this.chat.send(peer, typed), (line) => { if (this.open === conversation) conversation.show(line); }, this.error);
    show(this.pane, h("h2", { id: "conversation-heading" }, t("chat.with", { imtag: peer.imtag })), this.safety(peer), conversation.list, send);
    this.pane.setAttribute("aria-labelledby", "conversation-heading");
    this.pane.removeAttribute("aria-label");
    const lines = await this.chat.read(peer);
    if (lines.length === 0) conversation.list.append(h("li", { class: "hint" }, t("chat.empty")));
    for (const line of lines) if (this.open === conversation) conversation.show(line);
    await this.refreshConnections();
    send.querySelector("textarea")?.focus();
  }

  /** The safety code to compare; once the two read the same digits, the person marks this very key verified. */
  private safety(peer: Peer): HTMLElement {
    const code = codeWith(this.session, peer);
    const error = h("p", { class: "error", role: "alert" });
    const form = h(
      "form",
      { class: "verify", novalidate: true },
      field("verify-code", t("verify.typed", { imtag: peer.imtag }), { inputmode: "numeric", autocomplete: "off" }),
      h("button", { type: "submit" }, t("verify.submit")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      acceptNewKey(this.session, peer.imtag, valueOf(form, "verify-code")).then(
        () => { this.act(this.openConversation(peer.imtag)); },
        (failure: unknown) => { error.textContent = failure instanceof UntrustedPeer ? t("verify.mismatch") : describe(failure); },
      );
    });
    return h(
      "details",
      { class: "safety" },
      h("summary", {}, peer.verified ? t("verify.verified", { imtag: peer.imtag }) : t("chat.safetyCode", { imtag: peer.imtag })),
      h("p", {}, t("chat.safetyExplain", { imtag: peer.imtag })),
      h("p", { class: "code", "data-testid": "safety-code" }, code),
      h("div", { class: "qr-box", "data-testid": "safety-code-qr" }, qrCode(code, t("chat.safetyQr", { imtag: peer.imtag }))),
      peer.verified ? null : form,
      error,
    );
  }

  // --- groups --------------------------------------------------------------------------------------

  /** GET /groups, and each group's name as checked here (again only when its roster or epoch moved). */
  private async refreshGroups(): Promise<void> {
    this.groupList = await this.groups.list();
    const open = this.open;
    if (open instanceof GroupConversation && !open.former && !this.groupList.some((group) => group.groupId === open.conversationId)) {
      // Removed from the open group: nothing said after is theirs to read, and the pane says so; what they had, their
      // own cloud kept, and they may read it again.
      this.open = null;
      const readKept = h("button", { type: "button" }, t("group.readKept"));
      readKept.addEventListener("click", () => { this.act(this.openGroup(open.conversationId, true)); });
      show(this.pane, h("h2", { id: "conversation-heading" }, t("group.removed")), h("p", { class: "hint" }, t("group.removedExplain")), readKept);
    }
    for (const group of this.groupList) {
      const checkedAt = `${group.rosterVersion}:${group.epoch}`;
      if (this.groupNames.get(group.groupId)?.checkedAt === checkedAt) continue;
      // One that does not check out now is checked again next time (opening it says why).
      this.groupNames.set(
        group.groupId,
        await this.groups.view(group.groupId).then(
          (view) => ({ checkedAt, name: view.name ?? t("group.unnamed") }),
          () => ({ checkedAt: "", name: t("group.unchecked") }),
        ),
      );
    }
  }

  private groupSections(connected: JsonObject[]): (HTMLElement | null)[] {
    const joined = this.groupList.filter((group) => !group.invited);
    const invited = this.groupList.filter((group) => group.invited);
    const create = h("button", { type: "button", class: "files-button" }, t("group.new"));
    create.addEventListener("click", () => {
      this.open = null;
      newGroupForm(this.groupHost(), connected.filter((connection) => connection.status === "connected"));
    });
    return [
      h("h3", {}, t("main.groups")),
      joined.length === 0 ? h("p", { class: "hint" }, t("main.noGroups")) : h("ul", { class: "people" }, ...joined.map((group) => this.groupItem(group))),
      create,
      invited.length > 0 ? h("h3", {}, t("main.groupInvitations")) : null,
      invited.length > 0 ? h("ul", { class: "people" }, ...invited.map((group) => this.groupItem(group))) : null,
    ];
  }

  private groupItem(group: GroupSummary): HTMLElement {
    const name = this.groupNames.get(group.groupId)?.name ?? t("group.unnamed");
    const count = this.unread.get(group.groupId) ?? 0;
    const button = h(
      "button",
      { type: "button", class: "person", "aria-current": this.open?.conversationId === group.groupId ? "true" : undefined },
      h("span", { class: "name" }, group.invited ? t("main.readInvitation", { name }) : name),
      count > 0 ? h("span", { class: "badge" }, t("main.unread", { n: count })) : null,
    );
    button.addEventListener("click", () => { this.act(this.openGroup(group.groupId)); });
    return h("li", {}, button);
  }

  private groupHost(): GroupHost {
    return {
      session: this.session,
      groups: this.groups,
      pane: this.pane,
      error: this.error,
      act: (work) => { this.act(work); },
      changed: async (groupId) => {
        this.groupNames.delete(groupId);
        await this.refreshConnections();
        await this.openGroup(groupId);
      },
      canSend: true,
    };
  }

  /** Open a group; `former`, one this person was removed from, as their own cloud kept it. */
  private async openGroup(groupId: string, former = false): Promise<void> {
    this.open = null;
    this.unread.delete(groupId);
    const host = { ...this.groupHost(), canSend: (await this.chat.ownCloud()) !== null };
    const invited = this.groupList.some((group) => group.groupId === groupId && group.invited);
    show(this.pane, h("p", { class: "status" }, t("app.loading")));
    const conversation = new GroupConversation(host, groupId, invited, former, this.groupNames.get(groupId)?.name ?? null);
    this.open = conversation;
    try {
      await conversation.loaded;
    } catch (failure) {
      // A group that does not check out (a roster not the admin's, a ghost member, a key copy nobody vouches for)
      // shows nothing of itself and offers nothing to send.
      if (this.open !== conversation) return;
      this.open = null;
      show(this.pane, h("h2", { id: "conversation-heading", class: "warning" }, t("group.refused")), h("p", { class: "error", role: "alert" }, describe(failure)));
    }
    this.pane.setAttribute("aria-labelledby", "conversation-heading");
    this.pane.removeAttribute("aria-label");
    await this.refreshConnections();
  }
}

function isGroup(conversationId: string): boolean {
  return conversationId.startsWith("grp-");
}

/** A browser notification for a message while the tab is in the background: who, never what (the inbox's metadata). */
function notifyInBackground(imtag: string, conversationId: string): void {
  if (document.visibilityState !== "hidden" || !("Notification" in window) || Notification.permission !== "granted") return;
  new Notification(t("notify.title"), { body: t("notify.message", { imtag }), tag: conversationId });
}
