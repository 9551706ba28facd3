/**
 * A bench's verdict on a goal, written next to each figure it judges: "cold index <= 1500 ms:
 * measured 1400 ms, met; idle estimate 1605 ms, NOT met". A verdict printed beside another figure
 * than the one it judged ("met (idle estimate 1605 ms)") reads as a contradiction.
 */

/** One figure a goal is judged on: what it is ("measured", "idle estimate") and its value. */
export interface JudgedFigure {
  label: string;
  value: number;
}

/**
 * The goal's line: each figure with its own verdict against `limit` (at most), figures without a
 * value (NaN, undefined) left out.
 */
export function goalVerdict(goal: string, limit: number, unit: string, figures: readonly (JudgedFigure | undefined)[], digits = 0): string {
  const judged = figures
    .filter((figure): figure is JudgedFigure => figure !== undefined && Number.isFinite(figure.value))
    .map((figure) => `${figure.label} ${figure.value.toFixed(digits)} ${unit}, ${figure.value <= limit ? "met" : "NOT met"}`);
  return `${goal}: ${judged.length > 0 ? judged.join("; ") : "not measured"}`;
}
