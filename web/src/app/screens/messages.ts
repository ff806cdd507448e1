/** What a 1:1 and a group conversation share: the list of messages (a refused one never as text) and the composer. */

import type { Line } from "../chat";
import { append, h } from "../dom";
import { t } from "../i18n";
import type { Session } from "../session";
import { describe } from "./errors";

export function messageList(): HTMLOListElement {
  return h("ol", { class: "messages", "aria-label": t("chat.messages"), "aria-live": "polite", tabindex: "0", "data-testid": "messages" });
}

/** Show `line` at the end of `list`: its text, or that it was refused and why. */
export function showLine(list: HTMLOListElement, line: Line, session: Session): void {
  const mine = line.senderId === session.userId;
  // A message fetched twice (it arrived while the conversation was being read) is shown once.
  const place = `${line.senderId}#${line.sequence}`;
  if ([...list.children].some((item) => item instanceof HTMLElement && item.dataset.place === place)) return;
  list.querySelector("li.hint")?.remove();
  const when = line.sentAt ? new Date(line.sentAt) : null;
  append(
    list,
    h(
      "li",
      { class: `message ${mine ? "mine" : "theirs"}${line.refused === null ? "" : " refused"}`, "data-sequence": String(line.sequence), "data-place": place },
      h("span", { class: "sender" }, mine ? t("chat.you") : line.sender),
      when && !Number.isNaN(when.getTime()) ? h("time", { datetime: line.sentAt }, when.toLocaleTimeString()) : null,
      line.refused === null ? h("p", { class: "text" }, line.text ?? "") : h("p", { class: "text" }, t("chat.refused", { reason: line.refused })),
    ),
  );
  list.lastElementChild?.scrollIntoView({ block: "end" });
}

/** Enter sends, Shift+Enter starts a new line; `send` resolves to the line sent, which `sent` shows. */
export function composer(canSend: boolean, send: (text: string) => Promise<Line>, sent: (line: Line) => void, error: HTMLElement): HTMLFormElement {
  const compose = h("textarea", { id: "compose", name: "compose", rows: "2", "aria-describedby": "compose-hint", disabled: !canSend });
  const button = h("button", { type: "submit", class: "primary", disabled: !canSend }, t("chat.send"));
  const form = h(
    "form",
    { class: "composer", novalidate: true },
    h("label", { for: "compose" }, t("chat.compose")),
    compose,
    h("p", { id: "compose-hint", class: "hint" }, canSend ? t("chat.composeHint") : t("chat.noCloud")),
    button,
  );
  const submit = (): void => {
    const typed = compose.value;
    if (!typed.trim()) return;
    button.disabled = true;
    send(typed).then(
      (line) => {
        compose.value = "";
        button.disabled = false;
        sent(line);
        compose.focus();
      },
      (failure: unknown) => {
        button.disabled = false;
        error.textContent = describe(failure);
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
  return form;
}
