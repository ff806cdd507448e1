/** Every text a person sees, from one language file (i18n/en.json): a translation is another such file. */

import english from "./i18n/en.json";

export type TextKey = keyof typeof english;

/** The text for `key`, with `{name}` replaced by `values[name]`. */
export function t(key: TextKey, values: Record<string, string | number> = {}): string {
  return english[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
