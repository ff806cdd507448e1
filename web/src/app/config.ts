/** Where the platform is: config.json, published beside the build (the local cloud makes it from its stack). */

import { AUTHENTICATION_ITERATIONS, DEFAULT_PASSWORD_ITERATIONS } from "../crypto/index";
import { callJson, text } from "./http";

export interface Config {
  platformApiUrl: string;
  userPoolClientId: string;
  cognitoEndpoint: string;
  /** PBKDF2 iterations of the sign-in secret and of a new account's KEK (the local cloud's tests lower them). */
  kdfIterations: number;
}

export async function loadConfig(): Promise<Config> {
  const answer = await callJson("GET", new URL("config.json", window.location.href).toString());
  const iterations = answer.kdfIterations;
  return {
    platformApiUrl: text(answer, "platformApiUrl").replace(/\/+$/, ""),
    userPoolClientId: text(answer, "userPoolClientId"),
    cognitoEndpoint: text(answer, "cognitoEndpoint"),
    kdfIterations: typeof iterations === "number" ? iterations : Math.max(AUTHENTICATION_ITERATIONS, DEFAULT_PASSWORD_ITERATIONS),
  };
}
