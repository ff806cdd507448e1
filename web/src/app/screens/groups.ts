/**
 * A group conversation: its members (the admin adds, with or without the history, and removes: a new key), an
 * invitation to accept, the messages from every member's cloud opened here, and the composer. And the form that
 * makes a group.
 */

import type { JsonObject } from "../../crypto/index";
import type { Line } from "../chat";
import { field, h, show, valueOf } from "../dom";
import type { GroupView, Groups } from "../groups";
import { text } from "../http";
import { t } from "../i18n";
import type { Session } from "../session";
import { composer, messageList, showLine } from "./messages";

/** What the conversation list lends an open group. */
export interface GroupHost {
  session: Session;
  groups: Groups;
  pane: HTMLElement;
  error: HTMLElement;
  /** Run `work`, saying plainly what went wrong if it does. */
  act(work: Promise<void>): void;
  /** The group changed (accepted, a member added or removed): the list is shown again, and the group. */
  changed(groupId: string): Promise<void>;
  canSend: boolean;
}

/** An open group: what arrives for it in the inbox is fetched from the sender's cloud and shown. */
export class GroupConversation {
  readonly list = messageList();
  private readonly last = new Map<string, number>();
  /** The group as checked when it was opened, and again when it changed. */
  private view: Promise<GroupView>;
  /** Done once the group is checked, shown and read. */
  readonly loaded: Promise<void>;

  /** On screen from now: what arrives while it is read waits for the check, and is shown once. */
  constructor(
    private readonly host: GroupHost,
    readonly conversationId: string,
    invited: boolean,
    /** Opened as a group one was removed from, with the name the list showed (the platform serves its sealed names
     * to members only). */
    readonly former = false,
    private readonly knownName: string | null = null,
  ) {
    this.view = host.groups.view(conversationId);
    this.loaded = this.load(invited);
  }

  private async load(invited: boolean): Promise<void> {
    const view = await this.view;
    this.render(view, invited);
    const read = await this.host.groups.read(view);
    if (read.lines.length === 0 && this.list.children.length === 0) this.list.append(h("li", { class: "hint" }, t("chat.empty")));
    for (const line of read.lines) this.show(line);
    if (read.unanswered.length > 0) this.host.error.textContent = t("group.unanswered", { imtags: read.unanswered.join(", ") });
  }

  /** `sender` posted: their new messages, from their cloud. */
  async arrived(sender: string): Promise<void> {
    if (sender === this.host.session.userId) return;
    const { groups } = this.host;
    let view = await this.view;
    if (!view.tags.has(sender)) view = await this.rekeyed();
    const after = this.last.get(sender) ?? 0;
    let lines = await groups.after(view, sender, after);
    if (lines.some((line) => line.refused !== null)) {
      // Perhaps a key this browser has not taken up yet (the news of a new epoch may come after its first message).
      lines = await groups.after(await this.rekeyed(), sender, after);
    }
    for (const line of lines) this.show(line);
  }

  /** The group changed (a new epoch, a new member): checked again before anything more is opened or sealed. */
  rekeyed(): Promise<GroupView> {
    this.view = this.host.groups.view(this.conversationId);
    return this.view;
  }

  private show(line: Line): void {
    this.last.set(line.senderId, Math.max(this.last.get(line.senderId) ?? 0, line.sequence));
    showLine(this.list, line, this.host.session);
  }

