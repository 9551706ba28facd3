// Writes runtime/schema/tributary.schema.json, the JSON Schema of tributary.yaml, from the valibot
// schema the loader validates with (runtime/src/loader/configSchema.ts), so editors complete and
// check the file with the very rules `tributary` applies. Run after `npm run build` (it reads
// dist/); test/loader/configSchema.test.ts fails when the committed file differs from its output.
//
//   node runtime/scripts/configSchema.mjs
import { toJsonSchema } from "@valibot/to-json-schema";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const runtimeDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the generated file lives (shipped in the npm package and the .vsix). */
export const CONFIG_JSON_SCHEMA_FILE = join(runtimeDir, "schema", "tributary.schema.json");

/**
 * The JSON Schema text of `configFileSchema`: what a user writes (`typeMode: "input"`: deprecated
 * `*Ms` keys included, defaults as annotations). `finite` is left out: JSON has no infinities.
 */
export function configJsonSchemaText(configFileSchema) {
  const schema = toJsonSchema(configFileSchema, { typeMode: "input", errorMode: "throw", ignoreActions: ["finite"] });
  return `${JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", ...allowInterpolation(schema) }, null, 2)}\n`;
}

/** The annotations editors show; the rest of a JSON Schema is what a value must be. */
const ANNOTATIONS = ["title", "description", "default", "examples", "deprecated", "deprecationMessage"];

/** An unquoted value that is entirely `${VAR}` or `${VAR:-default}`. */
const WHOLE_INTERPOLATION = "^\\$\\{[^}]+\\}$";

/**
 * The loader checks values after `${VAR}` interpolation; editors see them before. So every number
 * also accepts a value that is entirely `${VAR}` (read as the number it holds), and every string
 * with a pattern (a webhook's http(s) URL) accepts `${VAR}` too. Annotations stay on the whole.
 */
function allowInterpolation(node) {
  if (Array.isArray(node)) return node.map(allowInterpolation);
  if (node === null || typeof node !== "object") return node;
  const walked = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, allowInterpolation(value)]));
  const checked = walked.type === "number" || walked.type === "integer" || (walked.type === "string" && walked.pattern !== undefined);
  if (!checked) return walked;
  const annotations = Object.fromEntries(Object.entries(walked).filter(([key]) => ANNOTATIONS.includes(key)));
  const value = Object.fromEntries(Object.entries(walked).filter(([key]) => !ANNOTATIONS.includes(key)));
  return { anyOf: [value, { type: "string", pattern: WHOLE_INTERPOLATION }], ...annotations };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ConfigFileSchema } = createRequire(import.meta.url)(join(runtimeDir, "dist", "loader", "configSchema.js"));
  writeFileSync(CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText(ConfigFileSchema));
  console.log(`wrote ${CONFIG_JSON_SCHEMA_FILE}`);
}
