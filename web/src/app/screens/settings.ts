/** The account's own settings: a new password, and two-step sign-in with an authenticator app (as a QR code too). */

import { AccountError, changePassword, twoStep } from "../account";
import { CognitoError } from "../cognito";
import { field, h, show, valueOf } from "../dom";
import { t } from "../i18n";
import { qrCode } from "../qr";
import type { Session } from "../session";
import { alert, passwordProblem, status } from "./account";
import { describe } from "./errors";

// How Cognito refuses a code that is not the app's current one.
const WRONG_CODE = ["CodeMismatchException", "EnableSoftwareTokenMFAException"];

export function settingsScreen(root: HTMLElement, session: Session): void {
  const twoStepSection = h("section", { class: "card", "aria-labelledby": "two-step-heading" });
  show(
    root,
    h("h2", { class: "screen-heading" }, t("settings.heading")),
    passwordSection(session),
    twoStepSection,
  );
  showTwoStep(twoStepSection, session);
}

function passwordSection(session: Session): HTMLElement {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-labelledby": "password-heading", novalidate: true },
    field("current-password", t("settings.currentPassword"), { type: "password", autocomplete: "current-password", required: true }),
    field("new-password", t("settings.newPassword"), { type: "password", autocomplete: "new-password", required: true }),
    field("new-password2", t("signUp.passwordAgain"), { type: "password", autocomplete: "new-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("settings.changePassword")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const newPassword = valueOf(form, "new-password");
    const problem = passwordProblem(newPassword, valueOf(form, "new-password2"));
    if (problem) {
      error.textContent = problem;
      return;
    }
    progress.textContent = t("settings.changing");
    changePassword(session, valueOf(form, "current-password"), newPassword).then(
      () => {
        form.reset();
        progress.textContent = t("settings.changed");
      },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent = failure instanceof AccountError ? failure.message : describe(failure);
      },
    );
  });
  return h("section", { class: "card" }, h("h3", { id: "password-heading" }, t("settings.passwordHeading")), form, progress, error);
}

function showTwoStep(section: HTMLElement, session: Session): void {
  const heading = h("h3", { id: "two-step-heading" }, t("twoStep.heading"));
  const error = alert();
  const progress = status();
  show(section, heading, progress, error);
  progress.textContent = t("app.loading");
  twoStep.enabled(session).then(
    (enabled) => {
      progress.textContent = "";
      if (enabled) {
        show(section, heading, h("p", { "data-testid": "two-step-status" }, t("twoStep.on")), turnOff(section, session));
        return;
      }
      const start = h("button", { type: "button", class: "primary" }, t("twoStep.begin"));
      start.addEventListener("click", () => {
        error.textContent = "";
        twoStep.begin(session).then(
          ({ secret, uri }) => { enrolment(section, session, heading, secret, uri); },
          (failure: unknown) => { error.textContent = describe(failure); },
        );
      });
      show(section, heading, h("p", { "data-testid": "two-step-status" }, t("twoStep.off")), h("p", {}, t("twoStep.explain")), start, progress, error);
    },
    (failure: unknown) => {
      progress.textContent = "";
      error.textContent = describe(failure);
    },
  );
}

/** Turning it off takes the password and a current code, which Cognito checks in a sign-in of its own. */
function turnOff(section: HTMLElement, session: Session): HTMLElement {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-labelledby": "two-step-off-heading", novalidate: true },
    h("h4", { id: "two-step-off-heading" }, t("twoStep.offHeading")),
    field("two-step-off-password", t("signIn.password"), { type: "password", autocomplete: "current-password", required: true }),
    field("two-step-off-code", t("signIn.code"), { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
    h("button", { type: "submit" }, t("twoStep.turnOff")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    progress.textContent = t("twoStep.checking");
    twoStep.disable(session, valueOf(form, "two-step-off-password"), valueOf(form, "two-step-off-code")).then(
      () => { showTwoStep(section, session); },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent = codeRefusal(failure);
      },
    );
  });
  return h("div", { class: "danger-zone" }, form, progress, error);
}

function codeRefusal(failure: unknown): string {
  if (failure instanceof AccountError) return failure.message;
  if (failure instanceof CognitoError && WRONG_CODE.includes(failure.type)) return t("twoStep.wrongCode");
  if (failure instanceof CognitoError && failure.type === "NotAuthorizedException") return t("signIn.wrongPassword");
  return describe(failure);
}

/** The new secret as text and as a QR code; a current code of the app turns it on. */
function enrolment(section: HTMLElement, session: Session, heading: HTMLElement, secret: string, uri: string): void {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-label": t("twoStep.confirm"), novalidate: true },
    field("two-step-code", t("signIn.code"), { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
    h("button", { type: "submit", class: "primary" }, t("twoStep.confirm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    progress.textContent = t("twoStep.checking");
    twoStep.enable(session, valueOf(form, "two-step-code")).then(
      () => { showTwoStep(section, session); },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent = codeRefusal(failure);
      },
    );
  });
  show(
    section,
    heading,
    h("p", {}, t("twoStep.scan")),
    h("div", { class: "qr-box" }, qrCode(uri, t("twoStep.qrLabel"))),
    h("p", {}, t("twoStep.key")),
    h("p", { class: "code", "data-testid": "two-step-secret" }, secret),
    h("details", {}, h("summary", {}, t("twoStep.link")), h("p", { class: "code", "data-testid": "two-step-uri" }, uri)),
    h("p", { class: "hint" }, t("twoStep.backup")),
    form,
    progress,
    error,
  );
  form.querySelector("input")?.focus();
}
