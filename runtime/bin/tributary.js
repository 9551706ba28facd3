#!/usr/bin/env node
"use strict";
// The `tributary` CLI. The code lives in dist/ (compiled by `tsc -b`); this file only starts it.
const { main } = require("../dist/cli/main.js");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
