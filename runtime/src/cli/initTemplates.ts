/** The files `tributary init` writes: a small project that materializes as is. */

/** What the scaffold's package.json depends on. */
export interface RuntimeDependency {
  /** The runtime's version. */
  version: string;
  /** The npm dependency spec of `tributary-ts`: `^0.1.0`, or `file:./tributary-ts-0.1.0.tgz`. */
  spec: string;
  /** The range of `typescript` the runtime itself uses, for `npx tsc --noEmit`. */
  typescript: string;
}

/** The scaffold's files, by path relative to the project folder. */
export function scaffoldFiles(projectName: string, runtime: RuntimeDependency): Record<string, string> {
  return {
    "tributary.yaml": TRIBUTARY_YAML,
    "definitions.ts": DEFINITIONS_TS,
    "package.json": `${JSON.stringify(
      {
        name: projectName,
        version: "0.1.0",
        private: true,
        scripts: {
          materialize: "tributary materialize --select '*'",
          validate: "tributary validate",
        },
        dependencies: { "tributary-ts": runtime.spec },
        devDependencies: { typescript: runtime.typescript },
        // npm 11 warns about, and later versions skip, install scripts not allowed here: better-sqlite3
        // builds its native module and esbuild fetches its binary in them.
        allowScripts: { "better-sqlite3": true, esbuild: true },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": TSCONFIG_JSON,
    ".gitignore": "# Tributary's local state: SQLite database, stored asset values, compiled code.\n.tributary/\nnode_modules/\n",
  };
}

/**
 * For `npx tsc --noEmit` (the loader's own hint on a type error) and the editor. The loader compiles
 * with esbuild, which only strips types: this file never changes what runs. `module: preserve` with
 * bundler resolution is how esbuild resolves; no `skipLibCheck`, so tributary-ts's own types are checked too.
 */
const TSCONFIG_JSON = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "preserve",
      moduleResolution: "bundler",
      strict: true,
      noEmit: true,
    },
    exclude: ["node_modules", ".tributary"],
  },
  null,
  2,
)}\n`;

const TRIBUTARY_YAML = `# Tributary project settings. Every value may use \${VAR} or \${VAR:-default}.
entry: definitions.ts

# Where runs and events are stored. Default: SQLite in .tributary/tributary.db.
# TRIBUTARY_DATABASE_URL overrides it, e.g. postgres://user@localhost:5432/tributary
# storage:
#   url: \${TRIBUTARY_DATABASE_URL:-.tributary/tributary.db}

# executor:
#   maxConcurrency: 4
`;

const DEFINITIONS_TS = `import { asset, assetCheck, definitions, notNull, unique } from "tributary-ts";

interface RawCustomer {
  id: number;
  first_name: string;
  last_name: string;
}

/** Raw customers, as a source system would deliver them. Replace with a real load (CSV, API, SQL). */
export const rawCustomers = asset(
  { key: "raw_customers", group: "raw", description: "Customers as exported by the shop", kinds: ["json"] },
  async (): Promise<RawCustomer[]> => [
    { id: 1, first_name: "Michael", last_name: "P." },
    { id: 2, first_name: "Shawn", last_name: "M." },
    { id: 3, first_name: "Kathleen", last_name: "P." },
  ],
);

/** Cleaned customers with a display name; its upstream value arrives typed in \`inputs\`. */
export const customers = asset(
  {
    key: "customers",
    group: "warehouse",
    deps: [rawCustomers],
    description: "One row per customer, with a display name",
    checks: [notNull("customer_id"), unique("customer_id")],
  },
  async ({ inputs, addMetadata }) => {
    const rows = inputs.raw_customers.map((customer) => ({
      customer_id: customer.id,
      name: \`\${customer.first_name} \${customer.last_name}\`,
    }));
    addMetadata({ rows: rows.length, preview: rows.slice(0, 3) });
    return rows;
  },
);

/** A custom data-quality check: every customer has a name. */
export const customersHaveNames = assetCheck(
  { name: "customers_have_names", asset: customers, severity: "WARN" },
  ({ value }) => value.every((customer) => customer.name.trim().length > 0),
);

export default definitions({
  assets: [rawCustomers, customers],
  checks: [customersHaveNames],
});
`;
