/**
 * The person's own cloud, as client/imegha/personal_cloud.py handles it: connect their AWS account (the ExternalId,
 * the bootstrap stack they launch with it, the deployment role it made), deploy or destroy (signed by the identity
 * key) and follow the deploy state machine's steps, and, once a deployment succeeded, sign the cloud's URL into the
 * key statement after it answered a fresh challenge as the cloud in the account the person connected.
 */

import {
  RECOVERY_COPY_FIELDS,
  b64urlEncode,
  canonicalJson,
  signKeyStatement,
  type CloudConfirmed,
  type JsonObject,
} from "../crypto/index";
import { ApiError, callJson, object, objects } from "./http";
import type { Session } from "./session";

const FINISHED = ["SUCCEEDED", "FAILED"];
const LAST_STEPS_MS = 10_000; // how long a finished deployment's execution is followed to its last step

/** The cloud URL the platform reported did not answer as the person's own: nothing is signed. */
export class CloudNotConfirmed extends Error {
  override name = "CloudNotConfirmed";
}

/** The account a role ARN (`arn:aws:iam::123456789012:role/…`) lives in; null if it is not one. */
export function roleAccount(roleArn: string): string | null {
  const parts = roleArn.split(":");
  return parts.length >= 6 && parts[2] === "iam" && /^\d+$/.test(parts[4] ?? "") ? (parts[4] ?? null) : null;
}

/** What the person told this browser about the account they connected (the platform's word is not enough). */
function connectedKey(session: Session): string {
  return `imegha.connectedAccount.${session.userId}`;
}

export class OwnCloud {
  constructor(private readonly session: Session) {}

  /** The ExternalId (the same every time), the platform's account and the bootstrap stack's name. */
  connect(): Promise<JsonObject> {
    return this.session.platform("POST", "/cloud/connection");
  }

  /** Give the platform the deployment role the bootstrap stack made; this browser remembers its account. */
  async recordRole(roleArn: string): Promise<JsonObject> {
    const recorded = await this.session.signedPlatform("PUT", "/cloud/connection", { roleArn });
    const account = roleAccount(roleArn);
    if (account) localStorage.setItem(connectedKey(this.session), account);
    return recorded;
  }

  /** The cloud as the platform knows it, with its latest deployment; a finished deploy's URL signed if not yet. */
  async status(): Promise<JsonObject> {
    const cloud = await this.session.platform("GET", "/cloud");
    const last = cloud.lastDeploymentId;
    if (typeof last === "string") {
      const deployment = await this.deployment(last);
      cloud.lastDeployment = deployment;
      if (deployment.status === "SUCCEEDED" && !cloud.activeDeploymentId) {
        await this.signCloudUrl(typeof cloud.cloudApiUrl === "string" ? cloud.cloudApiUrl : null);
      }
    }
    return cloud;
  }

  /**
   * Ask for `action` ("deploy" or "destroy"): signed by the identity key, since it cannot be undone. `alarmEmail`:
   * where the cloud's alarms go from this deployment on (AWS emails it to confirm).
   */
  request(action: "deploy" | "destroy", alarmEmail = ""): Promise<JsonObject> {
    return this.session.signedPlatform("POST", "/deployments", alarmEmail ? { action, alarmEmail } : { action });
  }

  deployment(deploymentId: string): Promise<JsonObject> {
    return this.session.platform("GET", `/deployments/${encodeURIComponent(deploymentId)}`);
  }

