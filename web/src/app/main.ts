/** The web app: sign in or up, then iMChat. Everything is locked and opened in this tab (see ../crypto). */

import { loadConfig } from "./config";
import { h, show } from "./dom";
import { t } from "./i18n";
import { signInScreen } from "./screens/account";
import { ChatScreen } from "./screens/chat";
import { describe } from "./screens/errors";
import type { Session } from "./session";

const header = document.getElementById("header");
const root = document.getElementById("main");

async function boot(): Promise<void> {
  if (!header || !root) return;
  document.title = t("app.title");
  show(root, h("p", { class: "status" }, t("app.loading")));
  const config = await loadConfig();
  const signedOut = (): void => {
    show(header, h("h1", {}, t("app.title")), h("p", { class: "tagline" }, t("app.tagline")));
    signInScreen(root, config, signedIn);
  };
  const signedIn = (session: Session): void => {
    const screen = new ChatScreen(root, session);
    const signOut = h("button", { type: "button" }, t("main.signOut"));
    signOut.addEventListener("click", () => {
      screen.stop();
      void session.signOut().finally(signedOut);
    });
    show(
      header,
      h("h1", {}, t("app.title")),
      h("p", { class: "who" }, t("main.signedInAs", { imtag: session.imtag })),
      h("p", { class: "session-note" }, t("app.session")),
      signOut,
    );
    screen.start().catch((failure: unknown) => { show(root, h("p", { class: "error", role: "alert" }, describe(failure))); });
  };
  signedOut();
}

boot().catch((failure: unknown) => {
  if (root) show(root, h("p", { class: "error", role: "alert" }, describe(failure)));
});
