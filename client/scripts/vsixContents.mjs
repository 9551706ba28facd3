// What a .vsix holds, and whether it is fit to publish as one universal package for every platform
// (Marketplace and Open VSX): no native code, under the size budget, with its listing files.
// `npm run package` refuses a package with problems; test/vscode/vsix.test.ts checks the same.
// A .vsix is a zip: its central directory is read here directly (no dependency for it).
import { readFileSync, statSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

/** The size budget of the .vsix, in bytes. */
export const VSIX_BUDGET_BYTES = 5 * 1024 * 1024;

/** Files the listing needs (paths inside the .vsix). */
export const REQUIRED_ENTRIES = [
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/readme.md",
  "extension/changelog.md",
  "extension/LICENSE.txt",
  "extension/client/images/icon.png",
  "extension/client/dist/extension.js",
  "extension/client/dist/server.js",
  // The SQL parser (PostgreSQL's, WebAssembly: portable, not native code); the server loads it next to itself.
  "extension/client/dist/libpg-query.wasm",
  "extension/client/dist/ui/index.html",
  "extension/runtime/schema/tributary.schema.json",
];

/** File names of native code: Node addons and platform libraries or programs. */
const NATIVE_NAME = /\.(node|exe|dll|dylib|so(\.\d+)*)$/i;

/** First bytes of executables and libraries: ELF, Mach-O (32/64-bit, both byte orders, fat), PE. */
const NATIVE_MAGIC = [
  [0x7f, 0x45, 0x4c, 0x46],
  [0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe],
  [0xca, 0xfe, 0xba, 0xbe],
  [0x4d, 0x5a],
];

/**
 * Reads the entries of a zip file: name, uncompressed size and the first bytes of each.
 * @returns {{ name: string, size: number, head: Buffer }[]}
 */
export function readZipEntries(file) {
  const zip = readFileSync(file);
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? data : method === 8 ? inflateRawSync(data) : Buffer.alloc(0);
    entries.push({ name, size, head: content.subarray(0, 8), content });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Checks a .vsix: size, no native code, universal (no target platform), required listing files.
 * @returns {{ bytes: number, entries: string[], problems: string[] }}
 */
export function inspectVsix(file) {
  const bytes = statSync(file).size;
  const entries = readZipEntries(file);
  const names = entries.map((entry) => entry.name);
  const problems = [];
  if (bytes > VSIX_BUDGET_BYTES) problems.push(`${(bytes / 1024 / 1024).toFixed(2)} MB is over the ${VSIX_BUDGET_BYTES / 1024 / 1024} MB budget`);
  for (const entry of entries) {
    if (NATIVE_NAME.test(entry.name)) problems.push(`${entry.name} is native code (by its name)`);
    else if (NATIVE_MAGIC.some((magic) => magic.every((byte, i) => entry.head[i] === byte))) problems.push(`${entry.name} is native code (an executable or library)`);
  }
  const manifest = entries.find((entry) => entry.name === "extension.vsixmanifest");
  if (manifest && /TargetPlatform="/.test(manifest.content.toString("utf8"))) {
    problems.push("extension.vsixmanifest names a TargetPlatform: the package must be universal (no --target)");
  }
  for (const required of REQUIRED_ENTRIES) if (!names.includes(required)) problems.push(`${required} is missing`);
  return { bytes, entries: names, problems };
}
