#!/usr/bin/env bash
# What tauri-driver launches for each test session: the real `kassa` binary with a fresh, empty
# data directory, so every test starts in demo mode on a new ledger. Arguments (e.g. --kiosk)
# pass through. KASSA_E2E_BIN names the binary; KASSA_E2E_DATA_ROOT holds the data dirs.
set -euo pipefail
root="${KASSA_E2E_DATA_ROOT:-/tmp}"
dir="$(mktemp -d "$root/kassa-e2e-XXXXXX")"
export KASSA_DATA_DIR="$dir"
exec "${KASSA_E2E_BIN:?KASSA_E2E_BIN must name the kassa binary}" "$@"