  private render(view: GroupView, invited: boolean): void {
    const { groups, session } = this.host;
    const name = view.name ?? this.knownName ?? t("group.unnamed");
    if (!view.member) {
      show(this.host.pane, h("h2", { id: "conversation-heading" }, t("group.heading", { name })), h("p", { class: "hint" }, t("group.formerExplain")), this.list);
      return;
    }
    const isAdmin = view.admin === session.userId;
    const members = h(
      "ul",
      { class: "members" },
      ...[view.admin, ...view.members.filter((member) => member !== view.admin).sort((one, other) => groups.tag(view, one).localeCompare(groups.tag(view, other)))].map((member) => {
        const tag = groups.tag(view, member);
        const label = member === view.admin ? t("group.admin", { imtag: tag }) : tag;
        return h("li", {}, h("span", {}, label), isAdmin && member !== session.userId ? this.removeButton(member, tag) : null);
      }),
    );
    const send = composer(
      this.host.canSend,
      (typed) => groups.send(view.groupId, typed),
      (line) => { this.show(line); },
      this.host.error,
    );
    show(
      this.host.pane,
      h("h2", { id: "conversation-heading" }, t("group.heading", { name })),
      invited ? this.invitation(groups.tag(view, view.admin)) : null,
      h("details", { class: "group-members" }, h("summary", {}, t("group.members", { n: view.members.length })), members, isAdmin ? this.addForm() : null),
      this.list,
      send,
    );
  }

  private invitation(admin: string): HTMLElement {
    const accept = h("button", { type: "button", class: "primary" }, t("group.accept"));
    accept.addEventListener("click", () => {
      this.host.act(this.host.groups.accept(this.conversationId).then(() => this.host.changed(this.conversationId)));
    });
    return h("div", { class: "invitation", role: "region", "aria-label": t("group.invitationLabel") }, h("p", {}, t("group.invited", { imtag: admin })), accept);
  }

  /** Removing someone asks once more: it makes a new key for everyone who stays. */
  private removeButton(member: string, tag: string): HTMLElement {
    const button = h("button", { type: "button", class: "link" }, t("group.remove", { imtag: tag }));
    button.addEventListener("click", () => {
      if (button.dataset.confirm !== "yes") {
        button.dataset.confirm = "yes";
        button.textContent = t("group.confirmRemove", { imtag: tag });
        return;
      }
      button.disabled = true;
      this.host.act(this.host.groups.remove(this.conversationId, member).then(() => this.host.changed(this.conversationId)));
    });
    return button;
  }

  private addForm(): HTMLElement {
    const form = h(
      "form",
      { class: "add-member", novalidate: true },
      field("group-add", t("group.add"), { autocomplete: "off" }),
      h("div", { class: "check" }, h("input", { type: "checkbox", id: "group-history", name: "group-history" }), h("label", { for: "group-history" }, t("group.withHistory"))),
      h("button", { type: "submit" }, t("group.addSubmit")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const imtag = valueOf(form, "group-add").trim();
      const history = form.elements.namedItem("group-history");
      if (!imtag) return;
      const withHistory = history instanceof HTMLInputElement && history.checked;
      this.host.act(this.host.groups.add(this.conversationId, imtag, withHistory).then(() => this.host.changed(this.conversationId)));
    });
    return form;
  }
}

/** The form that makes a group: its name (sealed here) and which connections are in it. */
export function newGroupForm(host: GroupHost, connected: JsonObject[]): void {
  const form = h(
    "form",
    { class: "new-group", novalidate: true },
    field("group-name", t("group.name"), { autocomplete: "off" }),
    h(
      "fieldset",
      {},
      h("legend", {}, t("group.pickMembers")),
      ...connected.map((connection, index) => {
        const id = `member-${index}`;
        const imtag = text(connection, "iMTag");
        return h("div", { class: "check" }, h("input", { type: "checkbox", id, name: "member", value: imtag }), h("label", { for: id }, imtag));
      }),
    ),
    h("button", { type: "submit", class: "primary" }, t("group.create")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = valueOf(form, "group-name").trim();
    const chosen = [...form.querySelectorAll<HTMLInputElement>("input[name=member]:checked")].map((box) => box.value);
    if (!name || chosen.length === 0) {
      host.error.textContent = t("group.incomplete");
      return;
    }
    host.act(host.groups.create(name, chosen).then((groupId) => host.changed(groupId)));
  });
  show(host.pane, h("h2", { id: "conversation-heading" }, t("group.new")), connected.length === 0 ? h("p", { class: "hint" }, t("main.noConversations")) : form);
}
