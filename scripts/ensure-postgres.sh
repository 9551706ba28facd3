#!/usr/bin/env bash
# Starts the local PostgreSQL the tests use, if it is not running. Idempotent.
# The tests use postgres://postgres@127.0.0.1:5432/test unless TRIBUTARY_TEST_DATABASE_URL says otherwise;
# with such an override we touch nothing (the server is someone else's).
set -euo pipefail
if [ -n "${TRIBUTARY_TEST_DATABASE_URL:-}" ]; then exit 0; fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && exit 0
  sleep 1
done
echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started." >&2
echo "Start it, or point TRIBUTARY_TEST_DATABASE_URL at a PostgreSQL the tests may use." >&2
exit 1
