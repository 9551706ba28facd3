/**
 * Colours for the canvas, read from CSS custom properties (main.css maps them to VS Code's theme
 * variables inside a webview, and to light/dark palettes from prefers-color-scheme in a browser),
 * so the canvas always matches the page around it.
 */
import type { LineageStatus } from "../protocol";

/** Resolved colours and fonts. */
export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  card: string;
  cardBorder: string;
  groupFill: string;
  groupBorder: string;
  groupTitle: string;
  edge: string;
  edgeHighlight: string;
  accent: string;
  pass: string;
  fail: string;
  status: Record<LineageStatus, string>;
  fontFamily: string;
}

/** Reads the theme from the page's computed style. */
export function readTheme(element: HTMLElement = document.body): Theme {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    background: v("--tb-bg", "#f6f7f9"),
    foreground: v("--tb-fg", "#1f2328"),
    muted: v("--tb-muted", "#667085"),
    card: v("--tb-card", "#ffffff"),
    cardBorder: v("--tb-card-border", "#d0d5dd"),
    groupFill: v("--tb-group-fill", "rgba(100,116,139,0.06)"),
    groupBorder: v("--tb-group-border", "rgba(100,116,139,0.28)"),
    groupTitle: v("--tb-group-title", "#475467"),
    edge: v("--tb-edge", "rgba(100,116,139,0.55)"),
    edgeHighlight: v("--tb-accent", "#2f6feb"),
    accent: v("--tb-accent", "#2f6feb"),
    pass: v("--tb-pass", "#1a7f37"),
    fail: v("--tb-fail", "#cf222e"),
    status: {
      NEVER: v("--tb-status-never", "#98a2b3"),
      FRESH: v("--tb-status-fresh", "#1a7f37"),
      STALE: v("--tb-status-stale", "#bf8700"),
      FAILED: v("--tb-status-failed", "#cf222e"),
      RUNNING: v("--tb-status-running", "#2f6feb"),
      UNKNOWN: v("--tb-status-unknown", "#c3cad5"),
    },
    fontFamily: v("--tb-font", "system-ui, -apple-system, 'Segoe UI', sans-serif"),
  };
}

/** Human label of a status. */
export const STATUS_LABEL: Record<LineageStatus, string> = {
  NEVER: "Never materialized",
  FRESH: "Fresh",
  STALE: "Stale",
  FAILED: "Failed",
  RUNNING: "Running",
  UNKNOWN: "Status unknown (no daemon)",
};
