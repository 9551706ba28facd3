#!/usr/bin/env bash
# Installs what the VS Code tests need: code-server 4.100.3 (= VS Code 1.100.3, the last line that
# runs on Node 20) into ~/.cache/tributary/code-server-4.100.3/ (shared by every checkout), plus Debian's Chromium (driven by playwright-core) and
# ripgrep. Idempotent: does nothing when everything is already there. ~70 s the first time.
# Recipe and reasons: docs/vscode.md ("Testing") and the team's vscode-e2e recipe.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.100.3
# Outside the clone, so that every checkout on a machine (CI clones afresh each time) shares one
# install; test/vscode/codeServer.ts computes the same path.
PREFIX="${TRIBUTARY_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tributary/code-server-$VERSION}"
BIN="$PREFIX/node_modules/.bin/code-server"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Other tools' installs may hold the dpkg lock: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null | head -1 | cut -d' ' -f1)" = "$VERSION" ]; then
  exit 0
fi

mkdir -p "$PREFIX"
[ -f "$PREFIX/package.json" ] || echo '{ "name": "code-server-cache", "private": true }' > "$PREFIX/package.json"

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here: pre-seed its
# download cache with Debian's rg under the name it looks for.
TMP="${TMPDIR:-/tmp}"
RG_CACHE="$TMP/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE/stage"
  cp "$(command -v rg)" "$RG_CACHE/stage/rg"
  tar -czf "$RG_TAR" -C "$RG_CACHE/stage" rg
  rm -rf "$RG_CACHE/stage"
fi

# node-gyp builds argon2, spdlog, kerberos and node-pty against Debian's Node headers (no download);
# the postinstall refuses to run as root without unsafe_perm; node-pty's postinstall runs `npx`.
export npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "code-server@$VERSION" >/dev/null

"$BIN" --version >/dev/null
echo "code-server $VERSION installed in $PREFIX"
