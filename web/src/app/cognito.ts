/**
 * Cognito's public calls from the browser (as client/imegha/cognito.py makes them, unsigned): sign-up, its code,
 * sign-in with the secret derived from the password (never the password), renewing and revoking a session, a new
 * secret (a changed password, or a reset with an emailed code), and the authenticator app's second factor.
 */

import type { JsonObject } from "../crypto/index";
import type { Config } from "./config";
import { text } from "./http";

export class CognitoError extends Error {
  override name = "CognitoError";

  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
}

async function call(config: Config, operation: string, body: JsonObject): Promise<JsonObject> {
  const response = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  const answer = (await response.json()) as JsonObject;
  if (!response.ok) {
    const type = typeof answer.__type === "string" ? answer.__type.split("#").pop() ?? "" : "";
    const message = typeof answer.message === "string" ? answer.message : typeof answer.Message === "string" ? answer.Message : type;
    throw new CognitoError(type, message);
  }
  return answer;
}

export async function signUp(config: Config, email: string, secret: string, imtag: string): Promise<string> {
  const answer = await call(config, "SignUp", {
    ClientId: config.userPoolClientId,
    Username: email,
    Password: secret,
    UserAttributes: [
      { Name: "email", Value: email },
      { Name: "custom:imtag", Value: imtag },
    ],
  });
  return text(answer, "UserSub");
}

export async function confirmSignUp(config: Config, email: string, code: string): Promise<void> {
  await call(config, "ConfirmSignUp", { ClientId: config.userPoolClientId, Username: email, ConfirmationCode: code });
}

/** Sign in; `mfaCode()` is asked for only when the account has two-step sign-in on (null: none given). */
export async function signIn(config: Config, email: string, secret: string, mfaCode: () => string | null): Promise<Tokens> {
  let answer = await call(config, "InitiateAuth", {
    ClientId: config.userPoolClientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: secret },
  });
  if (answer.ChallengeName === "SOFTWARE_TOKEN_MFA") {
    const code = mfaCode();
    if (!code) throw new CognitoError("CodeNeeded", "this account asks for the code from its authenticator app");
    answer = await call(config, "RespondToAuthChallenge", {
      ClientId: config.userPoolClientId,
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: text(answer, "Session"),
      ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code },
    });
  } else if (typeof answer.ChallengeName === "string") {
    throw new CognitoError("Challenge", `Cognito asks for ${answer.ChallengeName}, which this app does not answer`);
  }
  return tokens(answer, null);
}

export async function refresh(config: Config, refreshToken: string): Promise<Tokens> {
  const answer = await call(config, "InitiateAuth", {
    ClientId: config.userPoolClientId,
    AuthFlow: "REFRESH_TOKEN_AUTH",
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return tokens(answer, refreshToken);
}

export async function revoke(config: Config, refreshToken: string): Promise<void> {
  await call(config, "RevokeToken", { ClientId: config.userPoolClientId, Token: refreshToken });
}

/** A new password's secret in place of the old one's, with the session's access token. */
export async function changeSecret(config: Config, accessToken: string, oldSecret: string, newSecret: string): Promise<void> {
  await call(config, "ChangePassword", { AccessToken: accessToken, PreviousPassword: oldSecret, ProposedPassword: newSecret });
}

/** Have Cognito email a code for setting a new secret. */
export async function requestReset(config: Config, email: string): Promise<void> {
  await call(config, "ForgotPassword", { ClientId: config.userPoolClientId, Username: email });
}

export async function confirmReset(config: Config, email: string, code: string, newSecret: string): Promise<void> {
  await call(config, "ConfirmForgotPassword", {
    ClientId: config.userPoolClientId,
    Username: email,
    ConfirmationCode: code,
    Password: newSecret,
  });
}

/** A new secret for an authenticator app (base32); the one in use, if any, stays until this one is verified. */
export async function associateSoftwareToken(config: Config, accessToken: string): Promise<string> {
  return text(await call(config, "AssociateSoftwareToken", { AccessToken: accessToken }), "SecretCode");
}

/** Prove the app holds the new secret with a current code of it. */
export async function verifySoftwareToken(config: Config, accessToken: string, code: string): Promise<void> {
  await call(config, "VerifySoftwareToken", { AccessToken: accessToken, UserCode: code, FriendlyDeviceName: "authenticator app" });
}

/** Have Cognito ask for the app's code at each sign-in from now on (or no longer). */
export async function useSoftwareTokenMfa(config: Config, accessToken: string, enabled: boolean): Promise<void> {
  await call(config, "SetUserMFAPreference", {
    AccessToken: accessToken,
    SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled },
  });
}

/** Whether Cognito asks this person for an authenticator app's code at sign-in. */
export async function softwareTokenMfa(config: Config, accessToken: string): Promise<boolean> {
  const settings = (await call(config, "GetUser", { AccessToken: accessToken })).UserMFASettingList;
  return Array.isArray(settings) && settings.includes("SOFTWARE_TOKEN_MFA");
}

function tokens(answer: JsonObject, refreshToken: string | null): Tokens {
  const result = answer.AuthenticationResult as JsonObject | undefined;
  if (!result) throw new CognitoError("NoTokens", "Cognito answered without tokens");
  return {
    idToken: text(result, "IdToken"),
    accessToken: text(result, "AccessToken"),
    refreshToken: typeof result.RefreshToken === "string" ? result.RefreshToken : refreshToken,
  };
}
