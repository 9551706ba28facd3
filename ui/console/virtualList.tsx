/**
 * A virtual list on @tanstack/virtual-core: only the rows on screen (plus a few) are in the DOM, so
 * a run log of a million lines renders as fast as one of a hundred. Rows have one fixed height.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from "@tanstack/virtual-core";

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  row(index: number): ComponentChildren;
  /** Keeps the last row in view as rows arrive, until the user scrolls up. */
  follow: boolean;
  /** The user scrolled to (true) or away from (false) the bottom. */
  onFollowChange?(follow: boolean): void;
  /** The user scrolled to the very top (load older rows). */
  onTop?(): void;
  /** Scrolls this row into view when it changes. */
  scrollTo?: number | null;
  height?: string;
}

export function VirtualList(props: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, repaint] = useReducer((n: number) => n + 1, 0);
  const latest = useRef(props);
  latest.current = props;
  const [virtualizer] = useState(
    () =>
      new Virtualizer<HTMLDivElement, HTMLDivElement>({
        count: props.count,
        getScrollElement: () => scroller.current,
        estimateSize: () => latest.current.rowHeight,
        overscan: 20,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => repaint(undefined as never),
      }),
  );
  virtualizer.setOptions({ ...virtualizer.options, count: props.count });
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());

  useLayoutEffect(() => {
    if (props.follow && props.count > 0) virtualizer.scrollToIndex(props.count - 1, { align: "end" });
  }, [props.count, props.follow, virtualizer]);
  useEffect(() => {
    if (props.scrollTo !== null && props.scrollTo !== undefined) virtualizer.scrollToIndex(props.scrollTo, { align: "center" });
  }, [props.scrollTo, virtualizer]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < latest.current.rowHeight;
    if (atBottom !== latest.current.follow) latest.current.onFollowChange?.(atBottom);
    if (el.scrollTop === 0) latest.current.onTop?.();
  };

  return (
    <div ref={scroller} class="virtual" style={{ height: props.height ?? "60vh" }} onScroll={onScroll} data-testid="virtual-list">
      <div style={{ height: `${virtualizer.getTotalSize()}px`, position: "relative" }}>
        {virtualizer.getVirtualItems().map((item) => (
          <div key={item.key} class="virtual-row" style={{ position: "absolute", top: 0, left: 0, right: 0, height: `${props.rowHeight}px`, transform: `translateY(${item.start}px)` }}>
            {props.row(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
