/** A line chart of a numeric metadata value over time (uPlot: canvas, small, fast). */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export function TimeChart({ label, points }: { label: string; points: Array<[number, number]> }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    const css = getComputedStyle(document.body);
    const plot = new uPlot(
      {
        width: Math.max(300, host.current.clientWidth),
        height: 180,
        series: [{}, { label, stroke: css.getPropertyValue("--accent").trim() || "#2f6fed", width: 2, points: { size: 5 } }],
        axes: [{ stroke: css.color }, { stroke: css.color }],
        legend: { show: false },
      },
      [sorted.map((p) => p[0] / 1000), sorted.map((p) => p[1])],
      host.current,
    );
    return () => plot.destroy();
  }, [label, points]);
  return <div ref={host} class="chart" data-testid="metadata-chart" aria-label={`${label} over time`} />;
}
