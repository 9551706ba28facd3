#!/usr/bin/env bash
# README's test command (`npm test`): builds everything, makes sure the services and tools the tests
# need are there (each step idempotent), then runs the whole suite once.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-postgres.sh
if [ -f scripts/ensure-neovim.sh ]; then bash scripts/ensure-neovim.sh; fi
# Before mocha: the lineage UI tests (test/ui) run before the VS Code test that would install it.
bash scripts/ensure-chromium.sh
npm run build --silent

mkdir -p test-artifacts
set +e
npx mocha "$@" 2>&1 | tee test-artifacts/mocha.log
status=${PIPESTATUS[0]}
set -e

# One plain closing line that any CI can read, whatever mocha's reporter prints.
passed=$(grep -Eo '^ *[0-9]+ passing' test-artifacts/mocha.log | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ failing' test-artifacts/mocha.log | tail -1 | grep -Eo '[0-9]+' || echo 0)
echo "tests: ${passed} passed, ${failed} failed"
exit "$status"
