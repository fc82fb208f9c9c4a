#!/usr/bin/env bash
# Shared by tests/e2e/run.sh and scripts/screenshot.sh: build what the real window needs, and
# start a private Xvfb display and tauri-driver. Source it; call kassa_cleanup on exit.
# Sets: KASSA_ROOT, KASSA_WORK, DISPLAY, KASSA_E2E_* (see harness.mjs and app.sh).

KASSA_E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KASSA_ROOT="$(cd "$KASSA_E2E_DIR/../.." && pwd)"
KASSA_WORK="$(mktemp -d /tmp/kassa-e2e-run-XXXXXX)"
kassa_pids=()

kassa_cleanup() {
  for p in "${kassa_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$KASSA_WORK"
}

kassa_need() {
  command -v "$1" >/dev/null || { echo "missing $1: $2" >&2; return 1; }
}

# Builds the UI and the desktop binary (debug, UI embedded), and the test dependencies.
kassa_build() {
  kassa_need Xvfb "apt-get install xvfb" || return 1
  kassa_need /usr/bin/WebKitWebDriver "apt-get install webkit2gtk-driver" || return 1
  kassa_need node "install Node.js 20 or newer" || return 1
  if ! command -v tauri-driver >/dev/null; then
    echo "installing tauri-driver"
    cargo install tauri-driver --locked || return 1
  fi
  echo "== building the UI and the desktop binary"
  (cd "$KASSA_ROOT/ui" && { [ -d node_modules ] || npm install --no-audit --no-fund; } && npm run build --silent) || return 1
  (cd "$KASSA_ROOT" && cargo build -p kassa --features custom-protocol) || return 1
  (cd "$KASSA_E2E_DIR" && { [ -d node_modules ] || npm install --no-audit --no-fund; }) || return 1
}

# Starts Xvfb on a free display number and exports DISPLAY.
kassa_start_display() {
  local n display=""
  for n in $(seq 90 140); do
    if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then display=":$n"; break; fi
  done
  [ -n "$display" ] || { echo "no free X display number" >&2; return 1; }
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$KASSA_WORK/xvfb.log" 2>&1 &
  kassa_pids+=($!)
  export DISPLAY="$display"
  for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && return 0; sleep 0.1; done
  echo "Xvfb did not start" >&2
  return 1
}

# Starts tauri-driver on a free port; the app it launches (app.sh) inherits this environment.
kassa_start_driver() {
  export KASSA_E2E_APP="$KASSA_E2E_DIR/app.sh"
  export KASSA_E2E_BIN="$KASSA_ROOT/target/debug/kassa"
  export KASSA_E2E_DATA_ROOT="$KASSA_WORK"
  export KASSA_LOG="${KASSA_LOG:-warn}"
  local port
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  tauri-driver --port "$port" --native-driver /usr/bin/WebKitWebDriver >"$KASSA_WORK/tauri-driver.log" 2>&1 &
  kassa_pids+=($!)
  for _ in $(seq 1 100); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      export KASSA_E2E_DRIVER="http://127.0.0.1:$port/"
      return 0
    fi
    sleep 0.1
  done
  echo "tauri-driver did not start" >&2
  return 1
}
