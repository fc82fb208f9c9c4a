#!/usr/bin/env bash
# Regenerates the UI's TypeScript types (ui/src/lib/bindings.ts) from the Rust types of the
# window's contract (kassa-app with its `ts` feature) and fails when the committed file is
# stale. `--write` rewrites the file instead; commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--write" ]; then
  export KASSA_WRITE_TS=1
fi
if cargo test -q -p kassa-app --features ts --lib -- window::tests::typescript_bindings_are_up_to_date; then
  echo "ui/src/lib/bindings.ts is up to date"
else
  echo "ui/src/lib/bindings.ts is stale: run scripts/check-ts-types.sh --write and commit it" >&2
  exit 1
fi
