/**
 * Definitions are recognized by a registered symbol, not `instanceof`: user code may load its own
 * copy of the `tributary-ts` package (the project's node_modules) while the CLI runs another one.
 */
export const DEFINITION_KIND = Symbol.for("tributary.definitionKind");

export type DefinitionKind =
  | "asset"
  | "multiAsset"
  | "assetCheck"
  | "job"
  | "schedule"
  | "sensor"
  | "resource"
  | "definitions";

export function kindOf(value: unknown): DefinitionKind | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  return (value as { [DEFINITION_KIND]?: DefinitionKind })[DEFINITION_KIND];
}

export function isKind<T>(value: unknown, kind: DefinitionKind): value is T {
  return kindOf(value) === kind;
}
