/**
 * The account's own changes, as client/imegha/accounts.py and mfa.py make them: a new password (the same DEK
 * rewrapped, then Cognito's secret moved), recovery with the 24 words (the phrase proven at POST /recovery before
 * anything changes, then Cognito's emailed code sets the new password), and two-step sign-in (Cognito's
 * software-token MFA: a secret for an authenticator app, confirmed with a code of it; off with the password and a
 * code).
 */

import {
  DecryptionError,
  authenticationSecret,
  changePassword as rewrapForNewPassword,
  checkRecoveryPhrase,
  recoverAccount,
  recoveryLookup,
  type JsonObject,
} from "../crypto/index";
import * as cognito from "./cognito";
import type { Config } from "./config";
import { ApiError, callJson, object, text } from "./http";
import type { Session } from "./session";

const CODE_DIGITS = 6;
const ISSUER = "iMegha";

/** Something the person can act on, in their words (the screen shows `message`). */
export class AccountError extends Error {
  override name = "AccountError";
}

/** An authenticator app's code as typed ("123 456"), as Cognito takes it: six digits, or an AccountError. */
export function typedCode(typed: string): string {
  const code = typed.replace(/\s/g, "");
  if (!new RegExp(`^[0-9]{${CODE_DIGITS}}$`).test(code)) throw new AccountError(`a code from an authenticator app is ${CODE_DIGITS} digits`);
  return code;
}

/** The bundle of keys `/me` serves, and its version. */
async function storedKeys(session: Session): Promise<{ bundle: JsonObject; version: number }> {
  const me = await session.platform("GET", "/me");
  const bundle = object(me, "keys");
  if (!bundle) throw new AccountError("this account has no keys yet");
  return { bundle, version: Number(me.keysVersion) };
}

/**
 * Rewrap the same DEK under `newPassword`, upload it (signed), then move Cognito to the new secret; if Cognito
 * refuses, the previous wrapping is put back, so the old password keeps opening both.
 */
export async function changePassword(session: Session, oldPassword: string, newPassword: string): Promise<void> {
  const { config, userId, email } = session;
  const { bundle, version } = await storedKeys(session);
  let rewrapped: JsonObject;
  try {
    rewrapped = await rewrapForNewPassword(bundle, userId, oldPassword, newPassword, { iterations: config.kdfIterations });
  } catch (failure) {
    if (failure instanceof DecryptionError) throw new AccountError("the current password is wrong");
    throw failure;
  }
  const uploaded = await session.signedPlatform("PUT", "/me/keys", { expectedVersion: version, keys: rewrapped });
  const [oldSecret, newSecret] = await Promise.all([
    authenticationSecret(email, oldPassword, config.kdfIterations),
    authenticationSecret(email, newPassword, config.kdfIterations),
  ]);
  try {
    await cognito.changeSecret(config, await session.accessToken(), oldSecret, newSecret);
  } catch (failure) {
    await session.signedPlatform("PUT", "/me/keys", { expectedVersion: Number(uploaded.keysVersion), keys: bundle });
    throw failure;
  }
}

/**
 * The first half of a recovery: the phrase proven before anything changes (its words and checksum here, then its
 * lookup at POST /recovery, then it must open the keys here), the DEK under the new password held beside the
 * stored keys (PUT /recovery/password), and Cognito asked to email a code. `finishRecovery` takes that code.
 */
export async function beginRecovery(config: Config, email: string, phrase: string, newPassword: string): Promise<void> {
  await checkRecoveryPhrase(phrase);
  const lookup = await recoveryLookup(phrase);
  let opened: JsonObject;
  let wrapped: JsonObject;
  try {
    opened = await callJson("POST", config.platformApiUrl + "/recovery", { body: { email, recoveryLookup: lookup } });
    const bundle = object(opened, "keys");
    if (!bundle) throw new AccountError("the platform served no keys");
    const recovered = await recoverAccount(bundle, text(opened, "userId"), phrase, newPassword, { iterations: config.kdfIterations });
    wrapped = recovered.bundle.passwordWrappedDek as JsonObject;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 403) throw new AccountError(`${failure.message}; your password still signs in`);
    if (failure instanceof DecryptionError) throw new AccountError("this recovery phrase does not open the account's keys; nothing was changed");
    throw failure;
  }
  await callJson("PUT", config.platformApiUrl + "/recovery/password", {
    body: { email, recoveryLookup: lookup, expectedVersion: Number(opened.keysVersion), passwordWrappedDek: wrapped },
  });
  await cognito.requestReset(config, email);
}

/** Set the new password with Cognito's emailed code; the sign-in with it that follows uploads the held keys. */
export async function finishRecovery(config: Config, email: string, newPassword: string, code: string): Promise<void> {
  await cognito.confirmReset(config, email, code, await authenticationSecret(email, newPassword, config.kdfIterations));
}

/** What an authenticator app scans: `otpauth://totp/iMegha:<email>?secret=…` with Cognito's parameters. */
export function otpauthUri(secret: string, account: string): string {
  const label = encodeURIComponent(`${ISSUER}:${account}`).replace(/%3A/g, ":").replace(/%40/g, "@");
  const parameters = new URLSearchParams({ secret, issuer: ISSUER, algorithm: "SHA1", digits: String(CODE_DIGITS), period: "30" });
  return `otpauth://totp/${label}?${parameters.toString()}`;
}

/** Two-step sign-in for the signed-in person, through Cognito with the session's access token. */
export const twoStep = {
  async enabled(session: Session): Promise<boolean> {
    return cognito.softwareTokenMfa(session.config, await session.accessToken());
  },

  /** A new secret for the app (refused while it is on: moving to a new app needs a current code, as the CLI says). */
  async begin(session: Session): Promise<{ secret: string; uri: string }> {
    if (await twoStep.enabled(session)) throw new AccountError("two-step sign-in is on already");
    const secret = await cognito.associateSoftwareToken(session.config, await session.accessToken());
    return { secret, uri: otpauthUri(secret, session.email) };
  },

  /** Check the app's current code against the new secret, then ask for codes at every sign-in. */
  async enable(session: Session, typed: string): Promise<void> {
    const code = typedCode(typed);
    const accessToken = await session.accessToken();
    await cognito.verifySoftwareToken(session.config, accessToken, code);
    await cognito.useSoftwareTokenMfa(session.config, accessToken, true);
  },

  /**
   * Stop asking for codes, once Cognito has signed the person in afresh with `password` and a current `typed` code
   * (so an open session alone cannot take the second step away); that sign-in's own session is revoked after it.
   */
  async disable(session: Session, password: string, typed: string): Promise<void> {
    const code = typedCode(typed);
    const { config, email } = session;
    const secret = await authenticationSecret(email, password, config.kdfIterations);
    const proof = await cognito.signIn(config, email, secret, () => code);
    await cognito.useSoftwareTokenMfa(config, proof.accessToken, false);
    if (proof.refreshToken) await cognito.revoke(config, proof.refreshToken).catch(() => undefined);
  },
};
