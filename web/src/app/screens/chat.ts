/**
 * iMChat: the conversation list (connections, with what arrived unread), a conversation, sending. New messages
 * appear without a reload: the inbox is polled with a cursor every POLL_MS, and a message entry for the open
 * conversation fetches that sender's new messages from their cloud and opens them here.
 */

import type { JsonObject } from "../../crypto/index";
import { Chat, type Line } from "../chat";
import { append, field, h, show, valueOf } from "../dom";
import { objects, text } from "../http";
import { t } from "../i18n";
import { InboxCursor, isRequest } from "../inbox";
import type { Session } from "../session";
import { UntrustedPeer, acceptNewKey, codeWith, lookUp, type Peer } from "../trust";
import { describe } from "./errors";
import { filesScreen } from "./files";
import { qrCode } from "../qr";

const POLL_MS = 700;
// Connection requests ring no doorbell: the list is asked for again every this many polls.
const CONNECTIONS_EVERY = 8;

interface Conversation {
  peer: Peer;
  list: HTMLOListElement;
  lastPeerSequence: number;
}

export class ChatScreen {
  private readonly chat: Chat;
  private readonly inbox: InboxCursor;
  private readonly unread = new Map<string, number>();
  /** Strangers who wrote, by user id: their iMTag. Listed apart; their cloud is reached only when the person asks. */
  private readonly strangers = new Map<string, string>();
  private readonly nav = h("nav", { "aria-labelledby": "conversations-heading", class: "conversations" });
  private readonly pane = h("section", { class: "conversation", "aria-label": t("main.pick") });
  private readonly error = h("p", { class: "error", role: "alert" });
  private connections: JsonObject[] = [];
  private open: Conversation | null = null;
  private timer: number | undefined;
  private stopped = false;
  private polls = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly session: Session,
  ) {
    this.chat = new Chat(session);
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
      if (this.noteStranger(entry)) connectionsChanged = true;
      if (entry.kind !== "message" || isRequest(entry)) continue;
      const conversationId = text(entry, "conversationId");
      const sender = text(entry, "senderId");
      notifyInBackground(text(entry, "senderTag"), conversationId);
      if (this.open && this.open.peer.userId === sender && (await this.chat.conversationId(this.open.peer)) === conversationId) {
        await this.fetchNew(this.open);
      } else {
        this.unread.set(sender, (this.unread.get(sender) ?? 0) + 1);
        connectionsChanged = true;
      }
    }
    if (connectionsChanged) await this.refreshConnections();
  }

  private noteStranger(entry: JsonObject): boolean {
    if (entry.kind !== "message" || !isRequest(entry)) return false;
    this.strangers.set(text(entry, "senderId"), text(entry, "senderTag"));
    return true;
  }

  private async fetchNew(conversation: Conversation): Promise<void> {
    const lines = await this.chat.after(conversation.peer, conversation.lastPeerSequence);
    for (const line of lines) this.addLine(conversation, line);
  }

  private async refreshConnections(): Promise<void> {
    this.connections = objects(await this.session.platform("GET", "/connections"), "connections");
    const connected = this.connections.filter((connection) => connection.status === "connected");
    const incoming = this.connections.filter((connection) => connection.status === "incoming");
    const outgoing = this.connections.filter((connection) => connection.status !== "connected" && connection.status !== "incoming");
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
    const current = this.open?.peer.userId === connection.peerId;
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
    const list = h("ol", { class: "messages", "aria-label": t("chat.messages"), "aria-live": "polite", tabindex: "0", "data-testid": "messages" });
    const conversation: Conversation = { peer, list, lastPeerSequence: 0 };
    this.open = conversation;
    this.unread.delete(peer.userId);
    const mine = await this.chat.ownCloud();
    const compose = h("textarea", { id: "compose", name: "compose", rows: "2", "aria-describedby": "compose-hint", disabled: mine === null });
    const send = h("button", { type: "submit", class: "primary", disabled: mine === null }, t("chat.send"));
    const form = h(
      "form",
      { class: "composer", novalidate: true },
      h("label", { for: "compose" }, t("chat.compose")),
      compose,
      h("p", { id: "compose-hint", class: "hint" }, mine === null ? t("chat.noCloud") : t("chat.composeHint")),
      send,
    );
    const submit = (): void => {
      const typed = compose.value;
      if (!typed.trim()) return;
      send.disabled = true;
      this.chat.send(peer, typed).then(
        (line) => {
          compose.value = "";
          send.disabled = false;
          this.addLine(conversation, line);
          compose.focus();
        },
        (failure: unknown) => {
          send.disabled = false;
          this.error.textContent = describe(failure);
        },
      );
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
    });
    compose.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    const code = codeWith(this.session, peer);
    const safety = h(
      "details",
      { class: "safety" },
      h("summary", {}, t("chat.safetyCode", { imtag: peer.imtag })),
      h("p", {}, t("chat.safetyExplain", { imtag: peer.imtag })),
      h("p", { class: "code", "data-testid": "safety-code" }, code),
      h("div", { class: "qr-box", "data-testid": "safety-code-qr" }, qrCode(code, t("chat.safetyQr", { imtag: peer.imtag }))),
    );
    show(this.pane, h("h2", { id: "conversation-heading" }, t("chat.with", { imtag: peer.imtag })), safety, list, form);
    this.pane.setAttribute("aria-labelledby", "conversation-heading");
    this.pane.removeAttribute("aria-label");
    const lines = await this.chat.read(peer);
    if (lines.length === 0) list.append(h("li", { class: "hint" }, t("chat.empty")));
    for (const line of lines) this.addLine(conversation, line);
    await this.refreshConnections();
    compose.focus();
  }

  private addLine(conversation: Conversation, line: Line): void {
    if (this.open !== conversation) return;
    const mine = line.senderId === this.session.userId;
    if (!mine) conversation.lastPeerSequence = Math.max(conversation.lastPeerSequence, line.sequence);
    conversation.list.querySelector("li.hint")?.remove();
    const when = line.sentAt ? new Date(line.sentAt) : null;
    append(
      conversation.list,
      h(
        "li",
        { class: `message ${mine ? "mine" : "theirs"}${line.refused === null ? "" : " refused"}`, "data-sequence": String(line.sequence) },
        h("span", { class: "sender" }, mine ? t("chat.you") : line.sender),
        when ? h("time", { datetime: line.sentAt }, when.toLocaleTimeString()) : null,
        line.refused === null ? h("p", { class: "text" }, line.text ?? "") : h("p", { class: "text" }, t("chat.refused", { reason: line.refused })),
      ),
    );
    conversation.list.lastElementChild?.scrollIntoView({ block: "end" });
  }
}

/** A browser notification for a message while the tab is in the background: who, never what (the inbox's metadata). */
function notifyInBackground(imtag: string, conversationId: string): void {
  if (document.visibilityState !== "hidden" || !("Notification" in window) || Notification.permission !== "granted") return;
  new Notification(t("notify.title"), { body: t("notify.message", { imtag }), tag: conversationId });
}
