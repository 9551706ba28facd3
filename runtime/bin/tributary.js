#!/usr/bin/env node
"use strict";
// The `tributary` CLI. The code lives in dist/ (compiled by `tsc -b`); this file only starts it.
const { main } = require("../dist/cli/main.js");

// A reader that stops early (`tributary runs show ID | head`) closes the pipe: the rest of the
// output has nowhere to go, which is not an error of the command. Exit quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error && error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
