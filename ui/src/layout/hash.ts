import type { LayoutInput } from "./types";

/**
 * A hash of everything that changes a layout (node ids, sizes, groups, edges) and nothing that
 * does not (status, checks): the cache key that lets a status change skip the layout entirely.
 * FNV-1a (32-bit twice, different seeds) over the serialized shape; collisions are practically
 * irrelevant at this size, and the shape string is never kept.
 */
export function layoutShapeHash(input: LayoutInput): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  const feed = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0x1f, 0x01000193);
    b = Math.imul(b ^ 0x1f, 0x5bd1e995);
  };
  for (const node of input.nodes) feed(`${node.id}\u0000${node.width}x${node.height}\u0000${node.group ?? ""}`);
  feed("|");
  for (const [from, to] of input.edges) feed(`${from}>${to}`);
  return `${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}-${input.nodes.length}-${input.edges.length}`;
}
