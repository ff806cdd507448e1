/**
 * Signing in on a new browser, signing up (the recovery phrase shown once, then checked), recovering with the 24
 * words, as the CLI does them.
 */

import { CryptoError, DecryptionError } from "../../crypto/index";
import { AccountError, beginRecovery, finishRecovery } from "../account";
import type { Config } from "../config";
import { CognitoError } from "../cognito";
import { field, h, show, valueOf } from "../dom";
import { t } from "../i18n";
import { confirmAndCreateKeys, signIn, signUp, type Session } from "../session";
import { describe } from "./errors";
import { getRandomWords } from "./phrase";

const MIN_PASSWORD_LENGTH = 12;

/** Why a new password is refused, or null: the same rules as at sign-up. */
export function passwordProblem(password: string, again: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return t("signUp.tooShort");
  if (password !== again) return t("signUp.mismatch");
  return null;
}

export type SignedIn = (session: Session) => void;

export function status(): HTMLElement {
  return h("p", { class: "status", role: "status", "aria-live": "polite" });
}

export function alert(): HTMLElement {
  return h("p", { class: "error", role: "alert" });
}

export function signInScreen(root: HTMLElement, config: Config, done: SignedIn): void {
  const error = alert();
  const progress = status();
  const code = field("code", t("signIn.code"), { inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9 ]*" });
  code.hidden = true;
  const form = h(
    "form",
    { "aria-labelledby": "sign-in-heading", novalidate: true },
    field("email", t("signIn.email"), { type: "email", autocomplete: "username", required: true }),
    field("password", t("signIn.password"), { type: "password", autocomplete: "current-password", required: true }),
    code,
    h("button", { type: "submit", class: "primary" }, t("signIn.submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    progress.textContent = t("signIn.working");
    const typedCode = valueOf(form, "code").replace(/\s/g, "");
    signIn(config, valueOf(form, "email").trim(), valueOf(form, "password"), () => typedCode || null).then(
      ({ session, recoveryPhrase }) => {
        if (recoveryPhrase) phraseScreen(root, recoveryPhrase, () => { done(session); });
        else done(session);
      },
      (failure: unknown) => {
        progress.textContent = "";
        if (failure instanceof CognitoError && failure.type === "CodeNeeded") {
          code.hidden = false;
          error.textContent = t("signIn.codeNeeded");
        } else if (failure instanceof CognitoError && failure.type === "NotAuthorizedException") {
          error.textContent = t("signIn.wrongPassword");
        } else if (failure instanceof DecryptionError) {
          error.textContent = t("signIn.keysRefused");
        } else {
          error.textContent = describe(failure);
        }
      },
    );
  });
  const toSignUp = h("button", { type: "button", class: "link" }, t("signIn.toSignUp"));
  toSignUp.addEventListener("click", () => { signUpScreen(root, config, done); });
  const toRecover = h("button", { type: "button", class: "link" }, t("recover.link"));
  toRecover.addEventListener("click", () => { recoverScreen(root, config, done); });
  show(
    root,
    h("section", { class: "card" }, h("h2", { id: "sign-in-heading" }, t("signIn.heading")), form, progress, error, h("p", {}, toSignUp), h("p", {}, toRecover)),
  );
  form.querySelector("input")?.focus();
}

export function signUpScreen(root: HTMLElement, config: Config, done: SignedIn): void {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-labelledby": "sign-up-heading", novalidate: true },
    field("email", t("signIn.email"), { type: "email", autocomplete: "email", required: true }),
    field("imtag", t("signUp.imtag"), { autocomplete: "nickname", required: true }),
    field("password", t("signUp.password"), { type: "password", autocomplete: "new-password", required: true }),
    field("password2", t("signUp.passwordAgain"), { type: "password", autocomplete: "new-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("signUp.submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const email = valueOf(form, "email").trim();
    const password = valueOf(form, "password");
    error.textContent = "";
    const problem = passwordProblem(password, valueOf(form, "password2"));
    if (problem) {
      error.textContent = problem;
      return;
    }
    progress.textContent = t("signUp.working");
    signUp(config, email, password, valueOf(form, "imtag").trim()).then(
      () => { codeScreen(root, config, email, password, done); },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent = describe(failure);
      },
    );
  });
  const toSignIn = h("button", { type: "button", class: "link" }, t("signUp.toSignIn"));
  toSignIn.addEventListener("click", () => { signInScreen(root, config, done); });
  show(root, h("section", { class: "card" }, h("h2", { id: "sign-up-heading" }, t("signUp.heading")), form, progress, error, toSignIn));
  form.querySelector("input")?.focus();
}

function codeScreen(root: HTMLElement, config: Config, email: string, password: string, done: SignedIn): void {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-labelledby": "code-heading", novalidate: true },
    field("code", t("signUp.code"), { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
    h("button", { type: "submit", class: "primary" }, t("signUp.confirm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    progress.textContent = t("signUp.keysWorking");
    confirmAndCreateKeys(config, email, password, valueOf(form, "code").trim()).then(
      ({ session, recoveryPhrase }) => {
        if (recoveryPhrase) phraseScreen(root, recoveryPhrase, () => { done(session); });
        else done(session);
      },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent = describe(failure);
      },
    );
  });
  show(root, h("section", { class: "card" }, h("h2", { id: "code-heading" }, t("signUp.codeHeading")), form, progress, error));
  form.querySelector("input")?.focus();
}

/** The 24 words, shown once; the account is not finished until three of them, asked at random, are typed back. */
export function phraseScreen(root: HTMLElement, phrase: string, done: () => void): void {
  const words = phrase.split(" ");
  const written = h("input", { id: "written", type: "checkbox" });
  const next = h("button", { type: "button", class: "primary", disabled: true }, t("phrase.next"));
  written.addEventListener("change", () => { next.disabled = !written.checked; });
  next.addEventListener("click", () => { checkScreen(root, words, done); });
  show(
    root,
    h(
      "section",
      { class: "card", "aria-labelledby": "phrase-heading" },
      h("h2", { id: "phrase-heading" }, t("phrase.heading")),
      h("p", {}, t("phrase.explain")),
      h("ol", { class: "phrase", "data-testid": "recovery-phrase" }, ...words.map((word) => h("li", {}, word))),
      h("div", { class: "check" }, written, h("label", { for: "written" }, t("phrase.written"))),
      next,
    ),
  );
  written.focus();
}

function checkScreen(root: HTMLElement, words: string[], done: () => void): void {
  const asked = getRandomWords(words.length, 3);
  const error = alert();
  const form = h(
    "form",
    { "aria-labelledby": "check-heading", novalidate: true },
    ...asked.map((index) => field(`word-${index + 1}`, t("phrase.word", { n: index + 1 }), { autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true })),
    h("button", { type: "submit", class: "primary" }, t("phrase.checkSubmit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const right = asked.every((index) => valueOf(form, `word-${index + 1}`).trim().toLowerCase() === words[index]);
    if (right) done();
    else error.textContent = t("phrase.wrong");
  });
  show(root, h("section", { class: "card" }, h("h2", { id: "check-heading" }, t("phrase.checkHeading")), h("p", {}, t("phrase.checkExplain")), form, error));
  form.querySelector("input")?.focus();
}

/**
 * Recovery with the 24 words: the phrase is proven (and the keys opened with it) before anything changes; then
 * Cognito's emailed code sets the new password, and signing in with it finishes (with the app's code, if on).
 */
export function recoverScreen(root: HTMLElement, config: Config, done: SignedIn): void {
  const error = alert();
  const progress = status();
  const form = h(
    "form",
    { "aria-labelledby": "recover-heading", novalidate: true },
    field("email", t("signIn.email"), { type: "email", autocomplete: "username", required: true }),
    h(
      "div",
      { class: "field" },
      h("label", { for: "phrase" }, t("recover.phrase")),
      h("textarea", { id: "phrase", name: "phrase", rows: "4", autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true }),
    ),
    field("password", t("recover.newPassword"), { type: "password", autocomplete: "new-password", required: true }),
    field("password2", t("signUp.passwordAgain"), { type: "password", autocomplete: "new-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("recover.submit")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const email = valueOf(form, "email").trim();
    const password = valueOf(form, "password");
    const problem = passwordProblem(password, valueOf(form, "password2"));
    if (problem) {
      error.textContent = problem;
      return;
    }
    progress.textContent = t("recover.proving");
    beginRecovery(config, email, valueOf(form, "phrase").trim(), password).then(
      () => { resetCodeScreen(root, config, email, password, done); },
      (failure: unknown) => {
        progress.textContent = "";
        error.textContent =
          failure instanceof AccountError ? t("recover.refused", { reason: failure.message })
          : failure instanceof CryptoError ? t("recover.refused", { reason: `${failure.message}; nothing was changed` })
          : describe(failure);
      },
    );
  });
  const back = h("button", { type: "button", class: "link" }, t("signUp.toSignIn"));
  back.addEventListener("click", () => { signInScreen(root, config, done); });
  show(root, h("section", { class: "card" }, h("h2", { id: "recover-heading" }, t("recover.heading")), h("p", {}, t("recover.explain")), form, progress, error, back));
  form.querySelector("input")?.focus();
}

/** The emailed code sets the new password (once); the sign-in with it may then ask for the app's code. */
function resetCodeScreen(root: HTMLElement, config: Config, email: string, password: string, done: SignedIn): void {
  const error = alert();
  const progress = status();
  const mfa = field("mfa-code", t("signIn.code"), { inputmode: "numeric", autocomplete: "one-time-code" });
  mfa.hidden = true;
  let reset = false;
  const form = h(
    "form",
    { "aria-labelledby": "reset-heading", novalidate: true },
    field("reset-code", t("signUp.code"), { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
    mfa,
    h("button", { type: "submit", class: "primary" }, t("recover.finish")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    progress.textContent = t("recover.finishing");
    const typedMfa = valueOf(form, "mfa-code").replace(/\s/g, "");
    const finished = reset ? Promise.resolve() : finishRecovery(config, email, password, valueOf(form, "reset-code").trim());
    finished
      .then(() => {
        reset = true;
        return signIn(config, email, password, () => typedMfa || null);
      })
      .then(
        ({ session }) => { done(session); },
        (failure: unknown) => {
          progress.textContent = "";
          if (failure instanceof CognitoError && failure.type === "CodeNeeded") {
            mfa.hidden = false;
            error.textContent = t("recover.codeNeeded");
          } else {
            error.textContent = describe(failure);
          }
        },
      );
  });
  show(root, h("section", { class: "card" }, h("h2", { id: "reset-heading" }, t("recover.codeHeading")), h("p", {}, t("recover.codeExplain")), form, progress, error));
  form.querySelector("input")?.focus();
}
