#!/usr/bin/env bash
# Runs every check and test of Kassa: formatting, clippy with -D warnings, the Rust test suites
# (unit and acceptance tests against the simulators on loopback), the UI's unit tests and the
# end-to-end tests of the real window. Installs what it needs first; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI builds once from scratch: incremental artefacts only cost disk there.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

APT_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver
  poppler-utils fonts-nanum cups cups-bsd printer-driver-cups-pdf imagemagick)
bash scripts/deps.sh "${APT_PACKAGES[@]}"

if [ -f ui/package.json ]; then
  echo "== UI: install (from the lockfile) and build"
  # `npm install`, not `npm ci`: the registry reachable here lacks the other platforms'
  # optional @tauri-apps/cli binaries, which `npm ci` insists on finding in the lockfile.
  (cd ui && npm install --no-audit --no-fund && npm run build)
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

if [ -x scripts/check-ts-types.sh ]; then
  echo "== TypeScript types generated from the Rust types are up to date"
  bash scripts/check-ts-types.sh
fi

echo "== cargo test"
cargo test --workspace --no-fail-fast

echo "== fuzzing, every target for a fixed number of inputs from a fixed seed"
bash scripts/fuzz.sh --ci

if [ -f ui/package.json ]; then
  echo "== UI type check and unit tests"
  (cd ui && npm run check && npm test)
fi

if [ -x tests/e2e/run.sh ]; then
  echo "== end-to-end tests of the real window"
  tests/e2e/run.sh
fi
