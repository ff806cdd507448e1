/**
 * A person signed in on this browser: their tokens and their keys, in this tab's memory only (a reload or a closed
 * tab signs them out; nothing is written to storage). The keys are non-extractable CryptoKeys: script on the page
 * can use them while the tab lives, never read them out.
 *
 * The Cognito ID token goes to the platform alone; each user's cloud is shown a token exchanged for it (POST /tokens,
 * as client/imegha/cloud_tokens.py does), valid at that cloud alone for minutes.
 */

import {
  SIGNATURE_HEADER,
  authenticationSecret,
  createAccount,
  openAccount,
  signKeyStatement,
  signRequest,
  type AccountKeys,
  type JsonObject,
} from "../crypto/index";
import * as cognito from "./cognito";
import type { Config } from "./config";
import { callJson, text } from "./http";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const RENEWAL_MARGIN_MS = 30_000;

export class Session {
  private readonly cloudTokens = new Map<string, { token: string; renewAt: number }>();

  constructor(
    readonly config: Config,
    readonly userId: string,
    readonly email: string,
    readonly imtag: string,
    private tokens: cognito.Tokens,
    readonly keys: AccountKeys,
  ) {}

  /** The ID token, renewed with the refresh token a minute before it lapses. */
  async idToken(): Promise<string> {
    if (expiresAt(this.tokens.idToken) - Date.now() > 60_000 || !this.tokens.refreshToken) return this.tokens.idToken;
    this.tokens = await cognito.refresh(this.config, this.tokens.refreshToken);
    return this.tokens.idToken;
  }

  /** A platform route's answer, with the ID token (the REST API's Cognito authorizer takes it bare). */
  async platform(method: string, path: string, body?: JsonObject | URLSearchParams): Promise<JsonObject> {
    return callJson(method, this.config.platformApiUrl + path, { authorization: await this.idToken(), body });
  }

  /** A request that cannot be undone: signed by the identity key over a nonce the platform issues just before. */
  async signedPlatform(method: string, path: string, body: JsonObject): Promise<JsonObject> {
    const nonce = text(await this.platform("POST", "/me/nonces"), "nonce");
    const data = new TextEncoder().encode(JSON.stringify(body));
    const signature = await signRequest(this.keys.identityKey, { method, path, body: data, userId: this.userId, nonce });
    return callJson(method, this.config.platformApiUrl + path, {
      authorization: await this.idToken(),
      body,
      headers: { [SIGNATURE_HEADER]: signature },
    });
  }

  /** A token the cloud of `ownerId` accepts from this person, and nothing else does. */
  async cloudToken(ownerId: string): Promise<string> {
    const held = this.cloudTokens.get(ownerId);
    if (held && Date.now() < held.renewAt) return held.token;
    const asked = Date.now();
    const issued = await this.platform("POST", "/tokens", new URLSearchParams({ grant_type: TOKEN_EXCHANGE, audience: ownerId }));
    const token = text(issued, "access_token");
    this.cloudTokens.set(ownerId, { token, renewAt: asked + Number(issued.expires_in) * 1000 - RENEWAL_MARGIN_MS });
    return token;
  }

  /** Forget the session here and have Cognito revoke its refresh token (this browser's session only). */
  async signOut(): Promise<void> {
    this.cloudTokens.clear();
    if (this.tokens.refreshToken) await cognito.revoke(this.config, this.tokens.refreshToken).catch(() => undefined);
  }
}

/** Sign in and open the keys with the password alone; a sign-up stopped before its keys is finished (its phrase). */
export async function signIn(
  config: Config,
  email: string,
  password: string,
  mfaCode: () => string | null,
): Promise<{ session: Session; recoveryPhrase: string | null }> {
  const secret = await authenticationSecret(email, password, config.kdfIterations);
  const tokens = await cognito.signIn(config, email, secret, mfaCode);
  const me = await callJson("GET", config.platformApiUrl + "/me", { authorization: tokens.idToken });
  const userId = text(me, "userId");
  const imtag = text(me, "iMTag");
  const bundle = me.keys;
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    return finishSignUp(config, userId, email, imtag, password, tokens, Number(me.keysVersion));
  }
  const keys = await openAccount(bundle, userId, password);
  return { session: new Session(config, userId, email, imtag, tokens, keys), recoveryPhrase: null };
}

/** Create the account in Cognito; the code Cognito emails then goes to `confirmAndCreateKeys`. */
export async function signUp(config: Config, email: string, password: string, imtag: string): Promise<void> {
  await cognito.signUp(config, email, await authenticationSecret(email, password, config.kdfIterations), imtag);
}

export async function confirmAndCreateKeys(
  config: Config,
  email: string,
  password: string,
  code: string,
): Promise<{ session: Session; recoveryPhrase: string | null }> {
  await cognito.confirmSignUp(config, email, code);
  return signIn(config, email, password, () => null);
}

async function finishSignUp(
  config: Config,
  userId: string,
  email: string,
  imtag: string,
  password: string,
  tokens: cognito.Tokens,
  keysVersion: number,
): Promise<{ session: Session; recoveryPhrase: string }> {
  const account = await createAccount(userId, password, { iterations: config.kdfIterations });
  const statement = await signKeyStatement(account.keys.identityKey, {
    userId,
    exchangeKey: account.keys.exchangeKey.publicKey,
    cloudUrl: null,
    sequence: 1,
  });
  // The first upload brings the identity key and the statement naming it: there is nothing to sign with yet.
  await callJson("PUT", config.platformApiUrl + "/me/keys", {
    authorization: tokens.idToken,
    body: { expectedVersion: keysVersion, keys: account.bundle, statement },
  });
  return { session: new Session(config, userId, email, imtag, tokens, account.keys), recoveryPhrase: account.recoveryPhrase };
}

/** When a JWT lapses, from its own claims; read only to renew it in time (the gateway verifies it). */
function expiresAt(token: string): number {
  const payload = token.split(".")[1] ?? "";
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: number };
  return (claims.exp ?? 0) * 1000;
}
