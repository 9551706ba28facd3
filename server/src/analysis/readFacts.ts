import * as fs from "node:fs";
import { extractFileFacts } from "./extract";
import type { FileFacts } from "./model";

/** Files larger than this are not parsed (generated bundles, data dumps): they cannot hold definitions worth the stall. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Extraction never throws: a file the parser chokes on simply contributes nothing. */
export function safeExtract(file: string, text: string): FileFacts {
  try {
    return extractFileFacts(file, text);
  } catch {
    return { file, imports: [], reexports: [], exports: {}, arrays: {}, definitions: [], lineStarts: [0] };
  }
}

/**
 * Reads and extracts one file from disk, as a cold index does. Undefined when the file is not
 * indexed: unreadable (vanished since it was listed) or over {@link MAX_FILE_BYTES}.
 */
export function readFileFacts(file: string): FileFacts | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // vanished or unreadable: the watcher will tell us if it comes back
  }
  return text.length > MAX_FILE_BYTES ? undefined : safeExtract(file, text);
}
