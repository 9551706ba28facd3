/** Starts the CLI from source (run with `node --import tsx`), so tests need no compiled dist/. */
import { main } from "../../runtime/src/cli/main";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
