#!/usr/bin/env bash
# Installs Neovim (Debian's 0.7) for the language server's real-editor test, if it is missing.
# Idempotent: does nothing when `nvim` is already on PATH.
set -euo pipefail
if command -v nvim >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends neovim >/dev/null
command -v nvim >/dev/null
