export { tempProject } from "../support/tempProject";

/** A valid two-asset entry file. */
export const TWO_ASSETS = `import { asset, definitions } from "tributary-ts";

export const first = asset({ key: "first", group: "raw" }, async () => [{ id: 1 }]);

export const second = asset({ key: "second", deps: [first] }, async ({ inputs }) => inputs.first.length);

export default definitions({ assets: [first, second] });
`;