  /**
   * Poll the deployment until it finishes, telling `onStep` of each step its execution takes (as `imegha cloud
   * deploy` follows it); then sign the cloud's URL into the key statement (after a destroy: that there is none).
   */
  async follow(deploymentId: string, onStep: (step: JsonObject) => void): Promise<JsonObject> {
    let seen = 0;
    let pause = 100;
    let endedBy: number | null = null;
    let deployment: JsonObject;
    for (;;) {
      deployment = await this.deployment(deploymentId);
      const steps = objects(deployment, "steps");
      for (const step of steps.slice(seen)) onStep(step);
      seen = steps.length;
      // The record says how it ended a step or two before the execution ends: its last steps are followed too.
      if (typeof deployment.status === "string" && FINISHED.includes(deployment.status) && endedBy === null) {
        endedBy = Date.now() + LAST_STEPS_MS;
        pause = 100;
      }
      const last = steps.at(-1);
      if (endedBy !== null && (last === undefined || last.last === true || Date.now() > endedBy)) break;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 1.5, endedBy === null ? 5000 : 1000);
    }
    if (deployment.status === "SUCCEEDED") {
      await this.signCloudUrl(deployment.action === "deploy" && typeof deployment.cloudApiUrl === "string" ? deployment.cloudApiUrl : null);
    }
    return deployment;
  }

  /** Sign `cloudUrl` once it has answered as the person's own cloud (CloudNotConfirmed if not); null: no cloud. */
  private async signCloudUrl(cloudUrl: string | null): Promise<void> {
    const me = await this.session.platform("GET", "/me");
    const body = object(object(me, "keyStatement") ?? {}, "body");
    const signed = body?.cloudUrl === cloudUrl;
    if (cloudUrl === null) {
      if (!signed) await this.publish(null, null, body);
      return;
    }
    if (!signed) await this.publish(cloudUrl, await this.confirm(cloudUrl), body);
    await this.keepKeys(cloudUrl, object(me, "keys") ?? {});
  }

  /**
   * Ask `cloudUrl` who it is, with a fresh nonce and this person's token for their own cloud: "account" if it runs in
   * the account they connected from this browser, null if this browser connected none (nothing to check against).
   */
  private async confirm(cloudUrl: string): Promise<CloudConfirmed | null> {
    const nonce = b64urlEncode(crypto.getRandomValues(new Uint8Array(24)));
    let answer: JsonObject;
    try {
      answer = await this.cloud(cloudUrl, "GET", `/health?nonce=${encodeURIComponent(nonce)}`);
    } catch (failure) {
      throw new CloudNotConfirmed(`the cloud at ${cloudUrl} did not answer as yours: ${String(failure)}`);
    }
    if (answer.nonce !== nonce) throw new CloudNotConfirmed(`the cloud at ${cloudUrl} did not answer this browser's challenge`);
    const connected = localStorage.getItem(connectedKey(this.session));
    if (connected === null) return null;
    if (answer.accountId !== connected) {
      throw new CloudNotConfirmed(`the cloud at ${cloudUrl} runs in AWS account ${typeof answer.accountId === "string" ? answer.accountId : "(none said)"}, not in ${connected}, the one you connected`);
    }
    return "account";
  }

  private async publish(cloudUrl: string | null, confirmed: CloudConfirmed | null, current: JsonObject | null): Promise<void> {
    const { keys, userId } = this.session;
    const statement = await signKeyStatement(keys.identityKey, {
      userId,
      exchangeKey: keys.exchangeKey.publicKey,
      cloudUrl,
      sequence: Number(current?.sequence ?? 0) + 1,
      cloudConfirmed: confirmed,
    });
    await this.session.platform("PUT", "/me/statement", { statement });
  }

  /** Keep the keys as the recovery phrase opens them in the person's own cloud too, unless it has them already. */
  private async keepKeys(cloudUrl: string, keys: JsonObject): Promise<void> {
    const copy: JsonObject = {};
    for (const field of RECOVERY_COPY_FIELDS) copy[field] = keys[field] ?? null;
    let held: JsonObject | null = null;
    try {
      held = object(await this.cloud(cloudUrl, "GET", "/storage/account-keys"), "keys");
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 404)) throw failure;
    }
    if (held === null || toText(held) !== toText(copy)) await this.cloud(cloudUrl, "PUT", "/storage/account-keys", copy);
  }

  private async cloud(cloudUrl: string, method: string, path: string, body?: JsonObject): Promise<JsonObject> {
    const token = await this.session.cloudToken(this.session.userId);
    return callJson(method, cloudUrl.replace(/\/+$/, "") + path, { authorization: `Bearer ${token}`, body });
  }
}

function toText(document: JsonObject): string {
  return new TextDecoder().decode(canonicalJson(document));
}
