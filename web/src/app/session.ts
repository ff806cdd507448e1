/**
 * A person signed in on this browser: their tokens and their keys, kept in IndexedDB (keep.ts) so that a reload
 * resumes the session for SESSION_HOURS. The keys are non-extractable CryptoKeys: script on the page can use them,
 * never read them out, and the copy IndexedDB keeps is as non-extractable as the one in memory.
 *
 * The Cognito ID token goes to the platform alone; each user's cloud is shown a token exchanged for it (POST /tokens,
 * as client/imegha/cloud_tokens.py does), valid at that cloud alone for minutes.
 */

import {
  ExchangePrivateKey,
  ExchangePublicKey,
  IdentityPrivateKey,
  IdentityPublicKey,
  SIGNATURE_HEADER,
  SymmetricKey,
  authenticationSecret,
  createAccount,
  openAccount,
  recoveryLookup,
  recoveryVerifier,
  signKeyStatement,
  signRequest,
  type AccountKeys,
  type JsonObject,
} from "../crypto/index";
import * as cognito from "./cognito";
import type { Config } from "./config";
import { callJson, object, text } from "./http";
import { SESSION_HOURS, forget, keep, kept, keptKeys } from "./keep";

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
    /** When the password (or the recovery phrase) opened the keys: the kept session lasts SESSION_HOURS from then. */
    readonly openedAt: number = Date.now(),
  ) {}

  /** Keep this session in IndexedDB, so that a reload resumes it (keep.ts). */
  async keep(): Promise<void> {
    const { userId, email, imtag, tokens, openedAt } = this;
    await keep({ userId, email, imtag, tokens, openedAt, ...keptKeys(this.keys) });
  }

  /** The session IndexedDB kept, with its keys as they were (non-extractable); null if none, or it lapsed. */
  static async resume(config: Config): Promise<Session | null> {
    const found = await kept();
    if (!found) return null;
    const dataKey = await SymmetricKey.make("DEK", undefined, false, () => Promise.resolve(found.dataKey));
    const keys: AccountKeys = {
      dataKey,
      exchangeKey: new ExchangePrivateKey(found.exchangeKey, await ExchangePublicKey.fromDer(found.exchangePublic)),
      identityKey: new IdentityPrivateKey(found.identityKey, await IdentityPublicKey.fromDer(found.identityPublic)),
    };
    const session = new Session(config, found.userId, found.email, found.imtag, found.tokens, keys, found.openedAt);
    try {
      await session.idToken();
    } catch {
      await forget(); // Cognito no longer renews it (revoked elsewhere, lapsed): sign in again
      return null;
    }
    return session;
  }

  /** The current tokens, renewed with the refresh token a minute before the ID token lapses (and kept again). */
  private async current(): Promise<cognito.Tokens> {
    if (Date.now() - this.openedAt > SESSION_HOURS * 3_600_000) {
      // As long in an open tab as across reloads: forgotten here, and the page starts again at signing in.
      await this.signOut();
      window.location.reload();
      throw new Error(`the session has ended ${SESSION_HOURS} hours after signing in: sign in again`);
    }
    if (expiresAt(this.tokens.idToken) - Date.now() > 60_000 || !this.tokens.refreshToken) return this.tokens;
    this.tokens = await cognito.refresh(this.config, this.tokens.refreshToken);
    await this.keep();
    return this.tokens;
  }

  async idToken(): Promise<string> {
    return (await this.current()).idToken;
  }

  /** The access token, for Cognito's own calls about this person (a password, a second factor); never sent elsewhere. */
  async accessToken(): Promise<string> {
    return (await this.current()).accessToken;
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

  /** Forget the session here (IndexedDB included) and have Cognito revoke its refresh token (this browser's only). */
  async signOut(): Promise<void> {
    this.cloudTokens.clear();
    await forget();
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
  const bundle = object(me, "keys");
  if (bundle === null) {
    return finishSignUp(config, userId, email, imtag, password, tokens, Number(me.keysVersion));
  }
  return { session: await openedByPassword(config, me, bundle, email, password, tokens), recoveryPhrase: null };
}

/**
 * The keys `password` opens: under the stored wrapping, or under the one a recovery held for the new password it
 * set (its Cognito reset went through, its upload did not), which is then uploaded, signed (as the CLI's
 * `_opened_by_password`).
 */
async function openedByPassword(
  config: Config,
  me: JsonObject,
  bundle: JsonObject,
  email: string,
  password: string,
  tokens: cognito.Tokens,
): Promise<Session> {
  const userId = text(me, "userId");
  const imtag = text(me, "iMTag");
  const held = object(me, "recoveredPasswordWrappedDek");
  try {
    return new Session(config, userId, email, imtag, tokens, await openAccount(bundle, userId, password));
  } catch (failure) {
    if (held === null) throw failure;
  }
  const recovered = { ...bundle, passwordWrappedDek: held };
  const session = new Session(config, userId, email, imtag, tokens, await openAccount(recovered, userId, password));
  await session.signedPlatform("PUT", "/me/keys", { expectedVersion: Number(me.keysVersion), keys: recovered });
  return session;
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
  // The first upload brings the identity key and the statement naming it: there is nothing to sign with yet. The
  // verifier lets the 24 words prove themselves at POST /recovery later.
  await callJson("PUT", config.platformApiUrl + "/me/keys", {
    authorization: tokens.idToken,
    body: {
      expectedVersion: keysVersion,
      keys: account.bundle,
      statement,
      recoveryVerifier: await recoveryVerifier(await recoveryLookup(account.recoveryPhrase)),
    },
  });
  return { session: new Session(config, userId, email, imtag, tokens, account.keys), recoveryPhrase: account.recoveryPhrase };
}

/** When a JWT lapses, from its own claims; read only to renew it in time (the gateway verifies it). */
function expiresAt(token: string): number {
  const payload = token.split(".")[1] ?? "";
  const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: number };
  return (claims.exp ?? 0) * 1000;
}
