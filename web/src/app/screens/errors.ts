/** A failure, as a sentence for the person. */

import { CognitoError } from "../cognito";
import { ApiError, Unreachable } from "../http";
import { t } from "../i18n";

export function describe(failure: unknown): string {
  if (failure instanceof Unreachable) return t("error.unreachable", { url: failure.url });
  if (failure instanceof ApiError || failure instanceof CognitoError || failure instanceof Error) {
    return t("error.generic", { message: failure.message });
  }
  return t("error.generic", { message: String(failure) });
}
