#!/usr/bin/env node
"use strict";
// The Tributary language server for any LSP client (`tributary-language-server --stdio`).
// dist/bundled/language-server.js is the server/ package bundled by the build; it starts on require.
require("../dist/bundled/language-server.js");
