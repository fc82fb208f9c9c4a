#!/usr/bin/env bash
# End-to-end tests of the real Kassa window: builds the UI and the desktop binary, starts its
# own Xvfb display and tauri-driver (over Debian's WebKitWebDriver), and runs every test in
# tests/e2e/specs.mjs against the app in demo mode, each on a fresh data directory. Prints
# `N passed, M failed` last and exits non-zero on any failure. `run.sh NAME` runs the tests
# whose name contains NAME.
set -euo pipefail
source "$(dirname "$0")/env.sh"
trap kassa_cleanup EXIT

fail_setup() {
  echo "0 passed, 1 failed"
  exit 1
}
kassa_build || fail_setup
kassa_start_display || fail_setup
kassa_start_driver || fail_setup

echo "== running the end-to-end tests on $DISPLAY"
set +e
node "$KASSA_E2E_DIR/main.mjs" "${1:-}"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  mkdir -p "$KASSA_E2E_DIR/artifacts"
  cp "$KASSA_WORK/tauri-driver.log" "$KASSA_E2E_DIR/artifacts/" 2>/dev/null || true
fi
exit "$status"
