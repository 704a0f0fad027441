#!/usr/bin/env bash
# Runs every test: unit tests beside the code (src/**/*.test.ts) and the end-to-end suite
# (test/**/*.test.ts), which starts the real server on loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
files=(src/**/*.test.ts test/**/*.test.ts)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-reporter=tap --test-timeout=300000 "${files[@]}"
