/** The files `tributary init` writes: a small project that materializes as is. */

/** The scaffold's files, by path relative to the project folder. */
export function scaffoldFiles(projectName: string, tributaryVersion: string): Record<string, string> {
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
        dependencies: { tributary: `^${tributaryVersion}` },
      },
      null,
      2,
    )}\n`,
    ".gitignore": "# Tributary's local state: SQLite database, stored asset values, compiled code.\n.tributary/\nnode_modules/\n",
  };
}

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
