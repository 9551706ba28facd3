import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cursor } from "./lspClient";

const repository = path.resolve(__dirname, "../..");
const fixture = path.join(__dirname, "fixtures", "warehouse");

/**
 * A second real client: headless Neovim (Debian's 0.7, so `vim.lsp.start_client` rather than the
 * 0.8+ `vim.lsp.start`) starts the server, opens a file with a broken dep, and must receive the
 * unknown-dep diagnostic and a hover.
 */
describe("language server in headless Neovim", function () {
  this.timeout(120_000);

  before(function () {
    const install = spawnSync("bash", [path.join(repository, "scripts/ensure-neovim.sh")], { encoding: "utf8" });
    assert.equal(install.status, 0, `scripts/ensure-neovim.sh failed: ${install.stderr}`);
  });

  it("receives the unknown-dep diagnostic and a hover from the server", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-nvim-"));
    const staging = path.join(fixture, "src/models/staging.ts");
    const position = cursor(fs.readFileSync(staging, "utf8"), '"raw_pay|ments"');
    const output = path.join(scratch, "result.json");
    const script = path.join(scratch, "test.lua");
    const lua = (value: string): string => JSON.stringify(value);
    fs.writeFileSync(script, `
local function finish(result, code)
  vim.fn.writefile({ vim.fn.json_encode(result) }, ${lua(output)})
  if code == 0 then vim.cmd('qall!') else vim.cmd('cquit! ' .. code) end
end
vim.cmd('edit ' .. vim.fn.fnameescape(${lua(staging)}))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'tributary',
  cmd = { ${lua(process.execPath)}, '--import', 'tsx', ${lua(path.join(repository, "server/src/main.ts"))}, '--stdio' },
  cmd_cwd = ${lua(repository)},
  root_dir = ${lua(fixture)},
})
if not client_id then finish({ error = 'start_client failed' }, 2) end
vim.lsp.buf_attach_client(bufnr, client_id)
local function code_of(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end
local found = vim.wait(30000, function()
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == 'unknown-dep' then return true end
  end
  return false
end, 50)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(diagnostics, { code = code_of(d), message = d.message, lnum = d.lnum, col = d.col })
end
if not found then finish({ error = 'no unknown-dep diagnostic', diagnostics = diagnostics }, 3) end
local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = ${position.line}, character = ${position.character} } }
local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 10000)
local hover = ''
for _, response in pairs(responses or {}) do
  if response.result and response.result.contents then hover = response.result.contents.value or '' end
end
vim.lsp.stop_client(client_id)
finish({ diagnostics = diagnostics, hover = hover }, 0)
`);
    const run = spawnSync("nvim", ["--headless", "-u", "NONE", "-c", `luafile ${script}`], { encoding: "utf8", timeout: 90_000, cwd: repository });
    const result = fs.existsSync(output) ? JSON.parse(fs.readFileSync(output, "utf8")) as { error?: string; diagnostics: { code: string; message: string; lnum: number; col: number }[]; hover: string } : undefined;
    fs.rmSync(scratch, { recursive: true, force: true });
    assert.ok(result, `Neovim wrote no result (exit ${run.status}): ${run.stderr}`);
    assert.equal(result.error, undefined, JSON.stringify(result));
    const unknownDep = result.diagnostics.find((d) => d.code === "unknown-dep");
    assert.match(unknownDep?.message ?? "", /Unknown asset "raw_ordres" in dependency; did you mean "raw_orders"\?/);
    assert.equal(unknownDep?.lnum, 10);
    assert.match(result.hover, /\*\*raw_payments\*\* · group `raw`/);
    assert.match(result.hover, /Downstream: `stg_orders`/);
    assert.equal(run.status, 0);
  });
});
