/** The web app: sign in or up, then iMChat. Everything is locked and opened in this tab (see ../crypto). */

import { loadConfig } from "./config";
import { h, show } from "./dom";
import { t, type TextKey } from "./i18n";
import { signInScreen } from "./screens/account";
import { ChatScreen } from "./screens/chat";
import { CloudScreen } from "./screens/cloud";
import { describe } from "./screens/errors";
import { settingsScreen } from "./screens/settings";
import { Session } from "./session";

const header = document.getElementById("header");
const root = document.getElementById("main");

async function boot(): Promise<void> {
  if (!header || !root) return;
  document.title = t("app.title");
  show(root, h("p", { class: "status" }, t("app.loading")));
  const config = await loadConfig();
  const failed = (failure: unknown): void => { show(root, h("p", { class: "error", role: "alert" }, describe(failure))); };
  const signedOut = (): void => {
    show(header, h("h1", {}, t("app.title")), h("p", { class: "tagline" }, t("app.tagline")));
    signInScreen(root, config, signedIn);
  };
  const signedIn = (session: Session): void => {
    // Kept in IndexedDB once the app opens it (after the phrase check of a sign-up), so a reload resumes it. Where
    // the browser refuses IndexedDB (some private windows), the session goes on in this tab's memory alone.
    session.keep().catch(() => undefined);
    let chat: ChatScreen | null = null;
    const screens: Record<string, { label: TextKey; open: () => void }> = {
      chat: {
        label: "nav.chat",
        open: () => {
          chat = new ChatScreen(root, session);
          chat.start().catch(failed);
        },
      },
      settings: { label: "nav.settings", open: () => { settingsScreen(root, session); } },
      cloud: { label: "nav.cloud", open: () => { new CloudScreen(root, session).start().catch(failed); } },
    };
    const buttons = Object.entries(screens).map(([name, screen]) => {
      const button = h("button", { type: "button", "data-screen": name }, t(screen.label));
      button.addEventListener("click", () => { open(name); });
      return button;
    });
    const open = (name: string): void => {
      chat?.stop();
      chat = null;
      for (const button of buttons) button.setAttribute("aria-current", String(button.dataset.screen === name));
      screens[name]?.open();
    };
    const signOut = h("button", { type: "button" }, t("main.signOut"));
    signOut.addEventListener("click", () => {
      chat?.stop();
      void session.signOut().finally(signedOut);
    });
    show(
      header,
      h("h1", {}, t("app.title")),
      h("p", { class: "who" }, t("main.signedInAs", { imtag: session.imtag })),
      h("nav", { class: "screens", "aria-label": t("nav.label") }, ...buttons),
      signOut,
      h("p", { class: "session-note" }, t("app.session")),
    );
    open("chat");
  };
  const resumed = await Session.resume(config).catch(() => null);
  if (resumed) signedIn(resumed);
  else signedOut();
}

boot().catch((failure: unknown) => {
  if (root) show(root, h("p", { class: "error", role: "alert" }, describe(failure)));
});
