import { DefinitionError, type SourceLocation } from "../errors";
import type { AssetSelection } from "../selection";
import { DEFINITION_KIND, kindOf } from "./brand";
import { callerLocation } from "../location";

/** A selection as users write it: a selection string or an `AssetSelection` builder. */
export type SelectionInput = string | AssetSelection;

/** A named selection of assets to materialize together (the target of schedules and sensors). */
export interface JobDefinition {
  readonly [DEFINITION_KIND]: "job";
  readonly name: string;
  /** The selection string (builders are rendered to their string form). */
  readonly selection: string;
  readonly description: string | undefined;
  /** Tags given to every run of the job (the run queue limits concurrency per tag). */
  readonly tags: Record<string, string>;
  readonly location: SourceLocation | undefined;
}

/**
 * Defines a job: a named selection of assets, materialized together.
 *
 * @example
 * ```ts
 * export const nightly = defineAssetJob({ name: "nightly", selection: "group:raw+" });
 * ```
 */
export function defineAssetJob(spec: {
  name: string;
  selection: SelectionInput;
  description?: string;
  tags?: Record<string, string>;
}): JobDefinition {
  const location = callerLocation();
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError('defineAssetJob() takes { name, selection }, e.g. { name: "nightly", selection: "*" }', {
      location,
    });
  }
  const name = validateName(spec.name, "job", location);
  return {
    [DEFINITION_KIND]: "job",
    name,
    selection: selectionToString(spec.selection, `job "${name}"`, location),
    description: spec.description,
    tags: { ...(spec.tags ?? {}) },
    location,
  };
}

export function isJob(value: unknown): value is JobDefinition {
  return kindOf(value) === "job";
}

/** Renders a selection input to its string form, the form runs and storage keep. */
export function selectionToString(selection: unknown, what: string, location: SourceLocation | undefined): string {
  if (typeof selection === "string") {
    if (selection.trim() === "") {
      throw new DefinitionError(`${what}: selection is empty`, { location, hint: 'Use "*" to select every asset.' });
    }
    return selection;
  }
  if (selection && typeof selection === "object" && typeof (selection as AssetSelection).toString === "function") {
    const text = (selection as AssetSelection).toString();
    if (text !== "[object Object]") return text;
  }
  throw new DefinitionError(`${what}: selection must be a selection string or an AssetSelection`, {
    location,
    hint: 'e.g. selection: "group:staging+" or AssetSelection.groups("staging").downstream()',
  });
}

export function validateName(name: unknown, what: string, location: SourceLocation | undefined): string {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_\-.]*$/.test(name)) {
    throw new DefinitionError(`${what} name ${JSON.stringify(name)} is invalid`, {
      location,
      hint: "Use letters, digits, _ - and . (e.g. nightly_refresh).",
    });
  }
  return name;
}
