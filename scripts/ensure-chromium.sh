#!/usr/bin/env bash
# Headless Chromium for the lineage UI tests and bench (driven by playwright-core, which downloads no
# browser). Idempotent: does nothing when a chromium is already on PATH.
set -euo pipefail
command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y --no-install-recommends chromium)
