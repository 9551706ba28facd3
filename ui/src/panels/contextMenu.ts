/** A small keyboard-accessible context menu. */
import { h } from "./dom";

/** One entry; `null` draws a separator. */
export type MenuEntry = { label: string; run: () => void; testId?: string } | null;

/** Shows `entries` at client position (x, y) inside `menu`; closes on choice, Escape or outside click. */
export function openContextMenu(menu: HTMLElement, x: number, y: number, entries: MenuEntry[]): void {
  const close = (): void => {
    menu.hidden = true;
    menu.replaceChildren();
    document.removeEventListener("pointerdown", outside, true);
  };
  const outside = (event: Event): void => {
    if (!menu.contains(event.target as Node)) close();
  };
  menu.replaceChildren(
    ...entries.map((entry) =>
      entry === null
        ? h("div", { class: "separator", role: "separator" })
        : h(
            "button",
            {
              type: "button",
              role: "menuitem",
              ...(entry.testId ? { "data-testid": entry.testId } : {}),
              onclick: () => {
                close();
                entry.run();
              },
            },
            entry.label,
          ),
    ),
  );
  menu.hidden = false;
  const bounds = menu.getBoundingClientRect();
  menu.style.left = `${Math.min(x, window.innerWidth - bounds.width - 4)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - bounds.height - 4)}px`;
  menu.onkeydown = (event: KeyboardEvent) => {
    const items = [...menu.querySelectorAll<HTMLButtonElement>("button")];
    const index = items.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") close();
    else if (event.key === "ArrowDown") items[(index + 1) % items.length]?.focus();
    else if (event.key === "ArrowUp") items[(index - 1 + items.length) % items.length]?.focus();
    else return;
    event.preventDefault();
  };
  menu.querySelector<HTMLButtonElement>("button")?.focus();
  document.addEventListener("pointerdown", outside, true);
}
