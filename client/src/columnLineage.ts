/**
 * The lineage panel's column lineage from the language server: one `tributary/columnLineage`
 * request per asset of the graph, turned into the UI's `columns` message. Kept free of the `vscode`
 * module so it is tested against the real server over stdio; the panel calls it each time it sends
 * the graph (the server's status notification after every edit), so the columns follow the text as
 * it is typed.
 */
import type { ColumnLineageParams, ColumnLineageResult } from "../../server/src/protocol";
import type { LineageAssetColumns } from "../../ui/src/protocol";

/** Sends one `tributary/columnLineage` request. */
export type ColumnLineageRequester = (params: ColumnLineageParams) => Promise<ColumnLineageResult>;

/**
 * The columns of `keys` as the UI takes them: a SQL asset's columns (name, type when known,
 * upstream columns), `null` for an asset whose columns the analysis does not know (a TypeScript
 * asset, which the server answers `null` for, or a `*` over unknown columns).
 *
 * @example
 * const assets = await columnsFromServer((params) => ctx.request(ColumnLineageRequest, params), ["orders", "raw_orders"]);
 * panel.post({ type: "columns", assets });
 */
export async function columnsFromServer(request: ColumnLineageRequester, keys: readonly string[], uri?: string): Promise<LineageAssetColumns[]> {
  const answers = await Promise.all(keys.map((key) => request(uri === undefined ? { key } : { key, uri })));
  return keys.map((key, index) => {
    const columns = answers[index]?.columns;
    return { key, columns: columns ? columns.map((c) => ({ name: c.name, ...(c.type !== null ? { type: c.type } : {}), from: [...c.from] })) : null };
  });
}
