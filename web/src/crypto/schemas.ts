/**
 * Envelope shapes: the layer's own JSON Schemas (layers/crypto/imegha_crypto/schemas, bundled as they are, so there
 * is one source of truth) checked by the small part of draft 2020-12 they use. A refusal is a `FormatError`
 * `<envelope type>: <field path>: <reason>`, as validate_envelope words it.
 */

import accountKeys from "../../../layers/crypto/imegha_crypto/schemas/account-keys.json";
import defs from "../../../layers/crypto/imegha_crypto/schemas/defs.json";
import keyStatement from "../../../layers/crypto/imegha_crypto/schemas/key-statement.json";
import passwordWrappedKey from "../../../layers/crypto/imegha_crypto/schemas/password-wrapped-key.json";
import recipientWrappedKey from "../../../layers/crypto/imegha_crypto/schemas/recipient-wrapped-key.json";
import recoveryWrappedKey from "../../../layers/crypto/imegha_crypto/schemas/recovery-wrapped-key.json";
import sealedData from "../../../layers/crypto/imegha_crypto/schemas/sealed-data.json";
import signedRecord from "../../../layers/crypto/imegha_crypto/schemas/signed-record.json";
import wrappedKey from "../../../layers/crypto/imegha_crypto/schemas/wrapped-key.json";
import { isJsonObject } from "./canonical";
import { FormatError } from "./errors";

type Schema = Record<string, unknown>;

export const ENVELOPE_TYPES = [
  "password-wrapped-key",
  "recovery-wrapped-key",
  "wrapped-key",
  "recipient-wrapped-key",
  "sealed-data",
  "signed-record",
  "key-statement",
  "account-keys",
] as const;
export type EnvelopeType = (typeof ENVELOPE_TYPES)[number];

const SCHEMAS: Schema[] = [
  accountKeys,
  defs,
  keyStatement,
  passwordWrappedKey,
  recipientWrappedKey,
  recoveryWrappedKey,
  sealedData,
  signedRecord,
  wrappedKey,
];
const BY_ID = new Map(SCHEMAS.map((schema) => [String(schema.$id), schema]));
const BASE = "https://imegha.net/schemas/crypto/";

/** Refuse `envelope` unless it is a well-formed envelope of `envelopeType`, of a known version. */
export function validateEnvelope(envelopeType: EnvelopeType, envelope: unknown): void {
  const failure = check(schemaAt(`${envelopeType}.json`, BASE), envelope, []);
  if (failure !== undefined) {
    throw new FormatError(`${envelopeType}: ${failure.path.join(".") || "(the envelope itself)"}: ${failure.reason}`);
  }
}

interface Failure {
  path: string[];
  reason: string;
}

function schemaAt(reference: string, base: string): [Schema, string] {
  const [file = "", pointer = ""] = reference.split("#");
  const url = new URL(file, base).href;
  let schema: unknown = BY_ID.get(url);
  for (const part of pointer.split("/").filter(Boolean)) schema = isJsonObject(schema) ? schema[part] : undefined;
  if (!isJsonObject(schema)) throw new Error(`schema ${reference} not found`);
  return [schema, url];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const ARTICLE: Record<string, string> = { array: "an array", integer: "an integer", object: "an object" };

function check([schema, base]: [Schema, string], value: unknown, path: string[]): Failure | undefined {
  const fail = (reason: string, at: string[] = path): Failure => ({ path: at, reason });
  const description = typeof schema.description === "string" ? schema.description : "";
  if (typeof schema.$ref === "string") {
    const failure = check(schemaAt(schema.$ref, base), value, path);
    if (failure) return failure;
  }
  if (Array.isArray(schema.type) || typeof schema.type === "string") {
    const allowed = ([] as unknown[]).concat(schema.type);
    const actual = typeOf(value);
    if (!allowed.includes(actual) && !(actual === "integer" && allowed.includes("number"))) {
      return fail(`must be of type ${allowed.join(" or ")}, not ${ARTICLE[actual] ?? `a ${actual}`}`);
    }
  }
  if ("const" in schema && value !== schema.const) {
    const field = path.at(-1);
    if (field === "v") return fail(`unknown version ${JSON.stringify(value)}; this layer reads version 1`);
    if (field === "alg") return fail(`unknown algorithm ${JSON.stringify(value)}; expected ${JSON.stringify(schema.const)}`);
    return fail(`must be ${JSON.stringify(schema.const)}, not ${JSON.stringify(value)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    return fail(`${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
  }
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      return fail(`not ${description}`);
    }
    const length = Array.from(value).length;
    if ((typeof schema.minLength === "number" && length < schema.minLength) ||
        (typeof schema.maxLength === "number" && length > schema.maxLength)) {
      return fail(`${length} characters; expected ${description}`);
    }
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      return fail(`${value} is below the minimum of ${schema.minimum.toLocaleString("en-US")}`);
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      return fail(`${value} is above the maximum of ${schema.maximum.toLocaleString("en-US")}`);
    }
  }
  if (isJsonObject(value)) {
    const failure = checkObject(schema, base, value, path);
    if (failure) return failure;
  }
  if (Array.isArray(value) && isJsonObject(schema.items)) {
    for (const [index, item] of value.entries()) {
      const failure = check([schema.items, base], item, [...path, String(index)]);
      if (failure) return failure;
    }
  }
  if (isJsonObject(schema.not) && !check([schema.not, base], value, path)) return fail(description);
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const failure = isJsonObject(part) ? check([part, base], value, path) : undefined;
      if (failure) return failure;
    }
  }
  if (Array.isArray(schema.anyOf)) {
    const failures = schema.anyOf.map((part) => (isJsonObject(part) ? check([part, base], value, path) : undefined));
    if (failures.every(Boolean)) return failures[0];
  }
  if (isJsonObject(schema.if)) {
    const branch = check([schema.if, base], value, path) ? schema.else : schema.then;
    if (isJsonObject(branch)) return check([branch, base], value, path);
  }
  return undefined;
}

function checkObject(schema: Schema, base: string, value: Record<string, unknown>, path: string[]): Failure | undefined {
  const required: unknown[] = Array.isArray(schema.required) ? schema.required : [];
  const missing = required.find((name) => typeof name === "string" && !(name in value));
  if (typeof missing === "string") return { path: [...path, missing], reason: "missing" };
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  for (const [name, item] of Object.entries(value)) {
    const property: unknown = properties[name];
    if (isJsonObject(property)) {
      const failure = check([property, base], item, [...path, name]);
      if (failure) return failure;
    } else if (schema.additionalProperties === false) {
      return { path: [...path, name], reason: "not a field of this envelope" };
    } else if (isJsonObject(schema.additionalProperties)) {
      const failure = check([schema.additionalProperties, base], item, [...path, name]);
      if (failure) return failure;
    }
  }
  return undefined;
}
